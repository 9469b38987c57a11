#!/usr/bin/env python3
"""The client table's sort: `>` and `<` choose the next and previous
sort column (`s` is `>`), `r` reverses the order, and the sorted
column's heading carries a marker (`▲` smallest first, `▼` largest
first; `^` and `v` where lines are not UTF-8). Sorted by `in`, the rows
go by bytes received, most first; `r` turns them round."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def heads(lines):
    rows = sdtmux.clients_rows(lines)
    return rows[0] if rows else ""


def sorted_by(d, key, mark):
    return d.wait_until(lambda ls: re.search(r"sort: %s %s" % (key, mark),
                                             sdtmux.clients_title(ls) or ""),
                        "the title `sort: %s %s`" % (key, mark))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    socks, ports = [], []
    for i, n in enumerate((300, 50, 900)):
        s = d.connect()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "x" * n))
        sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
        socks.append(s)
        ports.append(s.getsockname()[1])
    d.wait_for("Clients (3)")
    lines = sorted_by(d, "connected", "\u25b2")
    check("since \u25b2" in heads(lines), "the marker on `since`: %r"
          % heads(lines))
    d.keys(">")
    lines = sorted_by(d, "id", "\u25b2")
    check(re.search(r"\bid \u25b2", heads(lines)) and
          "since \u25b2" not in heads(lines),
          "`>`: the marker moves to `id`: %r" % heads(lines))
    d.keys("<")
    sorted_by(d, "connected", "\u25b2")
    d.keys("<")
    sorted_by(d, "state", "\u25b2")
    d.keys(">", ">", ">", ">")
    most_first = [p for _, p in sorted(zip((300, 50, 900), ports),
                                       reverse=True)]
    lines = d.wait_until(lambda ls: "sort: in \u25bc" in
                         (sdtmux.clients_title(ls) or "") and
                         sdtmux.client_order(ls, ports) == most_first,
                         "sort: in \u25bc, the rows most bytes first %r"
                         % most_first)
    check("in \u25bc" in heads(lines), "the marker on `in`: %r"
          % heads(lines))
    d.keys("r")
    lines = d.wait_until(lambda ls: "sort: in \u25b2" in
                         (sdtmux.clients_title(ls) or "") and
                         sdtmux.client_order(ls, ports) == most_first[::-1],
                         "`r`: sort: in \u25b2, the rows the other way")
    check("in \u25b2" in heads(lines), "`r`: the marker turns: %r"
          % heads(lines))
    d.keys("s")
    sorted_by(d, "out", "\u25bc")
    for s in socks:
        s.close()

    # Not UTF-8: the marker in ASCII.
    a = sdtmux.Dashboard(80, 24, env={"LANG": "C"}).start()
    a.wait_ready()
    a.wait_until(lambda ls: "sort: connected ^" in
                 (sdtmux.clients_title(ls) or ""), "`^` in a C locale")
    a.keys("r")
    lines = a.wait_until(lambda ls: "sort: connected v" in
                         (sdtmux.clients_title(ls) or ""),
                         "`r`: `v` in a C locale")
    check("since v" in heads(lines), "the ASCII marker on `since`: %r"
          % heads(lines))


sdtmux.run(test)
