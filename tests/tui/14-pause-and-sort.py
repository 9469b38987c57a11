#!/usr/bin/env python3
"""`p` pauses the Log (its title says `paused`; new lines wait) and `p`
resumes it; `s` cycles the client sort: connected, id, peer, in, out,
port, device, name, last, state."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

ORDER = ["connected", "id", "peer", "in", "out", "port", "device", "name",
         "last", "state", "connected"]


def log_has(lines, text):
    return any(text in l for l in (sdtmux.log_rows(lines) or []))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "before pause"))
    sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
    d.wait_until(lambda ls: log_has(ls, "before pause"), "the first message"
                 " in the Log")

    d.keys("p")
    d.wait_until(lambda ls: "paused" in (sdtmux.log_title(ls) or ""),
                 "`paused` in the Log title after `p`")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "while paused"))
    sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
    # give the dashboard a few redraws (at most 10 a second)
    lines = None
    for _ in range(10):
        lines = d.screen()
        check(not log_has(lines, "while paused"), "a new line showed in "
              "the paused Log:\n" + d.dump(lines))
        sdpeer.recv_until_quiet(s, quiet=0.05, timeout=0.06)
    d.keys("p")
    d.wait_until(lambda ls: "paused" not in (sdtmux.log_title(ls) or "paused")
                 and log_has(ls, "while paused"),
                 "`p` again: `paused` gone and the held line shown")

    for cur, nxt in zip(ORDER, ORDER[1:]):
        d.wait_for(re.compile(r"sort: %s\b" % cur))
        d.keys("s")
        d.wait_for(re.compile(r"sort: %s\b" % nxt),
                   what="`s` after `sort: %s`: `sort: %s`" % (cur, nxt))
    s.close()


sdtmux.run(test)
