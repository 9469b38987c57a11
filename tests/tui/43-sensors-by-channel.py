#!/usr/bin/env python3
"""Sensors has one row per (device, channel) (issue 16): a device
sending `temp` and `hum` shows both, each with its own last value, min
and max over the window, rate and age; a legacy reading (no channel)
is a row of its own with channel `-`; the title counts devices and
channels (`Sensors (1 device, 2 channels)`)."""
import sdpeer
import sdsensors
import sdtmux
import sdwire
from sdtmux import check


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    d.wait_for("Sensors (0 devices, 0 channels)")
    f = sdsensors.Feeder(d).add(b"temp", [20, 25, 22]).add(
        b"hum", [40, 41]).start()
    d.wait_for("Sensors (1 device, 2 channels)")
    ls = sdsensors.wait_row(
        d, "hum", lambda r: r["min"] == "40" and r["max"] == "41",
        what="hum's row with min 40 and max 41")
    ls = sdsensors.wait_row(
        d, "temp", lambda r: r["min"] == "20" and r["max"] == "25",
        what="temp's row with min 20 and max 25")
    t = sdsensors.row(ls, "temp")
    h = sdsensors.row(ls, "hum")
    check(t["device"] == sdpeer.DEV_STR and h["device"] == sdpeer.DEV_STR,
          "rows %r" % sdsensors.rows(ls))
    check(t["value"] in ("20", "25", "22") and h["value"] in ("40", "41"),
          "values: temp %r, hum %r" % (t["value"], h["value"]))
    check(t["age"] in ("0s", "1s", "2s") and not t["silent"],
          "temp's age %r while it sends" % t["age"])
    check(t["rate"].endswith("/s") and h["rate"].endswith("/s"),
          "rates %r %r" % (t["rate"], h["rate"]))
    check(any(c not in " " for c in t["spark"]),
          "temp's sparkline is empty: %r" % t["spark"])
    # a legacy device: a row with channel "-", and the counts
    s = d.connect()
    s.sendall(sdwire.legacy_sensor(sdwire.mac("02:00:00:00:00:07"), 7.5))
    d.wait_for("Sensors (2 devices, 3 channels)")
    ls = sdsensors.wait_row(d, "-", lambda r: r["value"] == "7.5",
                            what="the legacy device's row, channel -")
    check(sdsensors.row(ls, "-")["device"] == "02:00:00:00:00:07",
          "legacy row %r" % sdsensors.row(ls, "-"))
    f.close()
    s.close()


sdtmux.run(test)
