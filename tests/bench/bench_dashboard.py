#!/usr/bin/env python3
"""Does the dashboard slow the server? Readings/s from 8 connections into
sockdeckd with its dashboard on (in a 120x40 tmux pane, redrawing as the
readings come in) against the same with --headless, same run, median of
5 (3 with --quick), interleaved; a dashboard run shorter than 3 s (the
check of tests/bench/run) is run again, with more readings. Not a test:
it prints the two figures and their ratio. The same figure is the
`dashboard` scenario of tests/bench/run (the code is shared:
sdbench.py).
Usage: bench_dashboard.py BUILD_DIR [--quick]"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sdbench as B  # noqa: E402

CONNS = 8


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-rel"
    quick = "--quick" in sys.argv
    B.setup(build)
    runs, n = (3, 800000) if quick else (5, 4000000)
    head, dash = [], []
    with B.session():
        while len(dash) < runs:     # interleaved: the same noise for both
            try:
                h = B.ingest_sockdeckd(CONNS, n)[0]
                d = B.ingest_sockdeckd(CONNS, n, dashboard=True)[0]
            except B.ShortRun as e:     # at least 3 s a dashboard run
                n = max(n * 2, int(e.rate * 5)) // CONNS * CONNS
                continue
            head.append(h)
            dash.append(d)
    h, d = B.median(head), B.median(dash)
    print("bench_dashboard: %d readings from %d connections, median of %d"
          % (n, CONNS, runs))
    print("headless   %12.0f readings/s" % h)
    print("dashboard  %12.0f readings/s   ratio %.2f" % (d, d / h))


if __name__ == "__main__":
    main()
