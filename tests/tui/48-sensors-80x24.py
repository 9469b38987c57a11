#!/usr/bin/env python3
"""At 80x24, under NO_COLOR, Sensors still shows every column (device,
channel, value, min, max, rate, age) and a sparkline in 80 columns, a
silent sensor marked `~` (the marker carries what dim carries in
colour), and the chart opens and closes (issue 16)."""
import re

import sdsensors
import sdtmux
from sdtmux import check


def test():
    d = sdtmux.Dashboard(80, 24, env={"NO_COLOR": "1"}).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d).add(b"temperature_outside", [-3.5, 1.25]).add(
        b"hum", [40, 41]).start()
    ls = sdsensors.wait_row(d, "hum", lambda r: r["min"] == "40" and
                            r["max"] == "41" and r["spark"].strip(),
                            what="hum's row with min, max, sparkline")
    check(all(len(l) <= 80 for l in ls), "a line past 80 columns")
    t = [r for r in sdsensors.rows(ls) if r["channel"].startswith("temp")]
    check(t and t[0]["channel"] in ("temper\u2026", "tempera\u2026"),
          "the long channel is not cut with an ellipsis: %r" % t)
    sdsensors.wait_row(d, "hum", lambda r: len(r["spark"].strip()) >= 2,
                       what="hum's sparkline two columns long")
    f.stop(b"hum")
    ls = sdsensors.wait_row(d, "hum", lambda r: r["silent"], timeout=20,
                            what="hum marked ~ when silent")
    check(not [r for r in sdsensors.rows(ls) if r["channel"] != "hum" and
               r["silent"]], "the live channel is marked silent")
    d.keys("Home", "Enter")
    ls = d.wait_for(re.compile(r"-1m .* now"), what="the chart at 80x24")
    check("hum" in ls[2], "chart of %r, not hum" % ls[2])
    d.keys("Escape")
    d.wait_for("Sensors (1 device, 2 channels)")
    f.close()


sdtmux.run(test)
