#!/usr/bin/env python3
"""A Log scrolled up stays on its lines while new ones come and
its title counts them (`scrolled, 12 new`); `F` (as less's follow mode),
End and `G` follow again: the title says `following` and the newest line
shows. A paused Log counts what waits too (`paused, 3 new`), and so it
does at 80x24 (where the texts themselves are cut off)."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def title(ls):
    return sdtmux.log_title(ls) or ""


def send(d, s, prefix, n):
    for i in range(n):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "%s%02d" % (prefix, i)))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    return d.wait_until(lambda ls: re.search(r"\b%s%02d\b" % (prefix, n - 1),
                                             "\n".join(ls))
                        or "new" in title(ls),
                        "the Log took %s00-%s%02d" % (prefix, prefix,
                                                       n - 1))


def scrolled_up(d, key):
    d.keys(*([key] * 5))
    return d.wait_until(lambda ls: "scrolled" in title(ls)
                        and "new" not in title(ls),
                        "`scrolled` in the Log title after %s" % key)


def follows(d, key, last):
    d.keys(key)
    d.wait_until(lambda ls: "following" in title(ls) and "new" not in
                 title(ls) and last in "\n".join(sdtmux.log_rows(ls) or []),
                 "`%s`: following again, %s shown" % (key, last))


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    for _ in range(4):                 # Devices, Transfers, Sensors, Log
        d.keys("Tab")
    d.wait_until(lambda ls: "[Log" in title(ls), "the Log pane focused")
    s = d.connect()
    send(d, s, "first", 30)
    before = sdtmux.log_rows(scrolled_up(d, "Up"))
    send(d, s, "more", 12)
    lines = d.wait_until(lambda ls: "scrolled, 12 new" in title(ls),
                         "`scrolled, 12 new` in the Log title")
    check(sdtmux.log_rows(lines) == before,
          "the scrolled Log moved with the new lines:\n%s\nwas:\n%s"
          % (d.dump(lines), "\n".join(before)))
    follows(d, "F", "more11")

    scrolled_up(d, "k")
    send(d, s, "again", 2)
    d.wait_until(lambda ls: "scrolled, 2 new" in title(ls), "2 new")
    follows(d, "End", "again01")

    scrolled_up(d, "Up")
    follows(d, "G", "again01")

    d.keys("p")
    d.wait_until(lambda ls: "paused" in title(ls), "paused")
    send(d, s, "held", 3)
    d.wait_until(lambda ls: "paused, 3 new" in title(ls)
                 and "held" not in "\n".join(ls), "`paused, 3 new`")
    follows(d, "F", "held02")

    d.resize(80, 24)
    d.wait_until(lambda ls: "[Log" in title(ls), "80x24: the Log pane")
    d.keys("p")
    d.wait_until(lambda ls: "paused" in title(ls), "80x24: paused")
    for i in range(4):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "small%d" % i))
    d.wait_until(lambda ls: "paused, 4 new" in title(ls),
                 "80x24: `paused, 4 new`")
    d.keys("F")
    d.wait_until(lambda ls: "following" in title(ls)
                 and "new" not in title(ls), "80x24: `F` follows again")
    s.close()


sdtmux.run(test)
