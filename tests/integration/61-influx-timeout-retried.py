#!/usr/bin/env python3
"""--influx-timeout: the endpoint holds the first request for 3 s; with
--influx-timeout 1 the server gives up on it after ~1 s and sends the
batch again (a replay is harmless: InfluxDB stores the same points once);
every spool line arrives, status.sinks influx counts a retry and ends
`ok` with backlog 0.
(SPEC-sinks.md: Flags/--influx-timeout; Promises/timeouts retried with
backoff, a replayed batch writes the same points again.)"""
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 40


def answer(i):
    if i == 0:
        time.sleep(3)
    return 204, b""


def test():
    rec = sdinflux.Recorder(answer)
    srv = sdpeer.Server(extra=["--influx-url", rec.url, "--influx-db", "sd",
                               "--influx-timeout", "1",
                               "--influx-flush-ms", "100"]).start()
    sdinflux.send_legacy(srv, 1, N)
    deadline = time.monotonic() + 15
    while True:
        reqs = rec.snapshot()
        lines = set(l for r in reqs[1:] for l in sdinflux.body_lines(r))
        if len(lines) >= N or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(len(reqs) >= 2, "%d requests: the timed-out one was not retried"
          % len(reqs))
    gap = reqs[1]["t"] - reqs[0]["t"]
    check(0.8 <= gap <= 2.9, "the retry came %.2fs after the first "
          "request, expected ~1s (--influx-timeout 1) plus backoff" % gap)
    want = set(srv.readings_lines())
    check(len(want) == N and lines == want, "after the retry %d of %d "
          "lines arrived" % (len(lines & want), N))
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] ==
                            0 and e["state"] == "ok", timeout=10,
                            what="backlog 0, state ok")
    check(st["retries"] >= 1, "retries %r after a timeout" % st["retries"])
    check(st["rejects"] == 0, "rejects %r" % st["rejects"])
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()


sdpeer.run(test, deadline=60)
