#!/usr/bin/env python3
"""A sink that is behind by more than a batch when it crosses from one
spool segment to the next delivers every line exactly once (a review
found the InfluxDB sink re-posting the first batch of the next segment
for ever, and the Kafka sink re-producing it). Tiny segments
(--spool-max 32k: 4 KiB segments) and tiny batches (--influx-batch 10);
the endpoint refuses with 503 until 400 readings spread over several
segments wait, then takes everything."""
import threading
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 400


def test():
    gate = threading.Event()

    def answer(i):
        return (204, b"") if gate.is_set() else \
            (503, b'{"error":"not yet (test)"}')

    rec = sdinflux.Recorder(answer)
    srv = sdpeer.Server(extra=["--influx-url", rec.url, "--influx-db", "sd",
                               "--influx-batch", "10",
                               "--influx-flush-ms", "50",
                               "--spool-max", "32k",
                               "--spool-full", "block"]).start()
    # Bursts apart in time: each is written on its own, and segments are
    # closed between writes, so the lines spread over several segments.
    for k in range(8):
        sdinflux.send_legacy(srv, 1, N // 8, first_dev=k)
        time.sleep(0.06)
    sdinflux.wait_spool(srv, N)
    nseg = len([n for n in __import__("os").listdir(srv.sensors_dir)
                if n.startswith("readings-")])
    check(nseg >= 4, "the readings fill %d segments, expected several"
          % nseg)
    distinct = len(set(srv.readings_lines()))
    check(distinct == N, "%d distinct spool lines, expected %d"
          % (distinct, N))
    gate.set()
    deadline = time.monotonic() + 20
    while True:
        ok = [r for r in rec.snapshot() if r["status"] == 204]
        lines = [l for r in ok for l in sdinflux.body_lines(r)]
        st = sdinflux.sink_status(srv, "influx")
        if (st["delivered"] >= N and st["backlog_bytes"] == 0) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.1)
    want = sorted(srv.readings_lines())
    check(sorted(set(lines)) == want, "%d distinct lines delivered, "
          "expected %d" % (len(set(lines)), len(want)))
    check(len(lines) == N, "%d lines delivered for %d readings: a batch "
          "was posted again" % (len(lines), N))
    check(st["delivered"] == N and st["backlog_bytes"] == 0,
          "status after delivery %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
