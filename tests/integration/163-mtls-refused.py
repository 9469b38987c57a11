#!/usr/bin/env python3
"""With --tls-client-ca and --tls-require-client-cert, handshakes the
server refuses, each one `drop` event that names the verification's
reason, counted in status (tls.failed and tls.client_cert_failed), never
a client: no certificate ("peer did not return a certificate"), a
certificate of another CA ("unable to get local issuer certificate"),
an expired one ("certificate has expired"), each over TLS 1.3 and 1.2
(Python) and from openssl s_client; TLS 1.1 (`openssl s_client -tls1_1`,
which may refuse to even try) never completes and is refused as
"unsupported protocol". A certificate that does not verify is refused
without --tls-require-client-cert too. Then a good client is served."""
import ssl

import sdpeer
import sdtls
from sdpeer import check

PRE = "TLS handshake failed: "
NO_CERT = "peer did not return a certificate"
OTHER_CA = "unable to get local issuer certificate"
EXPIRED = "certificate has expired"


def refused(srv, port, since, why, what):
    """The drop event of a failed handshake with reason why."""
    e = srv.wait_event("drop", lambda e: e.get("port") == port and
                       str(e.get("reason", "")).startswith("TLS "),
                       since=since)
    check(e.get("reason") == PRE + why and e.get("peer") == "127.0.0.1" and
          "id" not in e and e.get("level") == "warning",
          "%s: drop %r, expected reason %r" % (what, e, PRE + why))


def python_refused(port, pki, ctx, what):
    """A Python client with ctx does not get a working session: the
    handshake fails, or (TLS 1.3: the client finishes first) the first
    read meets the server's alert or its close."""
    try:
        s = sdtls.connect(port, pki, ctx=ctx, ragged=False)
    except (ssl.SSLError, ConnectionResetError):
        return
    try:
        s.sendall(b"x")
        got = s.recv(100)
        check(got == b"", "%s: read %r from a refused session" % (what, got))
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        pass
    s.close()


def ctx_for(pki, version, leaf=None):
    ctx = sdtls.context(pki, minimum=version, maximum=version)
    if leaf is not None:
        ctx.load_cert_chain(*leaf)
    return ctx


def each_refusal(srv, port, pki, cases):
    n = 0
    for leaf, why, what in cases:
        for v in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            m = srv.mark()
            python_refused(port, pki, ctx_for(pki, v, leaf), what)
            refused(srv, port, m, why, "%s, %s" % (what, v.name))
            n += 1
        m = srv.mark()
        args = ["-cert", leaf[0], "-key", leaf[1]] if leaf else []
        got, err = sdtls.s_client(port, pki, b"hi", lambda b: False,
                                  timeout=2, args=args)
        check(got == b"", "%s: s_client read %r" % (what, got))
        refused(srv, port, m, why, what + ", s_client")
        n += 1
    return n


def required(pki, other, expired, good):
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-require-client-cert", plain=False)
    n = each_refusal(srv, port, pki, [
        (None, NO_CERT, "no certificate"),
        (other, OTHER_CA, "another CA's certificate"),
        (expired, EXPIRED, "an expired certificate")])

    m = srv.mark()
    got, err = sdtls.s_client(port, pki, b"hi", lambda b: False, timeout=3,
                              args=["-tls1_1", "-cipher",
                                    "DEFAULT@SECLEVEL=0"] +
                              ["-cert", good[0], "-key", good[1]])
    check(got == b"", "TLS 1.1 got bytes %r" % got)
    refused(srv, port, m, "unsupported protocol", "TLS 1.1 (s_client)")
    check(not srv.find_events("connect"), "a refused handshake connected: "
          "%r" % srv.find_events("connect"))
    st = sdtls.status(srv)["tls"]
    check(st["failed"] == n + 1 and st["client_cert_failed"] == n and
          st["handshakes"] == 0 and st["handshaking"] == 0,
          "status tls after %d certificate refusals and TLS 1.1: %r"
          % (n, st))
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "status"])
    check("tls client certificates refused %d  refused at accept (failed "
          "handshakes) 0\n" % n in out, "ctl status: %r" % out)

    s = sdtls.connect(port, pki, ctx=ctx_for(pki, None, good))
    ev = srv.client_event(s)
    sdpeer.legacy_reply(s, ev["fd"], "hi", "the good client")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def not_required(pki, other, expired):
    """Without --tls-require-client-cert a certificate that does not
    verify is refused all the same."""
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                plain=False)
    for leaf, why, what in ((other, OTHER_CA, "another CA's, optional"),
                            (expired, EXPIRED, "expired, optional")):
        m = srv.mark()
        python_refused(port, pki, ctx_for(pki, None, leaf), what)
        refused(srv, port, m, why, what)
    st = sdtls.status(srv)["tls"]
    check(st["client_cert_failed"] == 2 and st["handshakes"] == 0,
          "status %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    pki = sdtls.Pki()
    pki.another_ca("rogue")
    good = pki.leaf("good", "/CN=good", client=True)
    other = pki.leaf("other", "/CN=other", ca="rogue", client=True)
    expired = pki.leaf("old", "/CN=old", expired=True, client=True)
    required(pki, other, expired, good)
    not_required(pki, other, expired)


sdpeer.run(test)
