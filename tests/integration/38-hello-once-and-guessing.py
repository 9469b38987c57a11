#!/usr/bin/env python3
"""HELLO is accepted once per connection: a second one is answered
ERROR 4 (unexpected) and the connection closed, so a client cannot
change its device under transfers and readings in flight. With --token,
a token that is a prefix, an extension or a one-byte change of the real
one is refused (ERROR 5); after 10 refused HELLOs from one address in a
minute, every HELLO from it is refused with ERROR 6 (limit) without
being compared, even the right token, while another address still gets
in. (sockdeckd(1): --token, SECURITY.) The disconnect of a refused
client is an event of level error, with its server port and device; a
client that leaves by itself is one of level info. (sockdeckd(1):
LOG.)"""
import socket

import sdpeer
import sdwire
from sdpeer import check

TOKEN = b"s3cret-tok"


def connect_from(srv, addr):
    s = socket.create_connection(("127.0.0.1", srv.ports[0]), timeout=10,
                                 source_address=(addr, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def answer(s, what):
    """The first frame: ("welcome", None) or ("error", code)."""
    t, p = sdpeer.recv_frame(s)
    if t == sdwire.T_WELCOME:
        return "welcome", None
    check(t == sdwire.T_ERROR, "%s: frame 0x%04x" % (what, t))
    return "error", sdwire.parse_error(p)["code"]


def hello_as(srv, addr, token, what):
    s = connect_from(srv, addr)
    s.sendall(sdwire.hello(sdpeer.DEV, b"g", token=token))
    r = answer(s, what)
    if r[0] == "error":
        sdpeer.expect_eof(s, what=what)
    s.close()
    return r


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    s.sendall(sdwire.hello(sdpeer.DEV, b"one"))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.sendall(sdwire.hello(sdwire.mac("11:22:33:44:55:66"), b"two"))
    t, p = sdpeer.recv_frame(s)
    check(t == sdwire.T_ERROR and sdwire.parse_error(p)["code"] == 4,
          "second HELLO: frame 0x%04x %r" % (t, p[:40]))
    sdpeer.expect_eof(s, what="after a second HELLO")
    d = srv.wait_event("disconnect")
    check(d.get("reason") == "HELLO sent twice", "reason %r" %
          d.get("reason"))
    check(d.get("level") == "error" and d.get("port") == srv.ports[0]
          and d.get("device") == sdpeer.DEV_STR,
          "the refused client's disconnect: %r" % d)
    srv.stop()

    srv = sdpeer.Server(extra=["--token", TOKEN.decode()]).start()
    near = [TOKEN[:1], TOKEN[:-1], TOKEN + b"x", b"t" + TOKEN[1:],
            TOKEN[:-1] + b"K", b""]
    for tok in near:
        r = hello_as(srv, "127.0.0.2", tok, "token %r" % tok)
        check(r == ("error", 5), "token %r: %r, expected ERROR 5" %
              (tok, r))
    for i in range(10 - len(near)):
        hello_as(srv, "127.0.0.2", b"guess%d" % i, "guess")
    r = hello_as(srv, "127.0.0.2", TOKEN, "right token after 10 misses")
    check(r == ("error", 6), "right token from a throttled address: %r,"
          " expected ERROR 6" % (r,))
    r = hello_as(srv, "127.0.0.3", TOKEN, "right token, other address")
    check(r == ("welcome", None), "other address: %r" % (r,))
    d = srv.wait_event("disconnect", lambda e: e.get("reason") ==
                       "closed by peer")
    check(d.get("level") == "info", "a client that left: %r" % d)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
