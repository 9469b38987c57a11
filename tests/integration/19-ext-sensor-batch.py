#!/usr/bin/env python3
"""SENSOR_BATCH -> SENSOR_ACK(seq) once written: the readings are lines
with `,channel=<name>` after the device tag and the given timestamps
(0 = the server's clock), the batch's sequence and the reading's index
in it as the integer fields batch_seq and batch_idx (not tags: one
series per reading would be unbounded), readable in DIR/sensors as soon
as the ack arrives."""
import time

import sdpeer
import sdwire
from sdpeer import check

EXAMPLE = bytes.fromhex(
    "20 53 39 00 00 00 01 00 00 00 00 00 00 00 aa bb"
    " cc dd ee ff 02 00 00 00 2a 36 fe 9c 97 17 00 00"
    " 00 00 00 80 35 40 04 74 65 6d 70 00 00 00 00 00"
    " 00 00 00 00 00 00 00 00 00 0a c0 03 68 75 6d")


def test():
    check(sdwire.sensor_batch(1, sdpeer.DEV, [
        (1700000000000000000, 21.5, b"temp"), (0, -3.25, b"hum")]) == EXAMPLE,
        "sensor_batch builder disagrees with the man page")
    srv = sdpeer.Server().start()
    s = srv.connect()
    sdpeer.hello(s)
    t0 = time.time_ns()
    s.sendall(EXAMPLE)
    p = sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    check(p == bytes.fromhex("01 00 00 00 00 00 00 00"), "ACK payload %s"
          % p.hex())
    t1 = time.time_ns()
    lines = srv.readings_lines()
    check(len(lines) == 2, "after the ACK the store holds %r" % lines)
    check(lines[0] == "sensor,Mac-Address=aa:bb:cc:dd:ee:ff,channel=temp "
          "value=21.5,batch_seq=1i,batch_idx=0i 1700000000000000000",
          "first line %r" % lines[0])
    r = sdpeer.parse_reading(lines[1])
    check(lines[1].startswith("sensor,Mac-Address=aa:bb:cc:dd:ee:ff,"
                              "channel=hum value=-3.25,batch_seq=1i,"
                              "batch_idx=1i "),
          "second line %r" % lines[1])
    check(t0 - 10**9 <= r["ts"] <= t1 + 10**9, "ts 0 reading stamped %d, "
          "not the server's clock" % r["ts"])

    # more batches, another device, many readings
    dev = sdwire.mac("01:23:45:67:89:ab")
    readings = [(1700000001000000000 + i, i * 0.5, b"ch%d" % (i % 3))
                for i in range(300)]
    s.sendall(sdwire.sensor_batch(2, dev, readings[:150]) +
              sdwire.sensor_batch(3, dev, readings[150:]))
    acks = [sdwire.parse_u64(sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK))
            for _ in range(2)]
    check(acks[-1] == 3 and all(a in (2, 3) for a in acks),
          "ACKs %r for batches 2 and 3" % acks)
    lines = srv.readings_lines()
    check(len(lines) == 302, "%d lines after 302 readings" % len(lines))
    for i, ((ts, v, ch), l) in enumerate(zip(readings, lines[2:])):
        r = sdpeer.parse_reading(l)
        check(r["device"] == "01:23:45:67:89:ab" and
              r["channel"] == ch.decode() and r["value"] == v and
              r["ts"] == ts and r["batch"] == (2 + i // 150, i % 150),
              "line %r, expected channel %s value %r ts %d batch %d "
              "index %d" % (l, ch.decode(), v, ts, 2 + i // 150, i % 150))
    # A sequence past INT64_MAX is kept as its 64 bits (InfluxDB 1.x
    # takes signed integers only).
    s.sendall(sdwire.sensor_batch(2**64 - 1, dev, readings[:1]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    lines = srv.readings_lines()
    check(len(lines) == 303 and ",batch_seq=-1i,batch_idx=0i " in lines[-1]
          and sdpeer.parse_reading(lines[-1])["batch"] == (2**64 - 1, 0),
          "last line %r" % lines[-1:])
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    check(len(srv.readings_lines()) == 303, "readings changed at shutdown")


sdpeer.run(test)
