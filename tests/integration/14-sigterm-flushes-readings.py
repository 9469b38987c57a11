#!/usr/bin/env python3
"""SIGTERM right after 10,000 legacy sensor readings: exit 0, a `shutdown`
event, and every reading is one line of DIR/sensors/readings-*.lp, in
order, `sensor,Mac-Address=aa:bb:cc:dd:ee:ff value=<v> <ns>`, with
strictly increasing timestamps."""
import re
import signal
import time

import sdpeer
import sdwire
from sdpeer import check

N = 10000


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    t0 = time.time_ns()
    s.sendall(b"".join(sdwire.legacy_sensor(sdpeer.DEV, i * 0.25)
                       for i in range(N)))
    # a message after the readings: once answered, every reading was read
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "last"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "last"), timeout=15,
                        what="reply after the readings")
    rc = srv.stop(signal.SIGTERM, timeout=15)
    t1 = time.time_ns()
    check(rc == 0, "exit status %r after SIGTERM, expected 0" % rc)
    srv.wait_event("shutdown", timeout=1)
    lines = srv.readings_lines()
    check(len(lines) == N, "%d reading lines, expected %d" % (len(lines), N))
    prev = None
    pat = re.compile(r"^sensor,Mac-Address=aa:bb:cc:dd:ee:ff value=\S+ \d+$")
    for i, l in enumerate(lines):
        check(pat.match(l), "line %d does not match the layout: %r" % (i, l))
        r = sdpeer.parse_reading(l)
        check(r["value"] == i * 0.25, "line %d value %r, expected %r"
              % (i, r["value"], i * 0.25))
        check(t0 - 5 * 10**9 <= r["ts"] <= t1 + 5 * 10**9,
              "line %d timestamp %d is not the receipt time" % (i, r["ts"]))
        if prev is not None:
            check(r["ts"] > prev, "line %d timestamp %d not greater than "
                  "the previous %d" % (i, r["ts"], prev))
        prev = r["ts"]
    s.close()


sdpeer.run(test)
