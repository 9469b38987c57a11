#!/usr/bin/env python3
"""The client detail view of a TLS client says its version and cipher
(`tls`), and with a client certificate (--tls-client-ca) the
certificate's subject and its identity; its connect line in the log
says "connected over TLSv1.3 as IDENTITY"; a hostile CN (ESC, a bidi
override) is shown escaped. A plain client's says `tls  no`. A certificate with an empty subject
and a SAN URI identity shows the identity, its subject "-"."""
import sdpeer
import sdtls
import sdtmux
from sdtmux import check


def detail(d, port, what):
    """Open the detail view of the only client, at local port; its
    lines."""
    d.wait_until(lambda ls: sdtmux.client_row(ls, port) is not None,
                 "the row of " + what)
    d.keys("Down")
    d.wait_until(lambda ls: (sdtmux.client_row(ls, port) or "")
                 .lstrip("\u2502x| ").startswith(">"), what + " selected")
    d.keys("Enter")
    return d.wait_until(lambda ls: sdtmux.detail_field(ls, "tls") is not None,
                        "the detail of " + what)


def dashboard(pki, identity):
    """A dashboard with a plain port and a TLS port asking for client
    certificates, identified by identity. (it, plain port, TLS port)"""
    plain, port = sdpeer.free_ports(2)
    d = sdtmux.Dashboard(140, 40, port=plain, extra=["--ports", "%d,%d" % (
        plain, port)] + pki.server_args([port], "--tls-client-ca", pki.ca,
                                        "--tls-identity", identity)).start()
    d.wait_ready()
    return d, plain, port


def connect(pki, port, cert, key):
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    return sdtls.connect(port, pki, ctx=ctx)


def san_only(pki):
    """A certificate with an empty subject that names its device in a
    SAN URI: its identity is shown (the subject as "-"); the view showed
    neither when the subject was empty."""
    cert, key = pki.leaf("san7", "/", san="URI:urn:dev:7", client=True)
    d, plain, port = dashboard(pki, "uri")
    s = connect(pki, port, cert, key)
    d.wait_for("Clients (1)")
    lines = detail(d, s.getsockname()[1], "the SAN-only client")
    ident = sdtmux.detail_field(lines, "identity")
    subj = sdtmux.detail_field(lines, "cert subject")
    check(ident == "urn:dev:7" and subj == "-",
          "identity %r, subject %r:\n%s" % (ident, subj, d.dump(lines)))
    s.close()


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("dev7", "/CN=dev-7 \x1b[31mX\u202e/O=Acme",
                         client=True)
    d, plain, port = dashboard(pki, "cn")
    s = connect(pki, port, cert, key)
    d.wait_for("Clients (1)")
    lines = detail(d, s.getsockname()[1], "the TLS client")
    tls = sdtmux.detail_field(lines, "tls")
    check(tls == "%s %s" % (s.version(), s.cipher()[0]), "tls: %r" % tls)
    ident = sdtmux.detail_field(lines, "identity")
    check(ident == "dev-7 \\x1b[31mX\\u{202e}", "identity: %r" % ident)
    subj = sdtmux.detail_field(lines, "cert subject")
    check(subj == "O=Acme,CN=dev-7 \\1B[31mX\\u{202e}",
          "cert subject: %r" % subj)
    check(sdtmux.detail_field(lines, "auth") == "certificate",
          "auth: %r" % sdtmux.detail_field(lines, "auth"))
    want = "connected over %s as dev-7 \\x1b[31mX\\u{202e}" % s.version()
    check(want in "\n".join(lines), "its log lacks %r:\n%s"
          % (want, d.dump(lines)))
    d.keys("Escape")
    p = sdpeer.connect(plain)
    d.wait_for("Clients (2)")
    d.wait_until(lambda ls: sdtmux.client_row(ls, p.getsockname()[1]),
                 "the plain client's row")
    d.keys("Down")
    d.wait_until(lambda ls: (sdtmux.client_row(ls, p.getsockname()[1]) or
                             "").lstrip("\u2502x| ").startswith(">"),
                 "the plain client selected")
    d.keys("Enter")
    lines = d.wait_until(lambda ls: sdtmux.detail_field(ls, "tls") == "no",
                         "the plain client's tls: no")
    check(sdtmux.detail_field(lines, "identity") is None,
          "a plain client with an identity")
    p.close()
    s.close()
    d.kill()
    san_only(pki)


sdtmux.run(test)
