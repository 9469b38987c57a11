#!/usr/bin/env python3
"""Failed handshakes are throttled per address: after 30 failed in a
minute (here clients without a certificate, refused by
--tls-require-client-cert; peers that connect and leave before a
ClientHello, like a load balancer's TCP health checks, are counted
failed but cost no signature and are not held against the address), the
address's next connections to the TLS port are refused at accept, before
a byte is read (`drop`, reason "too many failed TLS handshakes",
summarised with the other refusals at accept; status tls.throttled),
a good certificate included; its plain port still serves it. Handshakes
closed by the server itself (a block of their address) are counted as
failed, so handshakes + failed + handshaking adds up to the
connections the TLS port took."""
import ssl

import sdpeer
import sdtls
from sdpeer import check

MAX = 30
WHY = "too many failed TLS handshakes"


def no_cert(port, pki):
    try:
        s = sdtls.connect(port, pki, ragged=False)
        s.sendall(b"x")
        s.recv(10)
        s.close()
    except (ssl.SSLError, OSError):
        pass


def flood(pki, good):
    srv, plain, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                    "--tls-require-client-cert")
    for i in range(2 * MAX):
        sdpeer.connect(port).close()
    st = sdtls.wait_tls(srv, "failed", 2 * MAX)
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(*good)
    s = sdtls.connect(port, pki, ctx=ctx)
    s.close()
    st = sdtls.wait_tls(srv, "handshakes", 1)
    check(st["failed"] == 2 * MAX and st["throttled"] == 0,
          "health checks held against the address: %r" % st)
    for i in range(MAX):
        no_cert(port, pki)
    st = sdtls.wait_tls(srv, "failed", 3 * MAX)
    check(st["failed"] == 3 * MAX and st["client_cert_failed"] == MAX and
          st["throttled"] == 0, "status after %d failures: %r" % (MAX, st))

    m = srv.mark()
    for i in range(5):
        try:
            s = sdtls.connect(port, pki, ctx=ctx, ragged=False)
            s.sendall(b"x")
            got = s.recv(10)
            check(got == b"", "throttled connection %d read %r" % (i, got))
        except (ssl.SSLError, OSError):
            pass
    srv.wait_event("drop", lambda e: e.get("reason") == WHY and
                   e.get("peer") == "127.0.0.1", since=m)
    st = sdtls.wait_tls(srv, "throttled", 5)
    check(st["throttled"] == 5 and st["failed"] == 3 * MAX and
          st["handshakes"] == 1 and st["handshaking"] == 0,
          "status after 5 throttled: %r" % st)
    check(not srv.find_events("connect", lambda e: e["port"] == port, m),
          "a throttled connection became a client")
    p = srv.connect(plain)
    ev = srv.client_event(p)
    sdpeer.legacy_reply(p, ev["fd"], "hi", "plain port of the address")
    p.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def blocked(pki):
    srv, plain, port = sdtls.server(pki)
    silent = [sdpeer.connect(port) for _ in range(3)]
    st = sdtls.wait_tls(srv, "handshaking", 3)
    p = srv.connect(plain)
    ev = srv.client_event(p)
    r = srv.ctl({"cmd": "block", "id": ev["id"], "secs": 60})
    check(r.get("ok"), "block refused: %r" % r)
    for s in silent:
        sdpeer.expect_eof(s, 5, "a handshake of a blocked address")
        s.close()
    st = sdtls.wait_tls(srv, "failed", 3)
    check(st["failed"] == 3 and st["handshaking"] == 0 and
          st["handshakes"] == 0, "status after the block: %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    pki = sdtls.Pki()
    good = pki.leaf("good", "/CN=good", client=True)
    flood(pki, good)
    blocked(pki)


sdpeer.run(test)
