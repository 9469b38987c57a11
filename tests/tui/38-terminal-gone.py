#!/usr/bin/env python3
"""The terminal goes away under a running screen (the tmux server is
killed, as when an ssh session drops): the dashboard's sockdeckd shuts
down as on SIGHUP (its clients closed, the control socket removed) and
exits within seconds, and so does the sockdeck client. Once with the
SIGHUP a hang-up sends, once under setsid(1), where the terminal is not
the program's controlling one and no signal comes: the hang-up alone
must do it (a hung-up terminal is readable for ever; read on, it starved
the server: clients unanswered, 100% CPU, no exit)."""
import os
import time

import sdpeer
import sdtmux
from sdtmux import check

GONE_WITHIN = 15.0


def wait_gone(pid, what):
    deadline = time.monotonic() + GONE_WITHIN
    while sdtmux._alive(pid):
        if time.monotonic() > deadline:
            sdtmux.fail("%s: still running %.0f s after its terminal went "
                        "away (%.1f s of CPU used)"
                        % (what, GONE_WITHIN, sdtmux.cpu_seconds(pid) or 0))
        time.sleep(0.05)


def dashboard(detached):
    what = "sockdeckd%s" % (" under setsid" if detached else "")
    d, pid, c = sdtmux.hung_up_dashboard(100, 30, detached=detached)
    wait_gone(pid, what)
    sdpeer.expect_eof(c, what="%s's client" % what)
    c.close()
    check(not os.path.exists(d.control_path),
          "%s: the control socket is still there" % what)


def client(detached):
    what = "sockdeck%s" % (" under setsid" if detached else "")
    srv = sdpeer.Server().start()
    t = sdtmux.ClientTui(100, 30, args=["127.0.0.1:%d" % srv.ports[0]])
    if detached:
        # its `cd DIR; exec "$@"` wrapper: setsid comes after the cd
        t.cmd = t.cmd[:5] + ["setsid"] + t.cmd[5:]
    t.start()
    t.wait_ready()
    t.wait_state("connected")
    pid = t.program_pid()
    t.tmux("kill-server")
    wait_gone(pid, what)


def test():
    for detached in (False, True):
        dashboard(detached)
        client(detached)


sdtmux.run(test)
