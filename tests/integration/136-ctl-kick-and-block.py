#!/usr/bin/env python3
"""Kick-and-block: `{"cmd":"block","id":N,"secs":S}` closes client N and
refuses its address and its device for S seconds:
  - a new connection from that address is closed at accept (a `drop`
    event, reason `address blocked`), one from another address is not;
  - a connection from another address whose frame names the blocked
    device is closed (`device blocked`), one naming another device is
    answered;
  - `blocks` (and status's "blocked") lists both with the seconds left;
    `unblock KEY` lifts one; a block ends by itself when its time is up;
  - `sockdeckd ctl block|blocks|unblock` say the same on the command
    line; an unknown client or a bad `secs` is an error."""
import time

import sdpeer
import sdwire
from sdpeer import check

OTHER = sdwire.mac("02:00:00:00:00:01")


def test():
    srv = sdpeer.Server(nports=1, extra=["--reply-format",
                                         sdpeer.ECHO_FMT]).start()
    port = srv.ports[0]
    a = srv.connect()
    check(sdpeer.answered(a, sdpeer.DEV, "hello"), "no answer before the block")
    aid = srv.client_event(a)["id"]

    r = srv.ctl({"cmd": "block", "id": aid, "secs": 0})
    check("error" in r, "secs 0 accepted: %r" % r)
    r = srv.ctl({"cmd": "block", "id": 99999})
    check(r.get("error") == "no such client", "unknown id: %r" % r)
    r = srv.ctl({"cmd": "block", "id": aid, "secs": 3})
    check(r.get("ok") is True, "block: %r" % r)
    sdpeer.expect_eof(a, what="the blocked client")
    kinds = sorted((b["kind"], b["key"]) for b in
                   srv.ctl({"cmd": "blocks"})["blocks"])
    check(kinds == [("address", "127.0.0.1"),
                    ("device", sdpeer.DEV_STR)], "blocks: %r" % kinds)
    st = srv.ctl({"cmd": "status"})["status"]
    check(len(st.get("blocked", [])) == 2, "status blocked: %r"
          % st.get("blocked"))

    b = sdpeer.connect(port)
    sdpeer.expect_eof(b, what="a new connection from the blocked address")
    srv.wait_event("drop", lambda e: e.get("reason") == "address blocked")

    c = sdpeer.connect_from("127.0.0.2", port)
    check(sdpeer.answered(c, OTHER, "other device"),
          "another address and device not answered")
    c.sendall(sdwire.legacy_msg(sdpeer.DEV, "the blocked device"))
    sdpeer.expect_eof(c, what="a frame naming the blocked device")
    srv.wait_event("disconnect", lambda e: e.get("reason") ==
                   "device blocked")

    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "blocks"])
    check(rc == 0 and "127.0.0.1" in out and sdpeer.DEV_STR in out,
          "ctl blocks: %r %r" % (out, err))
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "unblock",
                                   "127.0.0.1"])
    check(rc == 0, "ctl unblock: %r %r" % (out, err))
    d = sdpeer.connect(port)
    check(sdpeer.answered(d, OTHER, "unblocked"), "the address still refused after"
          " unblock")
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "unblock",
                                   "127.0.0.1"])
    check(rc != 0, "unblock of nothing succeeded: %r" % out)

    time.sleep(3.2)
    e = sdpeer.connect_from("127.0.0.3", port)
    check(sdpeer.answered(e, sdpeer.DEV, "after the time"),
          "the device still refused once its 3 s were up")
    check(srv.ctl({"cmd": "blocks"})["blocks"] == [],
          "blocks left after their time")

    did = srv.client_event(d)["id"]
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "block",
                                   str(did), "60"])
    check(rc == 0, "ctl block: %r %r" % (out, err))
    sdpeer.expect_eof(d, what="the client blocked by ctl")
    left = [b["left"] for b in srv.ctl({"cmd": "blocks"})["blocks"]]
    check(left and all(55 <= x <= 60 for x in left), "left %r" % left)
    for s in (b, c, e):
        s.close()
    srv.stop()


sdpeer.run(test)
