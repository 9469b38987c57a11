#!/usr/bin/env python3
"""Sink state stays in sight: with a Kafka sink whose broker is down, the
header's second line shows `kafka failing` and why (`_ALL_BROKERS_DOWN`
or `_TRANSPORT`), on the right where the addresses cannot push it off,
at 120 columns and at 80. The addresses are still on that line
(SPEC-dashboard.md, Layout: sink states in the header)."""
import re

import sdpeer
import sdtmux
from sdtmux import check

FAILING = re.compile(r"kafka failing \((_ALL_BROKERS_DOWN|_TRANSPORT|"
                     r"[^)]*brokers? (are|is) down)")


def test():
    dead = sdpeer.free_ports(1)[0]
    d = sdtmux.Dashboard(120, 40, extra=[
        "--kafka-brokers", "127.0.0.1:%d" % dead]).start()
    d.wait_ready()
    lines = d.wait_until(lambda ls: FAILING.search(ls[1]) is not None,
                         "`kafka failing (...)` on line 2", timeout=30)
    check(re.match(r"\s*addr .*127\.0\.0\.1", lines[1]),
          "line 2 lost the addresses:\n" + d.dump(lines))
    d.resize(80, 24)
    lines = d.wait_until(lambda ls: len(ls) == 24 and
                         "kafka failing" in ls[1],
                         "`kafka failing` on line 2 at 80x24")
    check(sdtmux.display_width(lines[1]) <= 80, "line 2 wider than 80:\n"
          + d.dump(lines))
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")


sdtmux.run(test, deadline=60)
