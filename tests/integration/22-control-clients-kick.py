#!/usr/bin/env python3
"""Control socket: mode 0600; `seq` echoed; `clients` lists each client
with id/fd/peer/peer_port/port/proto; `send` reaches one client (a
`send` event names it and the text); `kick`
drops one (it sees EOF, `kick` event), unknown ids -> ok false;
unknown commands -> ok false; `subscribe` streams events."""
import os
import stat

import sdpeer
import sdwire
from sdpeer import check


def test():
    srv = sdpeer.Server(nports=2).start()
    c = srv.control()
    mode = stat.S_IMODE(os.stat(srv.control_path).st_mode)
    check(stat.S_ISSOCK(os.stat(srv.control_path).st_mode),
          "%s is not a socket" % srv.control_path)
    check(mode == 0o600, "control socket mode %o, expected 600" % mode)

    a = srv.connect(srv.ports[0])
    ea = srv.client_event(a)
    b = srv.connect(srv.ports[1])
    eb = srv.client_event(b)
    x = srv.connect(srv.ports[1])
    ex = srv.client_event(x)
    sdpeer.hello(x, name=b"ext-name")

    r = c.request({"cmd": "clients", "seq": 7})
    check(r.get("ok") is True and r.get("seq") == 7, "clients: %r" % r)
    by = {cl.get("id"): cl for cl in r.get("clients", [])}
    check(set(by) == {ea["id"], eb["id"], ex["id"]}, "clients lists ids %r"
          % sorted(by))
    for sock, ev, port, proto in ((a, ea, srv.ports[0], "legacy"),
                                  (b, eb, srv.ports[1], "legacy"),
                                  (x, ex, srv.ports[1], "ext")):
        cl = by[ev["id"]]
        check(cl.get("fd") == ev["fd"], "client %d fd %r, connect event "
              "says %r" % (ev["id"], cl.get("fd"), ev["fd"]))
        check(cl.get("peer") == "127.0.0.1", "peer %r" % cl.get("peer"))
        check(cl.get("peer_port") == sock.getsockname()[1],
              "peer_port %r, expected %d" % (cl.get("peer_port"),
                                             sock.getsockname()[1]))
        check(cl.get("port") == port, "port %r, expected %d"
              % (cl.get("port"), port))
        check(cl.get("proto") == proto, "proto %r, expected %s"
              % (cl.get("proto"), proto))
        for k in ("connected", "bytes_in", "bytes_out", "last_active",
                  "transfer"):
            check(k in cl, "client entry without %r: %r" % (k, cl))
    check(by[ex["id"]].get("name") == "ext-name", "ext client name %r"
          % by[ex["id"]].get("name"))

    # send to one client
    r = c.request({"cmd": "send", "id": eb["id"], "text": "just b"})
    check(r.get("ok") is True, "send: %r" % r)
    sdpeer.expect_bytes(b, b"just b", what="send to b")
    sdpeer.expect_quiet(a, 0.3, "a after a send to b")
    # an event, as a broadcast is: the log names the client and the text
    ev = srv.wait_event("send", lambda e: e.get("id") == eb["id"])
    check(ev.get("text") == "just b", "send event %r" % ev)
    r = c.request({"cmd": "send", "id": 999999, "text": "nobody"})
    check(r.get("ok") is False and r.get("error") == "no such client",
          "send to an unknown id: %r" % r)

    # subscribe on a second connection
    sub = srv.control()
    r = sub.request({"cmd": "subscribe"})
    check(r.get("ok") is True, "subscribe: %r" % r)

    # kick a
    r = c.request({"cmd": "kick", "id": ea["id"]})
    check(r.get("ok") is True, "kick: %r" % r)
    sdpeer.expect_eof(a, what="kicked client")
    srv.wait_event("kick", lambda e: e.get("id") == ea["id"])
    srv.wait_event("disconnect", lambda e: e.get("id") == ea["id"])
    seen = []
    while True:
        ev = sub.readline(timeout=5)
        seen.append(ev)
        if ev.get("event") in ("kick", "disconnect") and \
                ev.get("id") == ea["id"]:
            break
        check(len(seen) < 50, "subscription: no kick/disconnect of %d in "
              "%r" % (ea["id"], seen))
    check("time" in seen[-1], "subscribed event without time: %r" % seen[-1])
    sub.close()

    r = c.request({"cmd": "kick", "id": ea["id"]})
    check(r.get("ok") is False and r.get("error") == "no such client",
          "second kick of the same id: %r" % r)
    r = c.request({"cmd": "kick", "id": 424242})
    check(r.get("ok") is False and r.get("error") == "no such client",
          "kick of an unknown id: %r" % r)
    r = c.request({"cmd": "frobnicate", "seq": 3})
    check(r.get("ok") is False and r.get("error"),
          "unknown command: %r" % r)

    # b still served, the list shrank
    b.sendall(sdwire.legacy_msg(sdpeer.DEV, "b ok"))
    sdpeer.expect_bytes(b, sdpeer.reply_for(eb["fd"], "b ok"))
    r = c.request({"cmd": "clients"})
    ids = sorted(cl.get("id") for cl in r.get("clients", []))
    check(ids == sorted([eb["id"], ex["id"]]), "clients after the kick: %r"
          % ids)
    # a request split across writes and two requests in one write
    c.sock.sendall(b'{"cmd":')
    c.sock.sendall(b'"status","seq":1}\n{"cmd":"status","seq":2}\n')
    r1, r2 = c.readline(), c.readline()
    check(r1.get("seq") == 1 and r2.get("seq") == 2 and r1.get("ok"),
          "pipelined requests: %r %r" % (r1, r2))
    c.close()
    for s in (b, x):
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
