#!/usr/bin/env python3
"""A click on a column heading of the client table sorts by that
column; a second click on it reverses the order."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def heading(d, word):
    """(x, y) of the heading word in the Clients box."""
    lines = d.screen()
    y = sdtmux.title_line(lines, "Clients") + 1
    m = re.search(r"\b%s\b" % re.escape(word), lines[y])
    check(m, "no heading %r in %r" % (word, lines[y]))
    return m.start() + 1, y


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    socks, ports = [], []
    for i in range(3):
        s = d.connect()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hi"))
        sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
        socks.append(s)
        ports.append(s.getsockname()[1])
    d.wait_for("Clients (3)")
    title = lambda ls: sdtmux.clients_title(ls) or ""
    sdtmux.click(d, *heading(d, "peer"))
    d.wait_until(lambda ls: "sort: peer \u25b2" in title(ls) and
                 sdtmux.client_order(ls, ports) == sorted(ports),
                 "a click on `peer`: sorted by peer, ascending")
    sdtmux.click(d, *heading(d, "peer"))
    d.wait_until(lambda ls: "sort: peer \u25bc" in title(ls) and
                 sdtmux.client_order(ls, ports) == sorted(ports, reverse=True),
                 "a second click on `peer`: reversed")
    sdtmux.click(d, *heading(d, "device"))
    lines = d.wait_until(lambda ls: "sort: device \u25b2" in title(ls),
                         "a click on `device`: sorted by device")
    check("device \u25b2" in sdtmux.clients_rows(lines)[0],
          "the marker on `device`")
    for s in socks:
        s.close()


sdtmux.run(test)
