#!/usr/bin/env python3
"""`{"cmd":"subscribe","history":N}` answers with the last N events before
the subscription, oldest first (the ports opening among them when N is
large), each text cut to 256 bytes, at most 500 whatever N asks; events
after it follow on the stream, none repeated. Without "history" the
answer is {"ok":true} alone, as before."""

import sdpeer
import sdwire
from sdpeer import check


def subscribe(srv, req):
    c = srv.control()
    c.send(req)
    return c, c.readline()


def test():
    srv = sdpeer.Server(nports=1).start()
    s = srv.connect()
    for i in range(3):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "h%d" % i))
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "L" * 1000))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)

    c, a = subscribe(srv, {"cmd": "subscribe"})
    check(a == {"ok": True}, "plain subscribe answered %r" % a)
    c.close()

    c, a = subscribe(srv, {"cmd": "subscribe", "history": 2})
    h = a.get("history")
    check(isinstance(h, list) and len(h) == 2, "history 2: %r" % a)
    check([e.get("event") for e in h] == ["message", "message"]
          and h[0].get("text") == "h2", "the last two events, oldest "
          "first: %r" % h)
    check(len(h[1].get("text", "")) == 256, "a 1000-byte text kept as %d "
          "bytes" % len(h[1].get("text", "")))
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "after"))
    ev = c.readline()
    check(ev.get("event") == "message" and ev.get("text") == "after",
          "the next event on the stream: %r" % ev)
    c.close()

    for i in range(600):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "n%d" % i))
    sdpeer.recv_until_quiet(s, quiet=0.5, timeout=20)
    c, a = subscribe(srv, {"cmd": "subscribe", "history": 100000})
    h = a.get("history", [])
    check(len(h) == 500, "history 100000 gave %d events, not 500" % len(h))
    check(h[-1].get("text") == "n599", "the newest last: %r" % h[-1])
    c.close()
    s.close()
    srv.stop()


sdpeer.run(test)
