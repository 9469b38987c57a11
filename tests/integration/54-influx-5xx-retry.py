#!/usr/bin/env python3
"""5xx answers are retried with backoff: the endpoint answers 503 to the
first 3 requests, then 204. Every reading arrives exactly once in the
accepted bodies, the retries are spaced ~100, 200, 400 ms apart, and
status.sinks influx counts at least 3 retries, ends `ok` with backlog 0.
(SPEC-sinks.md: Promises/5xx retried with backoff (100 ms doubling to
30 s); Status/retries.)"""
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 100


def answer(i):
    if i < 3:
        return 503, b'{"error":"service unavailable (test)"}'
    return 204, b""


def test():
    rec = sdinflux.Recorder(answer)
    srv = sdpeer.Server(extra=["--influx-url", rec.url, "--influx-db", "sd",
                               "--influx-flush-ms", "100"]).start()
    sdinflux.send_legacy(srv, 1, N)
    deadline = time.monotonic() + 15
    while True:
        reqs = rec.snapshot()
        ok = [r for r in reqs if r["status"] == 204]
        lines = [l for r in ok for l in sdinflux.body_lines(r)]
        if len(lines) >= N or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(len(reqs) >= 4, "%d requests, expected 3 refused and then more"
          % len(reqs))
    check(sorted(lines) == sorted(srv.readings_lines()),
          "accepted bodies hold %d lines, not the %d spool lines exactly "
          "once" % (len(lines), N))
    gaps = [reqs[i + 1]["t"] - reqs[i]["t"] for i in range(3)]
    for i, (g, lo) in enumerate(zip(gaps, (0.09, 0.18, 0.36))):
        check(g >= lo, "retry %d came %.3fs after the failed request, "
              "expected backoff >= %.2fs (gaps %r)" % (i + 1, g, lo, gaps))
    check(gaps[2] < 5, "retry backoff too long: %r" % gaps)
    s = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0
                           and e["state"] == "ok", timeout=10,
                           what="backlog 0 and state ok")
    check(s["retries"] >= 3, "status retries %r, expected >= 3"
          % s["retries"])
    check(s["delivered"] == N, "delivered %r, expected %d"
          % (s["delivered"], N))
    check(s["rejects"] == 0, "rejects %r after 5xx answers" % s["rejects"])
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()


sdpeer.run(test, deadline=60)
