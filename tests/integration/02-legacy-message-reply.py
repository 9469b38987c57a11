#!/usr/bin/env python3
"""Exact legacy bytes: the hex vectors of legacy-wire-format.md and
sockdeck-protocol(7) (message "hi", sensor 21.5, file "abc"), sent as
given, get the documented answers and nothing else."""
import os
import re
import time

import sdpeer
import sdwire
from sdpeer import check

HI = bytes.fromhex("00 00 0e 00 00 00 22 aa bb cc dd ee ff 01 02 00"
                   " 00 00 68 69")
SENSOR = bytes.fromhex("ff ff 0b 00 00 00 11 aa bb cc dd ee ff 00 00 ac 41")
ABC = bytes.fromhex("ff ff 0f 00 00 00 22 aa bb cc dd ee ff 05 03 00"
                    " 00 00 61 62 63")


def test():
    # the builders agree with the documents
    check(sdwire.legacy_msg(sdpeer.DEV, "hi") == HI, "legacy_msg vector")
    check(sdwire.legacy_sensor(sdpeer.DEV, 21.5) == SENSOR, "sensor vector")
    check(sdwire.legacy_file(sdpeer.DEV, 5, b"abc") == ABC, "file vector")

    srv = sdpeer.Server().start()
    s = srv.connect()
    ev = srv.client_event(s)
    fd = ev["fd"]
    sdpeer.expect_quiet(s, 0.3, "on connect (the server sends nothing)")

    s.sendall(HI)
    want = ("[%d socket] return data => hi" % fd).encode()
    sdpeer.expect_bytes(s, want, what="reply to the 'hi' vector")
    sdpeer.expect_quiet(s, 0.3, "after the 'hi' reply")
    m = srv.wait_event("message", lambda e: e.get("id") == ev["id"])
    check(m.get("text") == "hi", "message event text %r" % m.get("text"))
    dev = str(m.get("device", "")).lower().replace("-", ":")
    check(dev == sdpeer.DEV_STR, "message event device %r" % m.get("device"))
    check(not m.get("odd"), "a well-formed message was flagged odd: %r" % m)

    # UTF-8 text goes back as it came
    text = "gr\u00fc\u00dfe \u2713 \U0001f600"
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text), what="UTF-8 reply")

    # empty text
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, b""))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, ""), what="empty-text reply")

    # sensor reading: no answer
    t0 = time.time_ns()
    s.sendall(SENSOR)
    sdpeer.expect_quiet(s, 0.5, "after a sensor reading (no answer)")

    # file "abc", code 5 -> .txt
    s.sendall(ABC)
    prefix = b"file upload successful!! saved as "
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    check(got.startswith(prefix), "file answer %r" % got)
    name = got[len(prefix):].decode()
    check(re.match(r"^\d{8}-\d{6}-%d\.txt$" % ev["id"], name),
          "stored name %r does not match YYYYmmdd-HHMMSS-<id>.txt" % name)
    with open(os.path.join(srv.files_dir, name), "rb") as f:
        check(f.read() == b"abc", "stored file content differs")

    s.close()
    rc = srv.stop()
    check(rc == 0, "exit status %r after SIGTERM" % rc)
    lines = srv.readings_lines()
    check(len(lines) == 1, "expected 1 reading line, got %r" % lines)
    r = sdpeer.parse_reading(lines[0])
    check(lines[0].startswith("sensor,Mac-Address=aa:bb:cc:dd:ee:ff "
                              "value=21.5 "), "reading line %r" % lines[0])
    check(r["channel"] is None, "legacy reading has a channel: %r" % lines[0])
    check(abs(r["ts"] - t0) < 60 * 10**9,
          "timestamp %d is not the server's clock at receipt (~%d)"
          % (r["ts"], t0))


sdpeer.run(test)
