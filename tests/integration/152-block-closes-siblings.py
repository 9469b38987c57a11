#!/usr/bin/env python3
"""A block takes effect on the connections already open: blocking client
N also closes every other connection from its address (reason `address
blocked`) and every one whose frames named its device (`device
blocked`), as a new connection from them would be; a connection from
another address with another device is still answered."""
import sdpeer
import sdwire
from sdpeer import check

OTHER = sdwire.mac("02:00:00:00:00:01")
THIRD = sdwire.mac("02:00:00:00:00:02")


def test():
    srv = sdpeer.Server(nports=1, extra=["--reply-format",
                                         sdpeer.ECHO_FMT]).start()
    port = srv.ports[0]
    a = srv.connect()
    check(sdpeer.answered(a, sdpeer.DEV, "a"), "a not answered")
    aid = srv.client_event(a)["id"]
    same_addr = srv.connect()
    check(sdpeer.answered(same_addr, OTHER, "same address"),
          "same address not answered")
    same_dev = sdpeer.connect_from("127.0.0.2", port)
    check(sdpeer.answered(same_dev, sdpeer.DEV, "same device"),
          "same device not answered")
    other = sdpeer.connect_from("127.0.0.3", port)
    check(sdpeer.answered(other, THIRD, "other"), "other not answered")

    r = srv.ctl({"cmd": "block", "id": aid, "secs": 60})
    check(r.get("ok") is True, "block: %r" % r)
    sdpeer.expect_eof(a, what="the blocked client")
    sdpeer.expect_eof(same_addr, what="another connection from its address")
    sdpeer.expect_eof(same_dev, what="another connection with its device")
    srv.wait_event("disconnect", lambda e: e.get("reason") ==
                   "address blocked")
    srv.wait_event("disconnect", lambda e: e.get("reason") ==
                   "device blocked")
    check(sdpeer.answered(other, THIRD, "still here"),
          "a connection from another address and device was closed")
    n = srv.ctl({"cmd": "status"})["status"]["clients"]
    check(n == 1, "%d clients left, want 1" % n)
    srv.stop()


sdpeer.run(test)
