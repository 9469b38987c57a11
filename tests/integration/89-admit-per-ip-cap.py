#!/usr/bin/env python3
"""--max-clients-per-ip N caps connections from one address at accept
(default 64, 0 = no cap): the N+1st from an address is closed unanswered
(`drop`, reason "too many clients from this address") while another
address is served; a slot frees when a connection closes, also after
the address's count fell to 0 and rose again."""
import sdpeer
import sdwire
from sdpeer import check


def ok(srv, s, text):
    fd = srv.client_event(s)["fd"]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text))


def full(srv, src, port):
    mark = srv.mark()
    s = sdpeer.connect_from(src, port)
    sdpeer.expect_eof(s, what="connection over the cap from %s" % src)
    s.close()
    ev = srv.wait_event("drop", lambda e: e.get("peer") == src, since=mark)
    check(ev.get("reason") == "too many clients from this address",
          "drop: %r" % ev)


def test():
    srv = sdpeer.Server(extra=["--max-clients-per-ip", "3"])
    srv.start()
    port = srv.ports[0]
    for rnd in range(2):
        a = [sdpeer.connect_from("127.0.0.2", port) for _ in range(3)]
        for i, s in enumerate(a):
            ok(srv, s, "a%d" % i)
        full(srv, "127.0.0.2", port)
        b = [sdpeer.connect_from("127.0.0.3", port) for _ in range(3)]
        for i, s in enumerate(b):
            ok(srv, s, "b%d" % i)
        full(srv, "127.0.0.3", port)
        # One closes: one more may come.
        mark = srv.mark()
        cid = srv.client_event(a[0])["id"]
        a[0].close()
        srv.wait_event("disconnect", lambda e: e.get("id") == cid,
                       since=mark)
        a[0] = sdpeer.connect_from("127.0.0.2", port)
        ok(srv, a[0], "a again")
        full(srv, "127.0.0.2", port)
        # All close: the count falls to 0 and the next round starts over.
        mark = srv.mark()
        for s in a + b:
            s.close()
        srv.wait_events("disconnect", 6, since=mark)
    check(srv.stop() == 0, "server did not stop cleanly")

    # The default is 64; 0 turns the cap off.
    for extra, n, capped in (([], 65, True),
                             (["--max-clients-per-ip", "0"], 80, False)):
        srv = sdpeer.Server(extra=extra)
        srv.start()
        port = srv.ports[0]
        socks = [sdpeer.connect_from("127.0.0.2", port) for _ in range(n - 1)]
        srv.wait_events("connect", n - 1)
        if capped:
            full(srv, "127.0.0.2", port)
        else:
            s = sdpeer.connect_from("127.0.0.2", port)
            ok(srv, s, "number %d" % n)
            socks.append(s)
        for s in socks:
            s.close()
        check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test)
