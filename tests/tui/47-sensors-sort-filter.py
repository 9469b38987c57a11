#!/usr/bin/env python3
"""Sensors sorts by device, channel, value, rate or age (`s` or `>`
next, `<` previous, `r` reverses, the sorted column's head marked) and
filters with `/` on device or channel, live, case-insensitive, the
title saying how many rows match (issue 16). The heads stay over their
columns whichever carries the mark (one column, three bytes in UTF-8)."""
import re

import sdsensors
import sdtmux
import sdwire
from sdtmux import check

DEV2 = "02:00:00:00:00:02"


def chans(ls):
    return [(r["channel"], r["device"][-2:]) for r in sdsensors.rows(ls)]


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d).add(b"alpha", [3]).add(b"beta", [1]).add(
        b"gamma", [2]).start()
    g = sdsensors.Feeder(d, dev=sdwire.mac(DEV2)).add(b"beta", [9]).start()
    d.wait_for("Sensors (2 devices, 4 channels)")
    def sorted_by(key, want, mark):
        """After key: the rows in the order want, the head mark on."""
        if key:
            d.keys(key)
        ls = d.wait_until(lambda ls: chans(ls) == want, "rows %r after "
                          "%r" % (want, key))
        head = sdsensors.head_line(ls)
        check(re.search(mark, head), "%s not marked: %r" % (mark, head))
        # each head over its column, whichever carries the mark
        col = sdsensors.heads(ls)[1]
        at = [head.find(w, col) - col for w in ("channel", "history")]
        check(at == [18, sdsensors.FIXED_WIDE], "heads not over their "
              "columns (channel at %d, history at %d):\n%s"
              % (at[0], at[1], head))

    by_value = [("beta", "ff"), ("gamma", "ff"), ("alpha", "ff"),
                ("beta", "02")]
    sorted_by(None, [("beta", "02"), ("alpha", "ff"), ("beta", "ff"),
                     ("gamma", "ff")], r"device[▲^]")
    sorted_by("s", [("alpha", "ff"), ("beta", "02"), ("beta", "ff"),
                    ("gamma", "ff")], r"channel[▲^]")
    sorted_by(">", by_value, r"value[▲^]")
    sorted_by("r", by_value[::-1], r"value[▼v]")
    d.keys("<")
    d.wait_until(lambda ls: re.search(r"channel[▼v]",
                                      sdsensors.head_line(ls)),
                 "`<` back to channel")
    # the filter: live, on channel or device, any case
    d.keys("/")
    d.type("BET")
    ls = d.wait_until(lambda ls: sorted(chans(ls)) == [("beta", "02"),
                                                       ("beta", "ff")],
                      "the filter BET: both beta rows")
    check("/BET: 2" in sdsensors.title(ls), "title %r" % sdsensors.title(ls))
    check("Sensors (2 devices, 4 channels)" in sdsensors.title(ls),
          "the counts follow the filter: %r" % sdsensors.title(ls))
    d.keys("Enter")
    d.keys("/", "C-u")
    d.type("00:00:02")
    d.wait_until(lambda ls: chans(ls) == [("beta", "02")],
                 "the filter on a device")
    d.keys("C-u", "Enter")
    d.wait_until(lambda ls: len(chans(ls)) == 4, "all rows again")
    # the log's filter is its own
    check(not re.search(r"Log.*00:00:02", "\n".join(d.screen())),
          "the log took the Sensors filter")
    f.close()
    g.close()


sdtmux.run(test)
