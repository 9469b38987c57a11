#!/usr/bin/env python3
"""`--keep-on-hangup`: the dashboard's terminal goes away (the tmux
server is killed, as when an ssh session drops), with the SIGHUP a
hang-up sends and under setsid(1) where none comes, and the server stays:
  - over 3 s it uses under 10% of a CPU (a hung-up terminal read on
    would spin at ~100%; idle, a sanitized build on a loaded machine has
    been seen near 1%, so the bar sits well between the two);
  - its client is still answered and the control socket answers;
  - the events go on in DATA_DIR/sockdeckd.log, headless;
  - SIGTERM then stops it.
Without the option the server stops (tests/tui/38)."""
import os
import signal
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def one(detached):
    what = "--keep-on-hangup%s" % (" under setsid" if detached else "")
    d, pid, c = sdtmux.hung_up_dashboard(
        100, 30, detached=detached,
        extra=["--keep-on-hangup", "--reply-format", sdpeer.ECHO_FMT])
    time.sleep(0.5)
    check(sdtmux._alive(pid), "%s: the server stopped with its terminal"
          % what)
    t0 = sdtmux.cpu_seconds(pid)
    time.sleep(3)
    used = sdtmux.cpu_seconds(pid) - t0
    check(used < 0.3, "%s: %.2f s of CPU in 3 s after the terminal went "
          "away (10%% is 0.3)" % (what, used))
    c.sendall(sdwire.legacy_msg(sdpeer.DEV, b"after hangup"))
    got = sdpeer.recv_until_quiet(c, quiet=0.3, timeout=5)
    check(b"after hangup" in got, "%s: the client is not answered: %r"
          % (what, got))
    st = d.ctl({"cmd": "status"})
    check(st.get("ok") and st["status"]["clients"] == 1,
          "%s: ctl status %r" % (what, st))
    log = os.path.join(d.dir, "sockdeckd.log")
    deadline = time.monotonic() + 10
    text = ""
    while "after hangup" not in text and time.monotonic() < deadline:
        try:
            with open(log, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    check("after hangup" in text, "%s: the message not in %s: %r"
          % (what, log, text[-500:]))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while sdtmux._alive(pid):
        check(time.monotonic() < deadline, "%s: SIGTERM did not stop it"
              % what)
        time.sleep(0.05)
    c.close()


def test():
    one(False)
    one(True)


sdtmux.run(test, deadline=90)
