#!/usr/bin/env python3
"""While the dashboard runs, its terminal reads keys one by one with
flow control off: the pane's tty (`stty -F #{pane_tty} -a`) shows -ixon
(Ctrl-S is a key, not XOFF, which would stop the screen and with it the
loop), -icanon and -echo, though flow control was on when it started.
After `q`, and after SIGTERM, the tty is exactly as it was before the
dashboard started (`stty -g` before and after) (SPEC-dashboard.md,
Terminals)."""
import os
import signal

import sdtmux
from sdtmux import check


def running(d, what):
    m = sdtmux.tty_modes(d)
    for want in ("-ixon", "-icanon", "-echo"):
        check(want in m, "%s: the tty lacks %s while the dashboard runs "
              "(stty -a: %s)" % (what, want, " ".join(sorted(m))))


def restored(d, what):
    before, now = sdtmux.tty_saved(d)
    check(before == now, "%s: the tty is not as it was before the "
          "dashboard:\n  before %s\n  after  %s" % (what, before, now))
    check("ixon" in sdtmux.tty_modes(d), "%s: flow control not back on"
          % what)


def test():
    d = sdtmux.Dashboard(120, 40)
    sdtmux.tty_watch(d)
    d.start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    running(d, "dashboard")
    d.keys("q")
    check(d.wait_exit() == 0, "`q`: exit status not 0")
    restored(d, "after `q`")

    d = sdtmux.Dashboard(120, 40)
    sdtmux.tty_watch(d)
    d.start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    running(d, "dashboard (SIGTERM run)")
    os.kill(d.program_pid(), signal.SIGTERM)
    st = d.wait_exit()
    check(st == 0, "SIGTERM: exit status %r, expected 0" % st)
    restored(d, "after SIGTERM")


sdtmux.run(test)
