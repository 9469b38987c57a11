#!/usr/bin/env python3
"""Enter on a Sensors row opens that sensor's chart over the screen
below the header (issue 16): braille dots on a UTF-8 terminal, a y axis
labelled with the window's max and min, a time axis from `-1m` to `now`
(`-10m` after `w`); Esc returns to the panes, and so does q (it does not
quit there)."""
import re

import sdsensors
import sdtmux
from sdtmux import check

BRAILLE = re.compile("[\u2801-\u28ff]")


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d).add(b"temp", [20, 25, 22]).add(
        b"hum", [40, 41]).start()
    sdsensors.wait_row(d, "temp", lambda r: r["min"] == "20" and
                       r["max"] == "25", what="temp with min 20, max 25")
    # rows by device then channel: hum, temp; Down selects temp
    d.keys("Down")
    d.keys("Enter")
    ls = d.wait_for(re.compile(r"-1m .* now"), what="the time axis")
    text = "\n".join(ls)
    check("temp" in ls[2] and "window 1 min" in ls[2],
          "the chart's title line is not temp's:\n" + d.dump(ls))
    check(re.search(r"^ +25[│|]", text, re.M) and
          re.search(r"^ +20[│|]", text, re.M),
          "no y axis labels 25 (max) and 20 (min):\n" + d.dump(ls))
    check(BRAILLE.search(text), "no braille dots:\n" + d.dump(ls))
    check("Sensors (" not in text, "the panes still show:\n" + d.dump(ls))
    d.keys("w")
    d.wait_for(re.compile(r"-10m .*-5m .* now"), what="10 min time axis")
    d.keys("Escape")
    ls = d.wait_for("Sensors (1 device, 2 channels) 10 min",
                    what="the panes back after Esc")
    check(not re.search(r"-10m .* now", "\n".join(ls)),
          "the chart still shows:\n" + d.dump(ls))
    d.keys("Enter")
    d.wait_for(re.compile(r"-10m .* now"))
    d.keys("q")
    ls = d.wait_for("Sensors (1 device, 2 channels)", what="q leaves the "
                    "chart")
    check(not d.pane_dead()[0], "q in the chart quit the dashboard")
    check("(y/n)" not in "\n".join(ls), "q in the chart asks to quit")
    f.close()


sdtmux.run(test)
