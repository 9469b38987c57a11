#!/usr/bin/env python3
"""A sink's cursor is saved off the event loop: with a disk that takes
1.2 s per write to a cursor file (tests/integration/sd_slowfs.c,
preloaded, matching ".cursor"), readings delivered to Kafka (the
librdkafka mock cluster) move the cursor again and again, and meanwhile
`ctl status` and a quiet client's message are answered within 1 s each;
every cursor write runs off the loop's thread; and after a clean stop
kafka.cursor stands at the end of the spool: the last position, asked
for while a slow save was still under way, was saved before the exit.
(sockdeckd(1): FILES, SINK.cursor; the design's rule that the loop never
blocks.)"""
import os
import tempfile
import time

import sdinflux
import sdkafka
import sdpeer
import sdwire
from sdpeer import check

sdkafka.require()

MS = 1200
# Blocked, the loop answers after the disk; free, within a millisecond.
SLOW = ("while the disk took %d ms a cursor write: the loop waited for the disk"
        % MS)


def test():
    tmp = tempfile.mkdtemp(prefix="sdslowcursor-")
    log = os.path.join(tmp, "writes")
    kf = sdkafka.Kafka(["sensors:2"]).start()
    srv = sdpeer.slow_server(MS, log, match=".cursor",
                             extra=["--kafka-brokers", kf.bootstrap])
    quiet = srv.connect()
    ev = srv.client_event(quiet)
    dev = srv.connect()
    sent = 0
    for i in range(8):
        # A few readings a round: each delivery moves the cursor, and a
        # save is asked for every 200 ms while it moves.
        dev.sendall(b"".join(sdwire.legacy_sensor(sdpeer.DEV, i * 10 + k)
                             for k in range(10)))
        sent += 10
        for j in range(4):
            sdpeer.timed("ctl status", lambda: srv.ctl(
                {"cmd": "status"}, timeout=5), SLOW)
            text = "still here %d.%d?" % (i, j)
            quiet.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
            sdpeer.timed("a message's reply", lambda: sdpeer.expect_bytes(
                quiet, sdpeer.reply_for(ev["fd"], text), timeout=5,
                what="reply while a cursor save is slow"), SLOW)
            time.sleep(0.1)
    sdinflux.wait_sink(srv, "kafka", lambda e: e["backlog_bytes"] == 0,
                       timeout=30, what="backlog 0")
    check(srv.stop(timeout=30) == 0, "exit status after SIGTERM not 0")
    with open(log) as f:
        where = f.read().split()
    check(len(where) >= 2, "%d writes to a cursor file logged"
          % len(where))
    # The first is the save as the sink starts (no cursor yet), before
    # the loop runs; every one after it must be the writer's.
    check("main" not in where[1:], "%d of %d cursor writes ran on the "
          "event loop's thread" % (where[1:].count("main"), len(where)))
    lines = srv.readings_lines()
    check(len(lines) == sent, "spool holds %d lines, %d sent"
          % (len(lines), sent))
    at = sdkafka.cursor_index(srv.sensors_dir)
    check(at == sent, "kafka.cursor at spool line %s after a clean stop, "
          "expected %d (the end)" % (at, sent))


sdpeer.run(test, deadline=90)
