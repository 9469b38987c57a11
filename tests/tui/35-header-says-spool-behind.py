#!/usr/bin/env python3
"""When the disk is slower than the senders (every write to a spool
segment takes 1.2 s through sd_slowfs) and four connections send
readings flat out, the dashboard's second line says `BLOCKED: spool
writes behind` (not `spool full`: the spool is far from --spool-max),
and the header's clock is not frozen while the disk holds the writes
(tui/33 holds it to its cadence under a flood).
(SPEC-dashboard.md: Layout, line 2; sockdeckd(1), store state behind.)"""
import sdpeer
import sdtmux
from sdtmux import check

MS = 1200


def test():
    env = sdpeer.slowfs_env(MS, match="/readings-")
    d = sdtmux.Dashboard(120, 40, env=env).start()
    d.wait_ready()
    flood = sdpeer.Flood(d.port, 4).start()
    try:
        lines = d.wait_until(
            lambda ls: "BLOCKED: spool writes behind" in ls[1],
            "line 2 to say `BLOCKED: spool writes behind`", timeout=20)
        check("spool full" not in lines[1], "line 2 says the spool is "
              "full: %r" % lines[1])
        seen = d.clock_seen(3.5)
        check(len(seen) >= 2, "the header's clock stood at %r for 3.5 s "
              "while the disk held the writes" % sorted(seen))
    finally:
        flood.stop()


sdtmux.run(test, deadline=60)
