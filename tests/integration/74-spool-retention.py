#!/usr/bin/env python3
"""Spool retention (issue 12): delivered segments are removed past
--spool-retain (bytes) or --spool-retain-age, oldest first; never one a
sink still needs.
- No sink, --spool-max 64k (8 KiB segments), --spool-retain 64k: fed
  twenty times --spool-max of readings, the server keeps reading (every
  reading counted, the reply after them comes) and the segments on disk
  settle under the retain bound plus the segment being written.
- No sink, --spool-retain-age 2s: closed segments go after two seconds.
- InfluxDB down (503), --spool-retain 0: undelivered segments are all
  kept while it is down; once it takes them, every reading is delivered
  and the segments before the one the cursor names go.
(sockdeckd(1): --spool-retain, --spool-retain-age, FILES.)"""
import os
import re
import threading
import time

import sdinflux
import sdpeer
import sdwire
from sdpeer import check

SEG = re.compile(r"^readings-\d{8,}\.lp$")


def segments(srv):
    """[(name, size)] of the segments, in number order."""
    out = []
    for n in os.listdir(srv.sensors_dir):
        if SEG.match(n):
            out.append((n, os.path.getsize(os.path.join(srv.sensors_dir,
                                                       n))))
    return sorted(out, key=lambda x: int(x[0][9:-3]))


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def feed(srv, chunks, per):
    """chunks runs of per legacy readings on one connection, each
    followed by a message whose reply says it was read, and apart in
    time, so each is written on its own (and segments close between
    them)."""
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    for c in range(chunks):
        s.sendall(b"".join(sdwire.legacy_sensor(sdpeer.DEV, c * per + i)
                           for i in range(per)) +
                  sdwire.legacy_msg(sdpeer.DEV, "m%d" % c))
        sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "m%d" % c),
                            timeout=20, what="reply after chunk %d" % c)
        time.sleep(0.05)
    s.close()
    return chunks * per


def by_size():
    retain = 64 * 1024
    srv = sdpeer.Server(extra=["--spool-max", "64k", "--spool-retain",
                               "64k"]).start()
    n = feed(srv, 40, 500)          # ~1.4 MB, twenty times --spool-max
    total = srv.ctl({"cmd": "status"})["status"]["totals"]["readings"]
    check(total == n, "%d readings counted, %d sent" % (total, n))
    largest = max(sz for _, sz in segments(srv))

    def settled():
        segs = segments(srv)
        return sum(sz for _, sz in segs[:-1]) <= retain + largest

    ok = wait_for("retained", settled, 15)
    segs = segments(srv)
    size = sum(sz for _, sz in segs)
    sdpeer.log("by size: %d segments, %d bytes on disk after %d readings "
               "(largest segment %d)" % (len(segs), size, n, largest))
    check(ok, "closed segments hold %d bytes, over --spool-retain 64k "
          "plus a segment (%d)" % (sum(sz for _, sz in segs[:-1]),
                                   largest))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def by_age():
    srv = sdpeer.Server(extra=["--spool-max", "64k",
                               "--spool-retain-age", "2s"]).start()
    sdinflux.wait_spool(srv, feed(srv, 6, 500))
    check(len(segments(srv)) > 2, "the readings fill %d segments"
          % len(segments(srv)))
    ok = wait_for("aged", lambda: len(segments(srv)) == 1, 15)
    check(ok, "segments left 15 s after the last reading: %r"
          % segments(srv))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def sink_down():
    gate = threading.Event()
    rec = sdinflux.Recorder(lambda i: (204, b"") if gate.is_set() else
                            (503, b'{"error":"down (test)"}'))
    srv = sdpeer.Server(extra=["--influx-url", rec.url, "--influx-db", "sd",
                               "--influx-flush-ms", "50",
                               "--spool-max", "256k",
                               "--spool-retain", "0"]).start()
    n = feed(srv, 10, 300)
    sdinflux.wait_spool(srv, n)
    before = segments(srv)
    check(len(before) >= 4, "the readings fill %d segments" % len(before))
    time.sleep(2.5)   # retention runs once a second: let it look
    check(segments(srv)[:len(before)] == before, "undelivered segments "
          "changed while the sink was down: %r -> %r"
          % (before, segments(srv)))
    lines = set(srv.readings_lines())
    check(len(lines) == n, "%d readings in the spool, %d sent"
          % (len(lines), n))
    gate.set()
    sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=20, what="backlog 0")
    got = {l for r in rec.snapshot() if r["status"] == 204
           for l in sdinflux.body_lines(r)}
    check(got == lines, "%d of %d readings delivered"
          % (len(got & lines), len(lines)))
    at = [0]

    def removed():
        with open(os.path.join(srv.sensors_dir, "influx.cursor")) as f:
            at[0] = int(f.read().split()[0])
        segs = segments(srv)
        return all(int(n[9:-3]) >= at[0] for n, _ in segs) and \
            len(segs) <= 2

    # The segment the cursor names stays (a restart finds its place),
    # and so does the one being written.
    ok = wait_for("removed", removed, 15)
    check(ok, "delivered segments left with --spool-retain 0 (cursor at "
          "segment %d): %r" % (at[0], segments(srv)))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()


def test():
    by_size()
    by_age()
    sink_down()


sdpeer.run(test, deadline=100)
