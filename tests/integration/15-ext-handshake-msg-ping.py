#!/usr/bin/env python3
"""Extension protocol: HELLO -> WELCOME (version 1, caps 0xF, the client
id, max_msg, max_file, a name); MSG -> TEXT kind 1 ref = MSG id with the
reply text; PING -> PONG with the token; a legacy message from an
extension client -> TEXT kind 1 ref 0; bad frames -> ERROR (code 1
malformed, 2 too large) and the connection goes on."""
import struct

import sdpeer
import sdwire
from sdpeer import check


def ping_pong(s, token):
    s.sendall(sdwire.ping(token))
    p = sdpeer.expect_frame(s, sdwire.T_PONG)
    check(p == struct.pack("<Q", token), "PONG payload %r for token 0x%x"
          % (p, token))


def expect_error(s, code, what):
    t, p = sdpeer.recv_frame(s)
    check(t == sdwire.T_ERROR, "%s: expected ERROR, got frame 0x%04x %r"
          % (what, t, p[:60]))
    e = sdwire.parse_error(p)
    check(e["code"] == code, "%s: ERROR code %d (%r), expected %d"
          % (what, e["code"], e["text"], code))
    return e


def test():
    srv = sdpeer.Server(extra=["--max-msg", "4k", "--reply-format", sdpeer.ECHO_FMT]).start()
    s = srv.connect()
    ev = srv.client_event(s)
    w = sdpeer.hello(s, name=b"cam-1")
    check(w["version"] == 1, "WELCOME version %r" % w["version"])
    check(w["caps"] == 0xF, "WELCOME caps 0x%x, expected 0xf" % w["caps"])
    check(w["client_id"] == ev["id"], "WELCOME client_id %r, connect "
          "event id %r" % (w["client_id"], ev["id"]))
    check(w["max_msg"] == 4096, "WELCOME max_msg %r with --max-msg 4k"
          % w["max_msg"])
    check(w["max_file"] == 64 << 30, "WELCOME max_file %r, default is 64G"
          % w["max_file"])
    check(w["max_chunk"] > 0, "WELCOME max_chunk 0")
    check(len(w["name"]) > 0, "WELCOME with an empty server name")
    h = srv.wait_event("hello", lambda e: e.get("id") == ev["id"])
    check(h.get("name") == "cam-1", "hello event name %r" % h.get("name"))
    check(h.get("version") == 1, "hello event version %r" % h.get("version"))

    # the man page's MSG example
    s.sendall(bytes.fromhex("03 53 0f 00 00 00 07 00 00 00 64 6f 6f 72 20 33"
                            " 20 6f 70 65 6e"))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT))
    check(t["kind"] == 1 and t["ref"] == 7,
          "reply kind %d ref %d, expected 1 and 7" % (t["kind"], t["ref"]))
    check(t["text"] == sdpeer.reply_for(ev["fd"], "door 3 open",
                                           sdpeer.ECHO_FMT),
          "reply text %r" % t["text"])
    m = srv.wait_event("message", lambda e: e.get("id") == ev["id"])
    check(m.get("text") == "door 3 open", "message event %r" % m)

    # the man page's PING example
    s.sendall(bytes.fromhex("06 53 08 00 00 00 08 07 06 05 04 03 02 01"))
    p = sdpeer.recv_exact(s, 14)
    check(p == bytes.fromhex("07 53 08 00 00 00 08 07 06 05 04 03 02 01"),
          "PONG bytes %s" % p.hex())
    ping_pong(s, 0xFFFFFFFFFFFFFFFF)

    # a legacy message from an extension client is answered framed
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "old style"))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT))
    check(t["kind"] == 1 and t["ref"] == 0 and
          t["text"] == sdpeer.reply_for(ev["fd"], "old style",
                                           sdpeer.ECHO_FMT),
          "legacy message from an extension client answered %r" % t)

    # malformed: a PING whose fields do not fill its length
    s.sendall(sdwire.frame(sdwire.T_PING, struct.pack("<Q", 5) + b"\x00"))
    e = expect_error(s, 1, "PING with a byte too many")
    check(e["ref_type"] in (0, sdwire.T_PING), "ERROR ref_type 0x%x"
          % e["ref_type"])
    ping_pong(s, 1)

    # too large: a MSG longer than --max-msg (header only, no body)
    got_error = False
    s.sendall(sdwire.HDR.pack(sdwire.T_MSG, 4 + 8192))
    s.sendall(sdwire.ping(2))
    while True:
        t, p = sdpeer.recv_frame(s)
        if t == sdwire.T_PONG:
            break
        check(t == sdwire.T_ERROR, "unexpected frame 0x%04x" % t)
        e = sdwire.parse_error(p)
        check(e["code"] == 2, "ERROR code %d (%r) for an oversized MSG, "
              "expected 2" % (e["code"], e["text"]))
        got_error = True
    check(got_error, "no ERROR for an oversized MSG")
    srv.wait_event("bad-frame", lambda e: e.get("id") == ev["id"])

    # a MSG at the cap is still fine
    s.sendall(sdwire.msg(9, b"a" * 4096))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT))
    check(t["ref"] == 9 and t["text"].endswith(b"a" * 4096),
          "reply to a 4096-byte MSG: ref %d, %d bytes" % (t["ref"],
                                                          len(t["text"])))
    ping_pong(s, 3)
    sdpeer.expect_quiet(s, 0.3)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
