#!/usr/bin/env python3
"""`w` in Sensors cycles the window its min, max and sparklines cover,
1 min, 10 min, 1 h and back, and the title says which (issue 16)."""
import sdsensors
import sdtmux
from sdtmux import check


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d).add(b"temp", [1, 2]).start()
    d.wait_for("Sensors (1 device, 1 channel) 1 min")
    for want in ("10 min", "1 h", "1 min"):
        d.keys("w")
        ls = d.wait_for("Sensors (1 device, 1 channel) " + want)
        check(sdsensors.row(ls, "temp") is not None,
              "no temp row with the window %s:\n%s" % (want, d.dump(ls)))
    # the window is the pane's: in the Log `w` does not change it
    d.keys("Tab")
    d.wait_for("[Log")
    d.keys("w", "BTab")
    d.wait_for("[Sensors (1 device, 1 channel) 1 min]")
    f.close()


sdtmux.run(test)
