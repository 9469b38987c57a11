#!/usr/bin/env python3
"""The client screen refused by a sockdeckd that requires a client
certificate (--tls-require-client-cert, issue 18): the server's alert
is the reason, on the connection bar and in one `error` entry per try
(`TLS: tlsv13 alert certificate required` without a certificate, `TLS:
tlsv1 alert unknown ca` with one of another CA), never `closed by the
server`, at each of several ^O Enter; the state stays `unconnected`.
TLS 1.2 too (the client held to it by an OpenSSL configuration):
`TLS: sslv3 alert handshake failure`. With a good certificate it
connects."""
import re

import sdtls
import sdtmux
from sdtmux import check

TRIES = 6


def refused(port, pki, alert, what, extra=(), env=None):
    c = sdtmux.ClientTui(120, 40, env=env, args=[
        "--tls", "--tls-ca", pki.ca] + list(extra) + [
        "127.0.0.1:%d" % port]).start()
    c.wait_ready()
    want = "TLS: " + alert
    for i in range(1, TRIES + 1):
        if i > 1:
            c.keys("C-o")
            c.wait_until(lambda ls: "Recent" in "\n".join(ls) or
                         "Enter" in ls[-1], what + ": ^O")
            c.keys("Enter")
        c.wait_entry("error", want, n=i, timeout=15,
                     what="%s, try %d: `%s` in an `error` entry"
                     % (what, i, want))
    lines = c.wait_state("unconnected", what=what + ": unconnected")
    text = "\n".join(lines)
    check("closed by the server" not in text, "%s: a try said `closed by "
          "the server`:\n%s" % (what, c.dump(lines)))
    check(len(c.find_entries("error", re.compile("."), lines)) == TRIES,
          "%s: not one error entry per try:\n%s" % (what, c.dump(lines)))
    check(want in c.conn_bar(lines), "%s: the bar %r" % (what,
                                                          c.conn_bar(lines)))
    c.keys("F10")
    check(c.wait_exit() == 0, "%s: exit status after F10" % what)


def test():
    pki = sdtls.Pki()
    good = pki.leaf("dev1", "/CN=dev-1", client=True)
    pki.another_ca("rogue")
    bad = pki.leaf("bad", "/CN=dev-1", ca="rogue", client=True)
    args = ("--tls-client-ca", pki.ca, "--tls-require-client-cert")
    srv, _, port = sdtls.server(pki, *args, plain=False)
    refused(port, pki, "tlsv13 alert certificate required",
            "TLS 1.3, no certificate")
    refused(port, pki, "tlsv1 alert unknown ca",
            "TLS 1.3, a certificate of another CA",
            extra=["--tls-cert", bad[0], "--tls-key", bad[1]])
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")

    # a new server: the throttle allows 30 failed handshakes a minute
    srv, _, port = sdtls.server(pki, *args, plain=False)
    refused(port, pki, "sslv3 alert handshake failure",
            "TLS 1.2, no certificate",
            env={"OPENSSL_CONF": sdtls.tls12_conf(pki)})
    c = sdtmux.ClientTui(120, 40, args=[
        "--tls", "--tls-ca", pki.ca, "--tls-cert", good[0], "--tls-key",
        good[1], "127.0.0.1:%d" % port]).start()
    c.wait_ready()
    c.wait_state("connected", what="a good certificate: connected")
    c.keys("F10")
    check(c.wait_exit() == 0, "exit status after F10")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=85)
