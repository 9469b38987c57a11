#!/usr/bin/env python3
"""A sensor silent for longer than about three of its usual intervals
is drawn dim and marked `~` before its age (issue 16), and its
sparkline shows blanks for the seconds without readings, not its last
value drawn on; a sensor still sending is neither."""
import re

import sdsensors
import sdtmux
from sdtmux import check

DIM = re.compile(r"\x1b\[([0-9;]*;)?2(;[0-9;]*)?m")


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d).add(b"live", [1, 2, 3]).add(
        b"quiet", [5, 6, 7]).start()
    sdsensors.wait_row(d, "quiet", lambda r: r["spark"].strip() != "")
    sdsensors.wait_row(d, "quiet", lambda r: sum(
        c != " " for c in r["spark"]) >= 2,
        what="quiet's sparkline two columns long")
    f.stop(b"quiet")

    def gap(r):
        s = r["spark"].rstrip("│|x")
        return (r["silent"] and s.strip() != "" and
                s.endswith("   "))
    ls = sdsensors.wait_row(d, "quiet", gap, timeout=20,
                            what="quiet marked silent (~) with a gap at "
                            "the end of its sparkline")
    live = sdsensors.row(ls, "live")
    check(not live["silent"], "the live sensor is marked silent: %r" % live)
    check(live["spark"][-1:] not in ("", " "),
          "the live sensor's sparkline ends in a gap: %r" % live["spark"])
    esc = d.screen(escapes=True)
    lq = [l for l in esc if "quiet" in l]
    ll = [l for l in esc if "live" in l and "quiet" not in l]
    check(lq and DIM.search(lq[0]), "quiet's row is not dim: %r" % lq)
    check(ll and not DIM.search(ll[0]), "live's row is dim: %r" % ll)
    f.close()


sdtmux.run(test)
