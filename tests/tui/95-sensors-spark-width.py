#!/usr/bin/env python3
"""The Sensors sparkline fills the rest of its row: it starts after the
fixed columns (70 with min and max, 52 without) and its newest column is
the last before the pane's right border, whatever the pane's width (up
to tui_dash_sensors.c's cap of 256 columns): 100x30 (Sensors under
Clients, 98 inside), 130x40 (beside Transfers, 63 inside, no min and
max) and 160x40 (beside Transfers, 78 inside)."""
import sdsensors
import sdtmux
from sdtmux import check

BLOCKS = set(" ▁▂▃▄▅▆▇█")


def fills(d, w, h, inside):
    """At w x h, with the Sensors pane inside columns wide: the spark
    spans from the fixed columns to the border, its last column drawn."""
    d.resize(w, h)
    wide = inside >= 78
    want = inside - (sdsensors.FIXED_WIDE if wide else sdsensors.FIXED)

    def ok(ls):
        hd, r = sdsensors.heads(ls), sdsensors.row(ls, "temp")
        return (hd is not None and hd[2] == wide and r is not None and
                len(r["spark"]) == want and r["spark"][-1] != " ")
    ls = d.wait_until(ok, "%dx%d: temp's sparkline %d columns, up to the "
                      "border" % (w, h, want))
    spark = sdsensors.row(ls, "temp")["spark"]
    check(set(spark) <= BLOCKS, "%dx%d: not a sparkline: %r"
          % (w, h, spark))


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d, every=0.1).add(b"temp", [20, 25, 22]).start()
    fills(d, 100, 30, 98)
    fills(d, 130, 40, 63)
    fills(d, 160, 40, 78)
    f.close()


sdtmux.run(test)
