#!/usr/bin/env python3
"""Live reload of the rules and the ports (sockdeckd(1): RELOAD). An
--allow that no longer takes 127.0.0.2 closes that client at the reload
(one disconnect event, "disconnected": 1) and leaves 127.0.0.1's; a
--ports without a port closes its listener (a connect is refused) while
the client on it stays and is answered; a port added listens; a port
that moves from plain to TLS speaks TLS to the next connection. Each
change is named in ctl reload's answer."""
import os
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check


def write_conf(path, text):
    with open(path, "w") as f:
        f.write(text)


def reload(srv):
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True, "reload: %r" % r)
    return r


def answered(s, fd, text):
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text), what=text)


def refused(port):
    try:
        sdpeer.connect(port, timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test():
    pki = sdtls.Pki()
    p1, p2, p3 = sdpeer.free_ports(3)
    conf = os.path.join(pki.dir, "sockdeckd.conf")
    tls = "tls-cert = %s\ntls-key = %s\n" % (pki.chain, pki.key)
    write_conf(conf, "ports = %d,%d\nallow = 127.0.0.0/8\n%s"
               % (p1, p2, tls))
    srv = sdpeer.Server(ports=[p1, p2], with_ports=False,
                        extra=["--config", conf]).start()
    stays = srv.connect(p1)
    ev_stays = srv.client_event(stays)
    fd_stays = ev_stays["fd"]
    goes = sdpeer.connect_from("127.0.0.2", p1)
    ev_goes = srv.client_event(goes)
    answered(goes, ev_goes["fd"], "from .2")

    # The allow list narrows: .2 goes, .1 stays.
    write_conf(conf, "ports = %d,%d\nallow = 127.0.0.1\n%s" % (p1, p2, tls))
    mark = srv.mark()
    r = reload(srv)
    check(r.get("changed") == ["allow"] and r.get("disconnected") == 1,
          "reload of allow: %r" % r)
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev_goes["id"],
                       since=mark)
    check("no longer allowed" in d.get("reason", ""), "disconnect %r" % d)
    check(len(srv.find_events("disconnect", since=mark)) == 1,
          "more than one client closed")
    sdpeer.expect_eof(goes, what="the client no longer allowed")
    answered(stays, fd_stays, "still here")
    check(sdpeer.connect_from("127.0.0.2", p2).recv(1) == b"",
          "127.0.0.2 is still admitted after the reload")

    # p1 removed, p3 added: p1 refuses, its client stays; p3 listens.
    write_conf(conf, "ports = %d,%d\nallow = 127.0.0.1\n%s" % (p2, p3, tls))
    r = reload(srv)
    check(r.get("changed") == ["ports"] and r.get("opened") == [p3] and
          r.get("closed") == [p1], "reload of ports: %r" % r)
    check(refused(p1), "port %d still listens after it was removed" % p1)
    answered(stays, fd_stays, "on a removed port")
    s = srv.connect(p3)
    answered(s, srv.client_event(s)["fd"], "on the added port")
    s.close()
    st = srv.ctl({"cmd": "status"}).get("status", {})
    check([p.get("state") for p in st.get("ports", []) if p.get("port") == p1]
          == ["removed"], "status: %r" % st.get("ports"))

    # p2 moves to TLS.
    write_conf(conf, "ports = %d,%d\nallow = 127.0.0.1\ntls-ports = %d\n%s"
               % (p2, p3, p2, tls))
    r = reload(srv)
    check(r.get("changed") == ["tls-ports"] and r.get("opened") == [p2] and
          r.get("closed") == [p2], "reload of tls-ports: %r" % r)
    t = sdtls.connect(p2, pki)
    fd_t = srv.client_event(t)["fd"]
    answered(t, fd_t, "over TLS now")

    # TLS off again: a handshake under way is closed, a session made
    # stays; p2 speaks plain to the next connection.
    half = sdpeer.connect(p2)
    sdtls.wait_tls(srv, "handshaking", 1)
    write_conf(conf, "ports = %d,%d\nallow = 127.0.0.1\n%s" % (p2, p3, tls))
    r = reload(srv)
    check(r.get("changed") == ["tls-ports"], "TLS off: %r" % r)
    sdpeer.expect_eof(half, what="a handshake when TLS went off")
    answered(t, fd_t, "a TLS session after TLS went off")
    s = srv.connect(p2)
    answered(s, srv.client_event(s)["fd"], "plain again")
    s.close()
    t.close()
    stays.close()
    # Once its last client is gone, the removed listener goes too.
    srv.wait_event("disconnect", lambda e: e.get("id") == ev_stays["id"],
                   since=mark)
    deadline = 50
    while deadline > 0:
        st = srv.ctl({"cmd": "status"}).get("status", {})
        if not [p for p in st.get("ports", []) if p.get("port") == p1]:
            break
        deadline -= 1
        time.sleep(0.1)
    check(deadline > 0, "the removed port stays in status: %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
