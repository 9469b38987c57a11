#!/usr/bin/env python3
"""The client table's title shows the selection's place (`2/5`), and
`/` with Clients focused filters the clients as typed (by address,
device, name or state, in any case), the title saying how many matched
(`filter (1 of 5): TEXT`); Esc on the prompt puts the whole table back."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def title(ls):
    return sdtmux.clients_title(ls) or ""


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    socks, ports = [], []
    for i in range(5):
        s = d.connect()
        s.sendall(sdwire.legacy_msg(sdwire.mac("02:00:00:00:00:%02x" %
                                               (0x10 + i)), "hi"))
        sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
        socks.append(s)
        ports.append(s.getsockname()[1])
    d.wait_for("Clients (5)")
    d.wait_until(lambda ls: re.search(r"\b1/5\b", title(ls)),
                 "the place `1/5` in the title")
    d.keys("Down", "Down")
    d.wait_until(lambda ls: re.search(r"\b3/5\b", title(ls)),
                 "two rows down: `3/5`")
    d.keys("G")
    d.wait_until(lambda ls: re.search(r"\b5/5\b", title(ls)),
                 "the last row: `5/5`")

    d.keys("/")
    d.wait_for("Filter clients:", what="the prompt `Filter clients:`")
    d.type("00:00:13")
    lines = d.wait_until(
        lambda ls: "(1 of 5)" in title(ls) and
        re.search(r"\b1/1\b", title(ls)) and
        sdtmux.client_row(ls, ports[3]) is not None and
        all(sdtmux.client_row(ls, p) is None for p in ports[:3]),
        "as typed: only the client of device ...:13, `1/1`, `1 of 5`")
    check("filter (1 of 5): 00:00:13" in title(lines), "the filter in the "
          "title: %r" % title(lines))
    d.keys("Escape")
    d.wait_until(lambda ls: "filter" not in title(ls) and
                 all(sdtmux.client_row(ls, p) is not None for p in ports),
                 "Esc: every client again")
    # by state, in any case, kept after Enter
    socks[0].close()
    d.wait_for("Clients (4)")
    d.keys("/")
    d.type("IDLE")
    d.keys("Enter")
    d.wait_until(lambda ls: "(4 of 4)" in title(ls), "filter IDLE: all 4 "
                 "idle clients")
    d.keys("/", "C-u")
    d.type("127.0.0.1:%d" % ports[2])
    d.keys("Enter")
    d.wait_until(lambda ls: "(1 of 4)" in title(ls) and
                 sdtmux.client_row(ls, ports[2]) is not None,
                 "filter by address and port")
    for s in socks[1:]:
        s.close()


sdtmux.run(test)
