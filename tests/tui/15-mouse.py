#!/usr/bin/env python3
"""Where the terminal reports the mouse (xterm's SGR mode, which tmux
passes on), a click focuses the pane under it and, in Clients, selects
the row clicked: `m` then addresses that client."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def click(d, x, y):
    """A left click at column x, line y (0-based), as xterm sends it."""
    d.type("\x1b[<0;%d;%dM\x1b[<0;%d;%dm" % (x + 1, y + 1, x + 1, y + 1))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    socks = []
    for text in ("first", "second"):
        s = d.connect()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
        socks.append(s)
    d.wait_for("Clients (2)")
    second = "127.0.0.1:%d" % socks[1].getsockname()[1]

    # a click on the Log box focuses it: its title is marked [...]
    lines = d.screen()
    y = sdtmux.title_line(lines, "Log")
    click(d, 10, y + 2)
    d.wait_for(re.compile(r"\[Log\b"), what="the Log focused by a click")

    # a click on the second client's row focuses Clients and selects it
    lines = d.screen()
    y = [i for i, l in enumerate(lines) if second in l][0]
    click(d, 30, y)
    d.wait_for(re.compile(r"\[Clients \(2\)"),
               what="Clients focused by a click")
    d.wait_until(lambda ls: any(second in l and ">" in l.split(second)[0]
                                for l in ls),
                 "the clicked row %s selected (>)" % second)
    cid = [c["id"] for c in d.ctl({"cmd": "clients"})["clients"]
           if c["peer_port"] == socks[1].getsockname()[1]][0]
    d.keys("m")
    d.wait_for("Message to #%d:" % cid,
               what="`m` addressing the clicked client #%d" % cid)
    d.keys("Escape")
    for s in socks:
        s.close()


sdtmux.run(test)
