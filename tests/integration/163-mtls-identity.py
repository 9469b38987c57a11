#!/usr/bin/env python3
"""Mutual TLS (--tls-client-ca): a client with a certificate of the CA
is admitted, and its connect event, `ctl clients` (JSON and table) and
`ctl client` show the certificate's subject and its identity as
--tls-identity takes it: the CN, the first SAN URI, the first SAN DNS
name, or (the default) "sha256:" and the certificate's SHA-256 in hex,
which `openssl x509 -fingerprint -sha256` agrees with. Without
--tls-require-client-cert a client without a certificate is admitted
with no identity, and so is one whose certificate lacks the chosen field
(its subject shown). With it, a certificate lacking the field is refused
(drop event, counted in status tls.client_cert_failed). openssl s_client
with -cert/-key is a peer too. A clients window's filter matches the
identity. A TLS 1.2 client offering its last session is not resumed: a
full handshake, the identity kept. A field too long to be an identity
is none; a long subject is cut."""
import hashlib
import ssl

import sdpeer
import sdtls
from sdpeer import check

SUBJECT = "O=Acme Devices,CN=dev-1"   # RFC 2253: last RDN first


def der_sha256(pem):
    with open(pem) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return "sha256:" + hashlib.sha256(der).hexdigest()


def ctl(srv, *args):
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path] +
                                  list(args))
    check(rc == 0, "ctl %s: exit %r, %r" % (args, rc, err))
    return out


def cert_ctx(pki, cert, key):
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    return ctx


def shown(srv, s, subject, identity, what):
    """s's connect event, ctl clients and ctl client say subject and
    identity (None: none); the client answers."""
    ev = srv.client_event(s)
    t = ev.get("tls", {})
    check(t.get("subject") == subject and t.get("identity") == identity,
          "%s: connect event tls %r, expected subject %r identity %r"
          % (what, t, subject, identity))
    rows = [c for c in srv.ctl({"cmd": "clients"})["clients"]
            if c["id"] == ev["id"]]
    check(len(rows) == 1 and rows[0]["tls"].get("subject") == subject and
          rows[0]["tls"].get("identity") == identity and
          rows[0]["auth"] == ("certificate" if identity else "none"),
          "%s: ctl clients row %r" % (what, rows))
    table = ctl(srv, "clients")
    line = [ln for ln in table.splitlines()
            if ln.split()[0] == str(ev["id"])]
    want = ('%s "%s"' % (identity or "-", subject) if subject
            else t["version"])
    check(len(line) == 1 and line[0].endswith(want),
          "%s: ctl clients line %r, expected it to end %r"
          % (what, line, want))
    one = ctl(srv, "client", str(ev["id"]))
    check("tls subject   %s\n" % (subject or "-") in one and
          "tls identity  %s\n" % (identity or "-") in one,
          "%s: ctl client says %r" % (what, one))
    sdpeer.legacy_reply(s, ev["fd"], "hi", what)
    return ev


def kinds(pki, leaf):
    cert, key = leaf
    want = {"cn": "dev-1", "uri": "urn:sockdeck:dev:1",
            "dns": "dev1.example.net", "fingerprint": der_sha256(cert)}
    for kind, ident in want.items():
        args = ["--tls-client-ca", pki.ca]
        if kind != "fingerprint":
            args += ["--tls-identity", kind]
        srv, _, port = sdtls.server(pki, *args, plain=False)
        s = sdtls.connect(port, pki, ctx=cert_ctx(pki, cert, key))
        shown(srv, s, SUBJECT, ident, "--tls-identity " + kind)
        s.close()
        check(srv.stop() == 0, "%s: exit status not 0" % kind)


def fingerprint_agrees(pki, cert):
    p = sdtls.subprocess.run([sdtls.openssl(), "x509", "-in", cert,
                              "-noout", "-fingerprint", "-sha256"],
                             capture_output=True, text=True, check=True)
    hexa = p.stdout.strip().split("=", 1)[1].replace(":", "").lower()
    check("sha256:" + hexa == der_sha256(cert),
          "openssl's fingerprint %r" % p.stdout)


def optional(pki, leaf, bare):
    """Not required: no certificate, or one without a URI, is admitted
    with no identity; a certificate with one is identified; s_client
    with -cert/-key is identified too."""
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-identity", "uri", plain=False)
    s = sdtls.connect(port, pki)
    shown(srv, s, None, None, "no certificate, not required")
    b = sdtls.connect(port, pki, ctx=cert_ctx(pki, *bare))
    shown(srv, b, "CN=bare", None, "no URI, not required")
    g = sdtls.connect(port, pki, ctx=cert_ctx(pki, *leaf))
    shown(srv, g, SUBJECT, "urn:sockdeck:dev:1", "URI")
    r = srv.ctl({"cmd": "clients", "filter": "URN:SOCKDECK"})
    check([c["tls"].get("identity") for c in r["clients"]] ==
          ["urn:sockdeck:dev:1"] and r["matched"] == 1,
          "filter by identity: %r" % r)
    m = srv.mark()
    got, err = sdtls.s_client(port, pki, b"", lambda b: False, timeout=2,
                              args=["-cert", leaf[0], "-key", leaf[1]])
    ev = srv.wait_event("connect", since=m)
    check(ev["tls"].get("identity") == "urn:sockdeck:dev:1",
          "s_client -cert: connect %r (%s)" % (ev, err[-300:]))
    st = sdtls.status(srv)["tls"]
    check(st["failed"] == 0 and st["client_cert_failed"] == 0,
          "status %r" % st)
    for x in (s, b, g):
        x.close()
    check(srv.stop() == 0, "optional: exit status not 0")


def required_lacking(pki, leaf, bare):
    """Required: a certificate without the chosen field is refused."""
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-require-client-cert",
                                "--tls-identity", "dns", plain=False)
    m = srv.mark()
    try:
        s = sdtls.connect(port, pki, ctx=cert_ctx(pki, *bare))
        sdpeer.expect_eof(s, 5, "a certificate without a DNS name")
    except (ssl.SSLError, ConnectionResetError):
        pass
    e = srv.wait_event("drop", lambda e: str(e.get("reason", ""))
                       .startswith("TLS "), since=m)
    want = "TLS handshake failed: client certificate has no usable DNS name"
    check(e.get("reason") == want, "drop %r, expected %r" % (e, want))
    st = sdtls.wait_tls(srv, "client_cert_failed", 1)
    check(st["failed"] == 1 and st["handshakes"] == 0, "status %r" % st)
    check(not srv.find_events("connect"), "the refused one connected")
    g = sdtls.connect(port, pki, ctx=cert_ctx(pki, *leaf))
    shown(srv, g, SUBJECT, "dev1.example.net", "DNS, required")
    g.close()
    check(srv.stop() == 0, "required: exit status not 0")


def no_resumption(pki, leaf):
    """A clients window's filter matches the identity. A TLS 1.2 client
offering its last session's id or ticket gets a
    full handshake: its certificate is verified again and it keeps its
    identity."""
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-identity", "cn", plain=False)
    ctx = cert_ctx(pki, *leaf)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    session = None
    for i in range(2):
        raw = sdpeer.connect(port)
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1",
                            session=session)
        check(not s.session_reused, "connection %d resumed a session" % i)
        shown(srv, s, SUBJECT, "dev-1", "TLS 1.2 connection %d" % i)
        session = s.session
        s.close()
    check(sdtls.status(srv)["tls"]["handshakes"] == 2, "handshakes")
    check(srv.stop() == 0, "no_resumption: exit status not 0")


def long_fields(pki):
    """A URI of 300 bytes is no identity (an identity is compared whole,
    never cut): admitted without one when not required, refused when
    required. A subject of 10 OUs of 60 bytes is cut to 511 bytes."""
    uri = "urn:x:" + "u" * 294
    ous = "".join("/OU=%02d%s" % (i, "o" * 58) for i in range(10))
    leaf = pki.leaf("long", "/CN=long" + ous, san="URI:" + uri,
                    client=True)
    for req in (False, True):
        args = ["--tls-client-ca", pki.ca, "--tls-identity", "uri"]
        srv, _, port = sdtls.server(pki, *(args + (
            ["--tls-require-client-cert"] if req else [])), plain=False)
        m = srv.mark()
        try:
            s = sdtls.connect(port, pki, ctx=cert_ctx(pki, *leaf))
        except (ssl.SSLError, ConnectionResetError):
            s = None
        if req:
            e = srv.wait_event("drop", since=m)
            check(e.get("reason") == "TLS handshake failed: client "
                  "certificate has no usable URI", "required: %r" % e)
        else:
            ev = srv.client_event(s)
            t = ev["tls"]
            check("identity" not in t and len(t["subject"]) == 511 and
                  t["subject"].startswith("OU=09oo"), "long: %r" % t)
            sdpeer.legacy_reply(s, ev["fd"], "hi", "a long subject")
        if s is not None:
            s.close()
        check(srv.stop() == 0, "long fields: exit status not 0")


def test():
    pki = sdtls.Pki()
    leaf = pki.leaf("dev1", "/CN=dev-1/O=Acme Devices",
                    san="URI:urn:sockdeck:dev:1,DNS:dev1.example.net,"
                    "URI:urn:sockdeck:dev:other", client=True)
    bare = pki.leaf("bare", "/CN=bare", client=True)
    fingerprint_agrees(pki, leaf[0])
    kinds(pki, leaf)
    optional(pki, leaf, bare)
    required_lacking(pki, leaf, bare)
    no_resumption(pki, leaf)
    long_fields(pki)


sdpeer.run(test)
