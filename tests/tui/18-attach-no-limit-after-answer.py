#!/usr/bin/env python3
"""`sockdeckd attach --timeout 1` waits that long for the first answer
only: on a control socket that answers the subscription and then stays
silent for longer (no status, no events), the dashboard runs on and
shows an event that comes late; when the socket closes, the header says
the server is gone and `q` quits with status 0."""
import os
import re
import threading
import time

import sdtmux
from sdtmux import check
from sdterm import FakeServer

LATE = ('{"event":"message","time":"2026-01-02T03:04:05.000Z","id":7,'
        '"device":"02:00:00:00:00:07","text":"late but welcome"}\n')


def test():
    go, done = threading.Event(), threading.Event()
    subs = []

    def fake(conn):
        f = conn.makefile("rb")
        subs.append(f.readline())
        conn.sendall(b'{"ok":true}\n')
        go.wait(30)
        conn.sendall(LATE.encode())
        done.wait(30)
        conn.close()

    path = os.path.join(sdtmux.mkdtemp(), "control.sock")
    srv = FakeServer(fake, path=path)
    d = sdtmux.Dashboard(120, 40, args=["attach", "--control", path,
                                        "--timeout", "1"]).start()
    # The fake answers no status: the version shows as "?".
    d.wait_for(re.compile(r"^ sockdeckd \S+  attached ", re.M),
               what="the attached dashboard's header")
    check(subs and b'"subscribe"' in subs[0],
          "the first request was %r" % subs)
    # A silence longer than --timeout, after the answer: nothing ends.
    time.sleep(2.5)
    check(not d.pane_dead()[0], "attach exited after the first answer:\n"
          + d.dump())
    check("server gone" not in d.text(), "gone after a silence:\n"
          + d.dump())
    go.set()
    d.wait_for("late but welcome", what="the late event in the log")
    done.set()
    d.wait_for("server gone", what="the closed socket in the header")
    d.keys("q")
    st = d.wait_exit()
    check(st == 0, "exit status %r, expected 0" % st)
    check(not srv.errors, "fake server: %r" % srv.errors)


sdtmux.run(test)
