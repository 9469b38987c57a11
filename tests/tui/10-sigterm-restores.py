#!/usr/bin/env python3
"""SIGTERM to the dashboard: it exits 0 and restores the terminal; so
does SIGINT."""
import os
import signal

import sdtmux
from sdtmux import check


def one(sig):
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    pid = d.program_pid()
    with open("/proc/%d/comm" % pid) as f:
        comm = f.read().strip()
    check(comm not in ("sh", "dash", "sleep"),
          "the pane's program is %r, not sockdeckd" % comm)
    os.kill(pid, sig)
    st = d.wait_exit()
    check(st == 0, "%s: exit status %r, expected 0"
          % (signal.Signals(sig).name, st))
    m = d.modes()
    lines = d.screen()
    check(not m["alternate"] and m["cursor"],
          "%s: terminal not restored (modes %r):\n%s"
          % (signal.Signals(sig).name, m, d.dump(lines)))
    check(not any("sockdeckd 0.1.0" in l for l in lines),
          "%s: the dashboard is still on the screen:\n%s"
          % (signal.Signals(sig).name, d.dump(lines)))


def test():
    one(signal.SIGTERM)
    one(signal.SIGINT)


sdtmux.run(test)
