#!/usr/bin/env python3
"""A legacy message header claiming 2 GiB (length 0x8000000c, inner size
0x80000000) is refused without allocating it: a valid message after it
on the same connection is answered, another client is served meanwhile,
a `bad-frame` event names the client, and the server's RSS stays small."""
import struct
import time

import sdpeer
import sdwire
from sdpeer import check

RSS_LIMIT_KB = 100 * 1024


def test():
    srv = sdpeer.Server().start()
    rss0 = srv.rss_kb()
    a = srv.connect()
    ea = srv.client_event(a)
    b = srv.connect()
    eb = srv.client_event(b)

    # header alone, then (later) the fixed part, then a valid message
    huge_hdr = struct.pack("<HI", 0x0000, 0x8000000C)
    fixed = struct.pack("<B6sBI", 0x22, sdpeer.DEV, 1, 0x80000000)
    a.sendall(huge_hdr)
    time.sleep(0.2)
    # another client is served while a's claim is pending
    b.sendall(sdwire.legacy_msg(sdpeer.DEV, "b first"))
    sdpeer.expect_bytes(b, sdpeer.reply_for(eb["fd"], "b first"),
                        what="other client's reply")
    a.sendall(fixed + b"xxxx")
    time.sleep(0.2)
    a.sendall(sdwire.legacy_msg(sdpeer.DEV, "after the claim"))
    sdpeer.expect_bytes(a, sdpeer.reply_for(ea["fd"], "after the claim"),
                        what="reply after the 2 GiB claim")
    srv.wait_event("bad-frame", lambda e: e.get("id") == ea["id"], timeout=5)

    # the same claim and the valid frame in one send
    a.sendall(huge_hdr + fixed + sdwire.legacy_msg(sdpeer.DEV, "again"))
    sdpeer.expect_bytes(a, sdpeer.reply_for(ea["fd"], "again"),
                        what="reply after the claim (one send)")

    # only the 6-byte header, straight before the message
    a.sendall(huge_hdr + sdwire.legacy_msg(sdpeer.DEV, "third"))
    sdpeer.expect_bytes(a, sdpeer.reply_for(ea["fd"], "third"),
                        what="reply after a bare 2 GiB header")

    b.sendall(sdwire.legacy_msg(sdpeer.DEV, "b last"))
    sdpeer.expect_bytes(b, sdpeer.reply_for(eb["fd"], "b last"),
                        what="other client's second reply")
    rss = srv.rss_kb()
    check(rss < RSS_LIMIT_KB, "server RSS %d kB after the 2 GiB claim "
          "(started at %d kB), limit %d kB" % (rss, rss0, RSS_LIMIT_KB))
    a.close()
    b.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
