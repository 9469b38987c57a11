#!/usr/bin/env python3
"""Garbage before a valid frame costs only the garbage: the message after
it is answered (in the same send and in a later send), a `bad-frame`
event is logged for the client, and the connection stays open."""
import time

import sdpeer
import sdwire
from sdpeer import check

GARBAGE = [
    b"this is not a frame at all\r\n",
    bytes([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]),
    # a legacy header whose length disagrees with its inner size
    bytes.fromhex("00 00 30 00 00 00 22 aa bb cc dd ee ff 01 02 00 00 00"),
    b"\xfe" * 100,
]


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    ev = srv.client_event(s)
    fd, cid = ev["fd"], ev["id"]
    for i, g in enumerate(GARBAGE):
        mark = srv.mark()
        text = "after garbage %d" % i
        s.sendall(g + sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text),
                            what="reply after garbage %d (same send)" % i)
        srv.wait_event("bad-frame", lambda e: e.get("id") == cid,
                       since=mark, timeout=5)

        text = "after garbage %d, separate send" % i
        s.sendall(g)
        time.sleep(0.1)
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text),
                            what="reply after garbage %d (later send)" % i)
    bf = srv.find_events("bad-frame")[0]
    check(isinstance(bf.get("reason"), str) and bf["reason"],
          "bad-frame without a reason: %r" % bf)
    sdpeer.expect_quiet(s, 0.3)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
