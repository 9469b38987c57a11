#!/usr/bin/env python3
"""A steady stream of 40 legacy readings a second reads steady: once
the server's window has filled, the header's `readings N/s` and the
client's `rate` column (140 columns) are within 10% of 40 in every
capture over 4 s, never twice that or 0, and the figures are the ones
`status` gives; the help says the rates are smoothed over 5 s."""
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

N = 40
HEAD = re.compile(r"\breadings (\d+(?:\.\d)?)/s")


def header_rate(ls):
    m = HEAD.search(ls[0]) if ls else None
    return float(m.group(1)) if m else None


def table_rate(ls, port):
    """The `rate` column of port's row: the text under its heading."""
    rows = sdtmux.clients_rows(ls)
    r = sdtmux.client_row(ls, port)
    if not rows or r is None:
        return None
    h = re.search(r"\brate\b", rows[0])
    if h is None:
        return None
    m = re.search(r"(\d+(?:\.\d)?)/s", r[max(0, h.start() - 4):h.end() + 1])
    return float(m.group(1)) if m else None


def near(v):
    return v is not None and abs(v - N) <= N * 0.1


def test():
    d = sdtmux.Dashboard(140, 40).start()
    d.wait_ready()
    s = d.connect()
    port = s.getsockname()[1]
    dev = sdwire.mac("02:00:00:00:00:78")
    st = sdpeer.Steady(s, N, lambda i: sdwire.legacy_sensor(
        dev, 20.0 + (i % 10))).start()
    d.wait_until(lambda ls: near(header_rate(ls)) and
                 near(table_rate(ls, port)),
                 "header and table at %d/s (within 10%%)" % N, timeout=20)
    # Let the window fill: from here on every capture must hold.
    time.sleep(5)
    seen = []
    end = time.monotonic() + 4
    while time.monotonic() < end:
        ls = d.screen()
        seen.append((header_rate(ls), table_rate(ls, port)))
        time.sleep(0.25)
    check(all(near(a) and near(b) for a, b in seen),
          "a steady %d/s read (header, table) %r" % (N, seen))
    rates = d.ctl({"cmd": "status"})["status"]["rates"]
    check(near(rates["readings"]), "status rates %r" % rates)
    st.stop()
    d.keys("?")
    d.wait_for("smoothed over the last 5 s", what="the help says the "
               "rates are smoothed over 5 s")
    d.keys("Escape")
    s.close()


sdtmux.run(test)
