#!/usr/bin/env python3
"""The Log title counts the lines the filter matches, live as it is
typed: `filter: bravo (3 matches)`, `(1 match)` for one, `(0 matches)`
for none; no count without a filter."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def title(ls):
    return sdtmux.log_title(ls) or ""


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    for t in ["bravo one", "alpha", "Bravo two", "charlie", "BRAVO three"]:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, t))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_for("BRAVO three", what="the messages in the Log")
    check(not re.search(r"match", title(d.screen())),
          "a count without a filter: %r" % title(d.last))
    d.keys("BTab")                   # the Log, where / filters lines
    d.keys("/")
    d.type("bravo")
    d.wait_until(lambda ls: "filter: bravo (3 matches)" in title(ls),
                 "`filter: bravo (3 matches)` while typing")
    for more, want in ((" tw", "filter: bravo tw (1 match)"),
                       ("x", "filter: bravo twx (0 matches)")):
        d.type(more)
        d.wait_until(lambda ls: want in title(ls), "`%s`" % want)
    d.keys("Escape")
    d.wait_until(lambda ls: "filter: (none)" in title(ls)
                 and "match" not in title(ls), "Esc: no filter, no count")
    s.close()


sdtmux.run(test)
