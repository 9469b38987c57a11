#!/usr/bin/env python3
"""A click on a column heading of the Sensors table sorts by that
column, a second click on it reverses the order, as in Clients (58); the
click focuses Sensors. Without min and max (130x40, Sensors beside
Transfers, 63 columns inside) and with them (100x30, Sensors under
Clients)."""
import re

import sdsensors
import sdtmux
from sdtmux import check

BY_VALUE = ["beta", "gamma", "alpha"]      # values 1, 2, 3


def heading(d, word):
    """(x, y) of the heading word in the Sensors pane."""
    lines = d.screen()
    h = sdsensors.heads(lines)
    check(h, "no Sensors headings:\n" + d.dump(lines))
    m = re.search(r"\b%s\b" % re.escape(word), lines[h[0]][h[1]:])
    check(m, "no heading %r in %r" % (word, lines[h[0]]))
    return h[1] + m.start() + 1, h[0]


def order(ls):
    return [r["channel"] for r in sdsensors.rows(ls)]


def clicked(d, word, want, mark, what):
    """Click word's heading: the rows in the order want, word marked."""
    sdtmux.click(d, *heading(d, word))
    d.wait_until(lambda ls: order(ls) == want and re.search(
        word + mark, sdsensors.head_line(ls)) is not None, what)


def test():
    d = sdtmux.Dashboard(130, 40).start()
    d.wait_ready()
    f = sdsensors.Feeder(d).add(b"alpha", [3]).add(b"beta", [1]).add(
        b"gamma", [2]).start()
    d.wait_until(lambda ls: order(ls) == ["alpha", "beta", "gamma"] and
                 not sdsensors.heads(ls)[2],
                 "130x40: three rows by device, then channel, without "
                 "min and max")
    clicked(d, "value", BY_VALUE, "[▲^]",
            "130x40: a click on `value`: by value, ascending")
    check(re.search(r"\[Sensors \(", "\n".join(d.last)),
          "the click did not focus Sensors:\n" + d.dump())
    clicked(d, "value", BY_VALUE[::-1], "[▼v]",
            "130x40: a second click on `value`: reversed")
    clicked(d, "channel", ["alpha", "beta", "gamma"], "[▲^]",
            "130x40: a click on `channel`: by channel, ascending")
    d.resize(100, 30)
    d.wait_until(lambda ls: sdsensors.heads(ls) is not None and
                 sdsensors.heads(ls)[2] and len(order(ls)) == 3,
                 "100x30: Sensors under Clients, with min and max")
    clicked(d, "channel", ["gamma", "beta", "alpha"], "[▼v]",
            "100x30: a click on the sorted `channel`: reversed")
    clicked(d, "value", BY_VALUE, "[▲^]",
            "100x30: a click on `value`: by value, ascending")
    f.close()


sdtmux.run(test)
