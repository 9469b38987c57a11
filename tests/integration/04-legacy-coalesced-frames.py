#!/usr/bin/env python3
"""200 messages and 200 sensor readings coalesced in one send: every
message answered, in order; every reading stored, in order."""
import sdpeer
import sdwire
from sdpeer import check

N = 200


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    blob = b""
    want = b""
    for i in range(N):
        text = "msg %d" % i
        blob += sdwire.legacy_msg(sdpeer.DEV, text)
        blob += sdwire.legacy_sensor(sdpeer.DEV, i + 0.25)
        want += sdpeer.reply_for(fd, text)
    s.sendall(blob)
    got = sdpeer.recv_exact_or_partial(s, len(want), timeout=15)
    if got != want:
        # find the first difference for a useful message
        i = next((k for k in range(min(len(got), len(want)))
                  if got[k] != want[k]), min(len(got), len(want)))
        sdpeer.fail("coalesced replies differ at byte %d (got %d of %d "
                    "bytes): got %r, expected %r" % (i, len(got), len(want),
                                                     got[i:i + 60],
                                                     want[i:i + 60]))
    sdpeer.expect_quiet(s, 0.3, "after the %d replies" % N)
    msgs = srv.wait_events("message", N, lambda e: e.get("event"))
    check(len(msgs) == N, "%d message events" % len(msgs))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    lines = srv.readings_lines()
    check(len(lines) == N, "expected %d reading lines, got %d"
          % (N, len(lines)))
    for i, l in enumerate(lines):
        r = sdpeer.parse_reading(l)
        check(r["value"] == i + 0.25, "reading %d is %r" % (i, l))
    check(not srv.find_events("bad-frame"), "bad-frame logged: %r"
          % srv.find_events("bad-frame")[:3])


sdpeer.run(test)
