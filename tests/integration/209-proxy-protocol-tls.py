#!/usr/bin/env python3
"""A port both --tls-ports and --proxy-protocol: the PROXY header comes
first, in the clear, then the TLS handshake on the same connection (only
the header's bytes are taken from the socket), then frames inside TLS.
The client is the header's address; a legacy message gets the original
reply. A ClientHello without a header first is refused ("no PROXY
header"). And through Debian's HAProxy in TCP mode with send-proxy-v2
(TLS passed through to the server), the device is 127.0.0.1 with its
own source port. A header still awaited when a reload turns TLS off
ends the connection ("TLS turned off (reload)"). (HAProxy part skipped
when haproxy is missing.)"""
import os

import sdpeer
import sdproxy
import sdtls
import sdwire
from sdpeer import check

HAPROXY = sdproxy.HAPROXY


def tls_through(srv, pki, port, header, peer, peer_port, text):
    s = sdpeer.connect(port)
    me = s.getsockname()[1]
    if header:
        s.sendall(header)
    t = sdtls.context(pki).wrap_socket(s, server_hostname="127.0.0.1")
    t.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    want = peer_port if peer_port is not None else me
    ev = srv.wait_event("connect", lambda e: e.get("peer_port") == want)
    check(ev.get("peer") == peer, "connect: %r" % ev)
    sdpeer.expect_bytes(t, sdpeer.reply_for(ev["fd"], text))
    row = sdproxy.client_at(srv, peer, want)
    check(row is not None and row.get("tls") not in (None, False, ""),
          "client row: %r" % (row,))
    return t


def via_haproxy(srv, pki, port):
    front, = sdpeer.free_ports(1)
    cfg = os.path.join(srv.dir, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write("defaults\n    mode tcp\n    timeout connect 5s\n"
                "    timeout client 1h\n    timeout server 1h\n"
                "frontend devices\n    bind 127.0.0.1:%d\n"
                "    default_backend sockdeck\nbackend sockdeck\n"
                "    server node1 127.0.0.1:%d send-proxy-v2 check "
                "inter 200ms\n" % (front, port))
    hap = sdproxy.haproxy(cfg, front)
    try:
        t = tls_through(srv, pki, front, b"", "127.0.0.1", None,
                        "tls via haproxy")
        t.close()
    finally:
        hap.terminate()
        hap.wait(10)


def test():
    pki = sdtls.Pki()
    port, = sdpeer.free_ports(1)
    srv = sdpeer.Server(ports=[port], extra=pki.server_args(
        [port], "--proxy-protocol", str(port), "--proxy-from",
        "127.0.0.0/8")).start()
    a = tls_through(srv, pki, port, sdproxy.v2("192.0.2.80", 8080),
                    "192.0.2.80", 8080, "tls v2")
    b = tls_through(srv, pki, port, sdproxy.v1("2001:db8::80", 8081),
                    "2001:db8::80", 8081, "tls v1")
    mark = srv.mark()
    s = sdpeer.connect(port)
    s.sendall(sdtls.client_hello(pki))
    sdpeer.expect_eof(s, what="a ClientHello without a header")
    s.close()
    ev = srv.wait_event("drop", since=mark)
    check(ev.get("reason") == "no PROXY header", "drop: %r" % ev)
    if HAPROXY is None:
        sdpeer.part_skipped("haproxy is not installed")
    else:
        via_haproxy(srv, pki, port)
    a.close()
    b.close()
    check(srv.stop() == 0, "server did not stop cleanly")
    tls_off(pki)


def tls_off(pki):
    """A header still awaited on a TLS port when a reload turns TLS off
    ends with the reload's reason, not with a TLS client on no
    context."""
    port, = sdpeer.free_ports(1)
    conf = pki.path("proxy.conf")
    with open(conf, "w") as f:
        f.write("tls-ports = %d\ntls-cert = %s\ntls-key = %s\n"
                "proxy-protocol = %d\nproxy-from = 127.0.0.1\n"
                % (port, pki.chain, pki.key, port))
    srv = sdpeer.Server(ports=[port], extra=["--config", conf]).start()
    s = sdpeer.connect(port)
    hdr = sdproxy.v2("192.0.2.81", 8181)
    s.sendall(hdr[:10])
    with open(conf, "w") as f:
        f.write("proxy-protocol = %d\nproxy-from = 127.0.0.1\n" % port)
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True, "reload: %r" % r)
    mark = srv.mark()
    s.sendall(hdr[10:] + sdtls.client_hello(pki))
    sdpeer.expect_eof(s, what="a TLS client after TLS went")
    s.close()
    ev = srv.wait_event("drop", since=mark)
    check(ev.get("reason") == "TLS turned off (reload)" and
          ev.get("peer") == "192.0.2.81", "drop: %r" % ev)
    check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test)
