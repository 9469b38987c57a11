#!/usr/bin/env python3
"""Handshakes the server refuses, each one `drop` line that names the
peer, the TLS port and OpenSSL's reason, counted in status (tls.failed),
with no connect or disconnect (it was never a client): TLS 1.1 from
`openssl s_client` (the default minimum is 1.2), a client held to TLS
1.2 against --tls-min-version 1.3, TLS 1.2 with no cipher in common
(--tls-ciphers), a device sending legacy frames to a TLS port, a peer
that leaves after half a ClientHello. Then a good client is served."""
import ssl
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check

HI = sdwire.legacy_msg(sdpeer.DEV, "hi")


def refused(srv, port, since, why, what):
    """The drop event of a failed handshake on port with reason why."""
    want = "TLS handshake failed: " + why
    e = srv.wait_event("drop", lambda e: e.get("port") == port and
                       str(e.get("reason", "")).startswith("TLS "),
                       since=since)
    check(e.get("reason") == want and e.get("peer") == "127.0.0.1" and
          e.get("peer_port") and "id" not in e and
          e.get("level") == "warning",
          "%s: drop %r, expected reason %r" % (what, e, want))


def python_refused(port, pki, what, **kw):
    try:
        s = sdtls.connect(port, pki, **kw)
    except (ssl.SSLError, ConnectionResetError) as e:
        return str(e)
    s.close()
    sdpeer.fail("%s: the handshake succeeded" % what)


def no_clients(srv, what):
    check(not srv.find_events("connect") and
          not srv.find_events("disconnect"),
          "%s: failed handshakes made clients: %r"
          % (what, srv.find_events("connect")))


def default_min(pki):
    srv, plain, tls = sdtls.server(pki, "--tls-ciphers",
                                   "ECDHE-ECDSA-AES128-GCM-SHA256")

    m = srv.mark()
    got, err = sdtls.s_client(tls, pki, b"", lambda b: False, timeout=3,
                              args=["-tls1_1", "-cipher",
                                    "DEFAULT@SECLEVEL=0"])
    check(got == b"", "TLS 1.1 got bytes %r" % got)
    refused(srv, tls, m, "unsupported protocol", "TLS 1.1 (s_client)")

    # TLS 1.2 with a cipher the server does not take
    ctx = sdtls.context(pki, maximum=ssl.TLSVersion.TLSv1_2)
    ctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")
    m = srv.mark()
    python_refused(tls, pki, "no shared cipher", ctx=ctx)
    refused(srv, tls, m, "no shared cipher", "TLS 1.2, no common cipher")

    # a legacy device on the TLS port by mistake
    m = srv.mark()
    s = srv.connect(tls)
    s.sendall(HI)
    sdpeer.expect_eof(s, 5, "legacy frame on a TLS port")
    refused(srv, tls, m, "wrong version number", "legacy bytes")

    # half a ClientHello, then the peer goes
    m = srv.mark()
    s = srv.connect(tls)
    s.sendall(sdtls.client_hello(pki)[:40])
    time.sleep(0.2)
    s.close()
    refused(srv, tls, m, "closed by the peer",
            "half a ClientHello, then gone")

    # a TCP connect and close (a port scan, a health check)
    m = srv.mark()
    sdpeer.connect(tls).close()
    refused(srv, tls, m, "closed by the peer", "connect, close")

    no_clients(srv, "default minimum")
    st = sdtls.status(srv)["tls"]
    check(st == {"handshaking": 0, "handshakes": 0, "failed": 5,
                 "timeouts": 0, "client_cert_failed": 0, "throttled": 0},
          "status tls after 5 refusals: %r" % st)

    # the plain port is untouched, the TLS port serves a good client
    p = srv.connect(plain)
    ev = srv.client_event(p)
    sdpeer.legacy_reply(p, ev["fd"], "hi", "plain")
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    check(ev["tls"]["cipher"] in ("ECDHE-ECDSA-AES128-GCM-SHA256",
                                  "TLS_AES_256_GCM_SHA384",
                                  "TLS_AES_128_GCM_SHA256",
                                  "TLS_CHACHA20_POLY1305_SHA256"),
          "cipher %r" % ev["tls"])
    sdpeer.legacy_reply(s, ev["fd"], "hi", "TLS")
    s.close()
    p.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def min_13(pki):
    srv, _, tls = sdtls.server(pki, "--tls-min-version", "1.3",
                               plain=False)
    m = srv.mark()
    python_refused(tls, pki, "TLS 1.2 against 1.3",
                   maximum=ssl.TLSVersion.TLSv1_2)
    refused(srv, tls, m, "unsupported protocol", "TLS 1.2 client, min 1.3")
    m = srv.mark()
    got, err = sdtls.s_client(tls, pki, b"", lambda b: False, timeout=3,
                              args=["-tls1_2"])
    refused(srv, tls, m, "unsupported protocol", "s_client -tls1_2")
    no_clients(srv, "--tls-min-version 1.3")
    st = sdtls.status(srv)["tls"]
    check(st["failed"] == 2 and st["handshakes"] == 0, "status %r" % st)
    s = sdtls.connect(tls, pki)
    check(s.version() == "TLSv1.3", "version %r" % s.version())
    ev = srv.client_event(s)
    check(ev["tls"]["version"] == "TLSv1.3", "connect %r" % ev)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    pki = sdtls.Pki()
    default_min(pki)
    min_13(pki)


sdpeer.run(test)
