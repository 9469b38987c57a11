#!/usr/bin/env python3
"""A reading torn by a crash is cut off the spool at the next start: the
data directory holds a segment whose last line stops in mid-write (as
SIGKILL during a write leaves it); starting sockdeckd on it truncates
that segment to its last whole line, logs an `error` event naming the
bytes removed, writes new readings to a new segment, and every
readings-*.lp file is whole lines of line protocol again. A segment that
ends whole is left byte for byte. (SPEC-sinks.md: the spool survives
crashes; the files stay line protocol.)"""
import os
import tempfile

import sdpeer
import sdwire
from sdpeer import check

WHOLE = (b"sensor,Mac-Address=aa:bb:cc:dd:ee:ff value=21.5 "
         b"1700000000000000000\n"
         b"sensor,Mac-Address=aa:bb:cc:dd:ee:ff value=21.75 "
         b"1700000000000000001\n")
TORN = b"sensor,Mac-Address=aa:bb:cc:dd:ee:ff val"


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors)
    first = os.path.join(sensors, "readings-00000001.lp")
    last = os.path.join(sensors, "readings-00000002.lp")
    with open(first, "wb") as f:
        f.write(WHOLE)
    with open(last, "wb") as f:
        f.write(WHOLE + TORN)

    srv = sdpeer.Server(data_dir=d).start()
    ev = srv.wait_event("error", lambda e: "torn" in str(e.get("reason")))
    check(str(len(TORN)) in ev.get("reason", ""), "the error event %r does "
          "not say %d bytes" % (ev, len(TORN)))
    with open(last, "rb") as f:
        check(f.read() == WHOLE, "the torn segment was not cut to its "
              "whole lines")
    with open(first, "rb") as f:
        check(f.read() == WHOLE, "a whole segment was changed")

    s = srv.connect()
    s.sendall(sdwire.legacy_sensor(sdwire.mac("aa:bb:cc:dd:ee:01"), 3.5))
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "sync"))
    srv.wait_event("message")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    lines = srv.readings_lines()
    check(len(lines) == 5, "expected 4 old and 1 new reading, got %r"
          % lines)
    for l in lines:
        check(sdpeer.LINE_RE.match(l), "not a line of line protocol: %r"
              % l)
    check(os.path.exists(os.path.join(sensors, "readings-00000003.lp")),
          "the new run did not start segment 3")


sdpeer.run(test)
