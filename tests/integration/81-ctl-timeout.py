#!/usr/bin/env python3
"""sockdeckd ctl does not wait for ever: a control socket that accepts
and never answers, and one whose backlog is full (connect cannot
finish), each end in --timeout seconds (default 5) with one line and
status 1; events waits for its acknowledgement that long, then streams
without a limit until the server closes (status 0)."""
import json
import os
import subprocess
import tempfile
import threading
import time

import sdpeer
from sdpeer import check
from sdterm import FakeServer, full_backlog


def ctl(path, *args, timeout=30):
    t0 = time.monotonic()
    r = subprocess.run([sdpeer.binary(), "ctl", "--control", path] +
                       list(args), capture_output=True, text=True,
                       timeout=timeout)
    took = time.monotonic() - t0
    sdpeer.log("ctl %s: %d in %.2fs %r %r" % (args, r.returncode, took,
                                               r.stdout, r.stderr))
    return r, took


def silent(conn):
    conn.recv(4096)
    threading.Event().wait(30)


def slow_events(conn):
    conn.recv(4096)
    conn.sendall(b'{"ok":true}\n')
    time.sleep(2.5)         # longer than --timeout: events wait on
    conn.sendall(b'{"event":"message","text":"late"}\n')
    conn.close()


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    p1 = os.path.join(d, "silent.sock")
    FakeServer(silent, path=p1)
    r, took = ctl(p1, "--timeout", "1", "status")
    check(r.returncode == 1 and "no answer in 1 s" in r.stderr and
          r.stderr.count("\n") == 1 and 0.9 < took < 4,
          "silent socket, --timeout 1: %r in %.1fs" % (r, took))
    r, took = ctl(p1, "clients")
    check(r.returncode == 1 and "no answer in 5 s" in r.stderr and
          4.5 < took < 9, "silent socket, default: %r in %.1fs"
          % (r, took))

    # A backlog that is full: the connect itself cannot complete.
    p2 = os.path.join(d, "full.sock")
    held = full_backlog(p2)
    r, took = ctl(p2, "--timeout", "1", "status")
    check(r.returncode == 1 and "connect" in r.stderr and
          r.stderr.count("\n") == 1 and 0.9 < took < 4,
          "full backlog: %r in %.1fs" % (r, took))

    p3 = os.path.join(d, "events.sock")
    FakeServer(slow_events, path=p3)
    r, took = ctl(p3, "--timeout", "1", "events")
    check(r.returncode == 0 and took > 2 and
          json.loads(r.stdout).get("text") == "late",
          "events past --timeout: %r in %.1fs" % (r, took))

    r, _ = ctl(p3, "--timeout", "x", "status")
    check(r.returncode == 2 and "--timeout" in r.stderr,
          "bad --timeout: %r" % (r,))


if __name__ == "__main__":
    sdpeer.run(test)
