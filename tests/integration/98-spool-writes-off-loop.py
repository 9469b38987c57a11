#!/usr/bin/env python3
"""Spool appends never run on the event loop: with a disk that takes
1.2 s per write to the spool (tests/integration/sd_slowfs.c, preloaded,
matching the segments), a flood of legacy readings from four connections
does not stall the loop: `ctl status`, a quiet client's message and an
extension PING are answered within 1 s each, again and again, while the
writes take long; `ctl status` says the store is behind (the spool is
the bottleneck), every write to a segment runs off the loop's thread,
and a batch's SENSOR_ACK comes only once its readings are in the spool,
read back from the segments the moment the ACK arrives. (sockdeckd(1):
READINGS, --fsync; the design's rule that the loop never blocks.)"""
import os
import struct
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check

MS = 1200
# Blocked, the loop answers after the disk; free, within a millisecond.
SLOW = ("while the disk took %d ms a write: the loop waited for the disk"
        % MS)


def test():
    tmp = tempfile.mkdtemp(prefix="sdslowspool-")
    log = os.path.join(tmp, "writes")
    srv = sdpeer.slow_server(MS, log, match="/readings-")
    flood = sdpeer.Flood(srv.ports[0], 4).start()
    deadline = time.monotonic() + 20
    while not (os.path.exists(log) and os.path.getsize(log) > 0):
        check(time.monotonic() < deadline, "no write to the spool began")
        time.sleep(0.01)

    quiet = srv.connect()
    ev = srv.client_event(quiet)
    ext = srv.connect()
    sdpeer.hello(ext)
    behind = False
    # At least five rounds, and on until the store says it is behind:
    # that takes 16 MiB in the writer's hands and 8 MiB more gathered,
    # which a flood under a sanitizer may need seconds to send.
    deadline = time.monotonic() + 30
    i = 0
    while i < 5 or (not behind and time.monotonic() < deadline):
        st = sdpeer.timed("ctl status", lambda: srv.ctl(
            {"cmd": "status"}, timeout=5), SLOW)
        store = st["status"]["store"]
        behind = behind or store["state"] == "behind"
        text = "still here %d?" % i
        quiet.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.timed("a message's reply", lambda: sdpeer.expect_bytes(
            quiet, sdpeer.reply_for(ev["fd"], text), timeout=5,
            what="reply during the flood"), SLOW)
        ext.sendall(sdwire.ping(100 + i))
        pong = sdpeer.timed("a PING's PONG", lambda: sdpeer.expect_frame(
            ext, sdwire.T_PONG, timeout=5), SLOW)
        check(struct.unpack("<Q", pong) == (100 + i,), "PONG %r" % pong)
        i += 1
        time.sleep(0.3)
    check(behind, "ctl status never said the store was behind while the "
          "disk took %d ms a write" % MS)

    # A batch is acknowledged once its readings are on disk.
    b = srv.connect()
    sdpeer.hello(b)
    for seq in (1, 2):
        value = -1000.0 - seq
        b.sendall(sdwire.sensor_batch(seq, sdpeer.DEV,
                                      [(time.time_ns(), value, b"")]))
        ack = sdpeer.expect_frame(b, sdwire.T_SENSOR_ACK, timeout=60)
        values = [sdpeer.parse_reading(l)["value"]
                  for l in srv.readings_lines()]
        check(struct.unpack("<Q", ack) == (seq,), "SENSOR_ACK %r" % ack)
        check(value in values, "batch %d acknowledged before its reading "
              "was in the spool" % seq)
    flood.stop()
    with open(log) as f:
        where = f.read().split()
    check(len(where) >= 2, "%d writes to the spool logged" % len(where))
    check("main" not in where, "%d of %d writes to the spool ran on the "
          "event loop's thread" % (where.count("main"), len(where)))
    srv.kill()


sdpeer.run(test, deadline=90)
