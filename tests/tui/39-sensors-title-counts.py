#!/usr/bin/env python3
"""The Sensors box counts its devices and channels in words that read
right: `Sensors (0 devices, 0 channels)`, then `(1 device, 1 channel)`
once one device sent a reading, then `(2 devices, 2 channels)` (issue
16: `1 devices` was drawn)."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for("Sensors (0 devices, 0 channels)")
    s = d.connect()
    s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 21.5))
    d.wait_for("Sensors (1 device, 1 channel)")
    check(not any("Sensors (1 devices)" in l for l in d.screen()),
          "the title reads `1 devices`:\n%s" % d.dump())
    s.sendall(sdwire.legacy_sensor(sdwire.mac("02:00:00:00:00:02"), 1.0))
    d.wait_for("Sensors (2 devices, 2 channels)")
    s.close()


sdtmux.run(test)
