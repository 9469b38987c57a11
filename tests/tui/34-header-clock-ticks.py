#!/usr/bin/env python3
"""The header's `up H:MM:SS` moves every second by the dashboard's own
clock, not only when a snapshot arrives: with `--refresh 3600` (one
snapshot at the start) it still shows at least three different seconds
in 3.5 s, each one more than the last.
(SPEC-dashboard.md: Layout, line 1.)"""
import re
import time

import sdtmux
from sdtmux import check

UP = re.compile(r"\bup (\d+):(\d\d):(\d\d)\b")


def seconds(line):
    m = UP.search(line)
    return None if m is None else (int(m.group(1)) * 3600 +
                                   int(m.group(2)) * 60 + int(m.group(3)))


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--refresh", "3600"]).start()
    d.wait_ready()
    seen = []
    end = time.monotonic() + 3.5
    while time.monotonic() < end:
        s = seconds(d.screen()[0])
        if s is not None and (not seen or seen[-1] != s):
            seen.append(s)
        time.sleep(0.05)
    check(len(seen) >= 3, "the header showed %r in 3.5 s with --refresh "
          "3600: its clock does not tick" % seen)
    check(all(b == a + 1 for a, b in zip(seen, seen[1:])),
          "the header's seconds went %r, not one by one" % seen)


sdtmux.run(test, deadline=60)
