#!/usr/bin/env python3
"""A connection's turn of the loop is bounded, so a sender that sends a
large batch and closes at once leaves frames unparsed when its end of
stream arrives: every one of them is still stored. 4 connections each
send 200,000 legacy sensor readings in one go and close; the server's
totals count all 800,000, and `readings` events add up to them."""
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

CONNS = 4
EACH = 200000


def send_and_close(port, i, errors):
    dev = sdwire.mac("02:00:00:00:02:%02x" % i)
    data = b"".join(sdwire.legacy_sensor(dev, float(k)) for k in range(EACH))
    try:
        s = sdpeer.connect(port, timeout=30.0)
        s.sendall(data)
        s.close()
    except OSError as e:
        errors.append(e)


def test():
    srv = sdpeer.Server().start()
    errors = []
    threads = [threading.Thread(target=send_and_close,
                                args=(srv.ports[0], i, errors))
               for i in range(CONNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check(not errors, "senders failed: %r" % errors)
    srv.wait_events("disconnect", CONNS, timeout=30)
    want = CONNS * EACH
    deadline = time.monotonic() + 30
    while True:
        got = srv.ctl({"cmd": "status"})["status"]["totals"]["readings"]
        if got >= want or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(got == want, "%d readings stored of %d sent by %d connections "
          "that closed after sending" % (got, want, CONNS))
    check(srv.stop(timeout=60) == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=85)
