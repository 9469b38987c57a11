#!/usr/bin/env python3
"""The header's `up H:MM:SS` moves every second by the dashboard's own
clock, not only when a snapshot arrives: with `--refresh 3600` (one
snapshot at the start) it still shows at least three different seconds
in 3.5 s, each one more than the last.
(SPEC-dashboard.md: Layout, line 1.)"""
import sdtmux
from sdtmux import check


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--refresh", "3600"]).start()
    d.wait_ready()
    seen = d.clock_seen(3.5)
    check(len(seen) >= 3, "the header showed %r in 3.5 s with --refresh "
          "3600: its clock does not tick" % seen)
    check(all(b == a + 1 for a, b in zip(seen, seen[1:])),
          "the header's seconds went %r, not one by one" % seen)


sdtmux.run(test, deadline=60)
