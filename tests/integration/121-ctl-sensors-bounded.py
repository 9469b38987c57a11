#!/usr/bin/env python3
"""The sensors table is bounded (issue 16): a peer sending far more
distinct (device, channel) pairs than SD_SENSORS_MAX leaves the answer at
the bound, the server's memory flat, the newest pairs kept (the one
silent longest is replaced), "forgotten" counting the replaced, and the
server answering all along."""
import os
import time

import sdpeer
import sdwire
from sdpeer import check

BOUND = 256
PAIRS = 20 * BOUND


def test():
    # No quarantine: memory freed is memory the server gave back, so the
    # RSS measures what it keeps. No MALLOC_PERTURB_ (meson sets one):
    # it fills every buffer malloc hands out, so the spool's own bounded
    # buffers (2 MiB each, up to 24 MiB by design) would count in full
    # the first time the writer takes one, whatever the sensors keep.
    asan = os.environ.get("ASAN_OPTIONS", "")
    srv = sdpeer.Server(env={"ASAN_OPTIONS": (asan + ":" if asan else "") +
                             "quarantine_size_mb=0",
                             "MALLOC_PERTURB_": "0"}).start()
    s = srv.connect()
    sdpeer.hello(s)
    seq = 0

    def send(first, n):
        nonlocal seq
        for i in range(first, first + n, 200):
            seq += 1
            rd = [(0, float(k), b"ch%06d" % k)
                  for k in range(i, min(first + n, i + 200))]
            s.sendall(sdwire.sensor_batch(seq, sdpeer.DEV, rd))
            sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)

    send(0, 2 * BOUND)
    a = srv.ctl({"cmd": "sensors", "window": 3600})
    check(a["max"] == BOUND and len(a["sensors"]) == BOUND,
          "%d sensors after %d pairs, bound %r" % (len(a["sensors"]),
                                                   2 * BOUND, a.get("max")))
    # Warm up (buffers reach their size), then measure a second run
    # of as many new pairs: kept, they would cost about 6 kB each.
    half = (PAIRS - 2 * BOUND) // 2
    send(2 * BOUND, half)
    rss = srv.rss_kb()
    t0 = time.monotonic()
    send(2 * BOUND + half, PAIRS - 2 * BOUND - half)
    took = time.monotonic() - t0
    a = srv.ctl({"cmd": "sensors", "window": 60})
    chans = {x["channel"] for x in a["sensors"]}
    check(len(a["sensors"]) == BOUND, "%d sensors after %d pairs"
          % (len(a["sensors"]), PAIRS))
    check(chans == {"ch%06d" % k for k in range(PAIRS - BOUND, PAIRS)},
          "not the newest %d pairs kept: %r" % (BOUND, sorted(chans)[:5]))
    check(a["forgotten"] == PAIRS - BOUND, "forgotten %r, not %d"
          % (a.get("forgotten"), PAIRS - BOUND))
    grew = srv.rss_kb() - rss
    check(grew < 2 * 1024, "RSS grew %d kB over %d more pairs"
          % (grew, PAIRS - 2 * BOUND - half))
    sdpeer.log("%d pairs in %.2fs, RSS +%d kB" % (PAIRS, took, grew))
    # and it still takes readings and answers
    s.sendall(sdwire.sensor_batch(seq + 1, sdpeer.DEV, [(0, 1.0, b"x")]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    a = srv.ctl({"cmd": "status"})
    check(a.get("ok") is True, "status after the flood: %r" % a)
    s.close()
    srv.stop()


sdpeer.run(test)
