#!/usr/bin/env python3
"""A legacy message frame cut in two at every byte boundary (with a pause
between the pieces) is answered correctly every time; so is one sent a
byte at a time, and a sensor reading split the same way is stored."""
import time

import sdpeer
import sdwire
from sdpeer import check


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    text = "split \u00e9 test"
    frame = sdwire.legacy_msg(sdpeer.DEV, text)
    want = sdpeer.reply_for(fd, text)
    for k in range(1, len(frame)):
        s.sendall(frame[:k])
        time.sleep(0.03)
        s.sendall(frame[k:])
        sdpeer.expect_bytes(s, want, what="reply after a split at byte %d" % k)

    # one byte at a time
    for b in frame:
        s.sendall(bytes([b]))
        time.sleep(0.005)
    sdpeer.expect_bytes(s, want, what="reply to a byte-by-byte frame")

    # three pieces across the header / fixed part / text
    s.sendall(frame[:3])
    time.sleep(0.03)
    s.sendall(frame[3:15])
    time.sleep(0.03)
    s.sendall(frame[15:])
    sdpeer.expect_bytes(s, want, what="reply to a frame in three pieces")

    # sensor readings split at every boundary: no answer, all stored
    sensor = sdwire.legacy_sensor(sdpeer.DEV, 1.5)
    for k in range(1, len(sensor)):
        s.sendall(sensor[:k])
        time.sleep(0.02)
        s.sendall(sensor[k:])
    # a message after them proves they were all parsed
    s.sendall(frame)
    sdpeer.expect_bytes(s, want, what="reply after the split readings")
    sdpeer.expect_quiet(s, 0.3)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    lines = srv.readings_lines()
    check(len(lines) == len(sensor) - 1, "expected %d readings, got %d"
          % (len(sensor) - 1, len(lines)))
    for l in lines:
        check(sdpeer.parse_reading(l)["value"] == 1.5, "reading %r" % l)
    check(not srv.find_events("bad-frame"), "bad-frame logged: %r"
          % srv.find_events("bad-frame"))


sdpeer.run(test)
