#!/usr/bin/env python3
"""While 12 connections send legacy sensor frames flat out, the dashboard
keeps drawing (SPEC-dashboard.md, Refresh): during 3 s of the flood the
header's uptime clock changes at least twice, and the readings rate is
not stuck at 0/s. A loop held by socket reads froze the header for
seconds at a time."""
import re
import time

import sdpeer
import sdtmux
from sdtmux import check

FLOODERS = 12
WATCH_S = 3.0
UP = re.compile(r"\bup (\d+:\d\d:\d\d)\b")
RATE = re.compile(r"\breadings (\S+)/s")


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for(UP, what="header with `up H:MM:SS`")
    flood = sdpeer.Flood(d.port, FLOODERS)
    clocks, rates, lines, seen = [], [], [], []
    try:
        flood.start()
        end = time.monotonic() + WATCH_S
        while time.monotonic() < end:
            lines = d.screen()
            m = UP.search(lines[0]) if lines else None
            if m and (not clocks or clocks[-1] != m.group(1)):
                clocks.append(m.group(1))
                seen.append(time.monotonic())
            r = RATE.search(lines[0]) if lines else None
            if r:
                rates.append(r.group(1))
            time.sleep(0.1)
    finally:
        sent = flood.stop()
    sdtmux.log("flood: %d connections sent %.1f MB; header clocks seen %r"
               % (FLOODERS, sent / 1e6, clocks))
    sdtmux.log("longest time between header changes: %.2f s" % max(
        [b - a for a, b in zip(seen, seen[1:])] or [0]))
    check(len(clocks) >= 3, "the header's clock changed %d times in %.0f s "
          "of flood (want at least 2): %r\n%s"
          % (max(0, len(clocks) - 1), WATCH_S, clocks, d.dump(lines)))
    check(any(r not in ("0", "0.0") for r in rates),
          "the readings rate read %r throughout the flood\n%s"
          % (sorted(set(rates)), d.dump(lines)))
    # The flooders are gone: q quits without asking.
    d.wait_for(re.compile(r"Clients \(0\)"), timeout=30)
    d.keys("q")
    check(d.wait_exit(timeout=60) == 0, "exit status after q")


sdtmux.run(test, deadline=90)
