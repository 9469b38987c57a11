#!/usr/bin/env python3
"""Exact legacy bytes: the hex vectors of legacy-wire-format.md and
sockdeck-protocol(7) (message "hi", sensor 21.5, file "abc"), sent as
given, get the documented answers and nothing else: with no flags, the
original v2.9 server's bytes (`[<fd> socket] message return success`,
`file upload successful!!`, for a UTF-8 and an empty message too, for
a message split inside its header, for every file code 0-10). Then
--reply-format and --file-reply-format with every placeholder."""
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
    want = ("[%d socket] message return success" % fd).encode()
    sdpeer.expect_bytes(s, want, what="reply to the 'hi' vector")
    sdpeer.expect_quiet(s, 0.3, "after the 'hi' reply")
    m = srv.wait_event("message", lambda e: e.get("id") == ev["id"])
    check(m.get("text") == "hi", "message event text %r" % m.get("text"))
    dev = str(m.get("device", "")).lower().replace("-", ":")
    check(dev == sdpeer.DEV_STR, "message event device %r" % m.get("device"))
    check(not m.get("odd"), "a well-formed message was flagged odd: %r" % m)

    # UTF-8 text, empty text, a message split inside its header: the
    # same answer, and nothing else
    text = "gr\u00fc\u00dfe \u2713 \U0001f600"
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, want, what="UTF-8 reply")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, b""))
    sdpeer.expect_bytes(s, want, what="empty-text reply")
    frame = sdwire.legacy_msg(sdpeer.DEV, "split")
    for cut in (3, 9, 15):
        s.sendall(frame[:cut])
        time.sleep(0.05)
        s.sendall(frame[cut:])
        sdpeer.expect_bytes(s, want, what="reply to a message split at "
                            "byte %d of its header" % cut)
    sdpeer.expect_quiet(s, 0.3, "after the replies")

    # sensor reading: no answer
    t0 = time.time_ns()
    s.sendall(SENSOR)
    sdpeer.expect_quiet(s, 0.5, "after a sensor reading (no answer)")

    # file "abc", code 5 -> .txt; and every other code
    s.sendall(ABC)
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    check(got == b"file upload successful!!", "file answer %r" % got)
    names = os.listdir(srv.files_dir)
    check(len(names) == 1 and re.match(r"^\d{8}-\d{6}-%d\.txt$"
                                       % ev["id"], names[0]),
          "stored %r, not one YYYYmmdd-HHMMSS-<id>.txt" % names)
    with open(os.path.join(srv.files_dir, names[0]), "rb") as f:
        check(f.read() == b"abc", "stored file content differs")
    for code in range(11):
        s.sendall(sdwire.legacy_file(sdpeer.DEV, code, b"code %d" % code))
        sdpeer.expect_bytes(s, b"file upload successful!!",
                            what="answer to a file of code %d" % code)
    sdpeer.expect_quiet(s, 0.3, "after the file answers")

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
    formats()


def formats():
    """Every placeholder of --reply-format and --file-reply-format."""
    srv = sdpeer.Server(extra=[
        "--reply-format", "{fd}|{id}|{port}|{device}|{text}|{none}",
        "--file-reply-format", "{fd}|{id}|{port}|{device}|{name}|{size}|"
        "{text}"]).start()
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "h\u00e9"))
    sdpeer.expect_bytes(s, ("%d|%d|%d|%s|h\u00e9|{none}" % (
        ev["fd"], ev["id"], srv.ports[0], sdpeer.DEV_STR)).encode(),
        what="--reply-format's placeholders")
    s.sendall(sdwire.legacy_file(sdpeer.DEV, 3, b"12345"))
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    head = ("%d|%d|%d|%s|" % (ev["fd"], ev["id"], srv.ports[0],
                              sdpeer.DEV_STR)).encode()
    check(got.startswith(head) and got.endswith(b"|5|{text}"),
          "--file-reply-format's placeholders: %r" % got)
    name = got[len(head):-len(b"|5|{text}")].decode()
    check(os.listdir(srv.files_dir) == [name] and name.endswith(".png"),
          "{name} %r; stored %r" % (name, os.listdir(srv.files_dir)))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
