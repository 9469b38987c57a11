#!/usr/bin/env python3
"""The client table uses the width: at 80x24 each row has the seed's
four fields (descriptor, address, port, connect time); at 110 columns
the layout is another (server port, bytes in and out too); at 200 more
fields show (name, protocol, frames both ways, last activity)."""
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def heads(lines):
    rows = sdtmux.clients_rows(lines)
    return rows[0].split() if rows else []


def test():
    d = sdtmux.Dashboard(80, 24).start()
    d.wait_ready()
    s = d.connect()
    sdpeer.hello(s, dev=sdpeer.DEV, name=b"pump-7")
    d.wait_for("Clients (1)")
    c = d.ctl({"cmd": "clients"})["clients"][0]
    port = s.getsockname()[1]
    when = time.strftime("%H:%M:%S", time.localtime(c["connected_ns"] / 1e9))
    # id, fd, address:port, connect time, in that order
    row = re.compile(r"\b%d +%d +127\.0\.0\.1:%d .* %s\b" %
                     (c["id"], c["fd"], port, when))
    lines = d.wait_until(lambda ls: any(row.search(r) for r in
                                        sdtmux.clients_rows(ls)),
                         "at 80x24 a row with id, fd %d, 127.0.0.1:%d and "
                         "%s" % (c["fd"], port, when))
    h80 = heads(lines)
    check("fd" in h80, "no fd heading at 80x24: %r" % h80)

    d.resize(110, 30)
    lines = d.wait_until(lambda ls: "port" in heads(ls),
                         "at 110x30 a layout with the server port")
    h110 = heads(lines)
    check(h110 != h80 and "in" in h110 and "out" in h110 and "fd" in h110,
          "at 110 columns: %r (at 80: %r)" % (h110, h80))
    check(any(row.search(r) for r in sdtmux.clients_rows(lines)),
          "at 110 columns the seed's fields")

    d.resize(200, 50)
    lines = d.wait_until(lambda ls: "name" in heads(ls),
                         "at 200x50 a layout with the name")
    h200 = " ".join(heads(lines))
    for w in ("name", "proto", "frames in", "frames out", "last", "fd",
              "in", "out"):
        check(re.search(r"\b%s\b" % w, h200), "no %r heading at 200 "
              "columns: %r" % (w, h200))
    r = sdtmux.client_row(lines, port)
    check(r and "pump-7" in r and " ext " in r, "at 200 columns the row "
          "has the name and protocol: %r" % r)
    s.close()


sdtmux.run(test)
