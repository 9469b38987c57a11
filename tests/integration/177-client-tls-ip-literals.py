#!/usr/bin/env python3
"""sockdeck --tls to an IP literal (issue 18): an IPv4 address, an IPv6
one in brackets, and an IPv6 one with a zone (`[::1%lo]:PORT`, and
`::1%lo:PORT` without brackets) are checked against the certificate's
IP entries, the zone left out, and never sent as SNI (RFC 6066); a name
is checked as a DNS name and sent. Against sockdeckd with a certificate
for IP ::1 only: [::1] and [::1%lo] pass, 127.0.0.1 is an `IP address
mismatch` and `localhost` (127.0.0.1 here) a `hostname mismatch`.
Against a Python ssl server that records the SNI of each handshake
(--tls-insecure: SNI alone): none for every literal, `localhost` for
the name."""
import queue
import socket
import ssl
import threading

import sdpeer
import sdtls
from sdpeer import check, sockdeck

LITERALS = ("127.0.0.1", "[::1]", "[::1%lo]", "::1%lo")


def v6_server(pki):
    """sockdeckd on 127.0.0.1 and ::1, TLS with a certificate for IP ::1
    only. (the Server, the port)"""
    cert, key = pki.leaf("v6only", "/CN=v6 only", san="IP:::1")
    chain = cert + ".chain"
    with open(chain, "w") as out:
        for n in (cert, pki.ca):
            with open(n) as f:
                out.write(f.read())
    port = sdpeer.free_port()
    srv = sdpeer.Server(ports=[port], with_bind=False, extra=[
        "--bind", "127.0.0.1", "--bind", "::1", "--tls-ports", str(port),
        "--tls-cert", chain, "--tls-key", key])
    return srv.start(), port


class SniServer:
    """A TLS server on [::]:port (IPv4 too) that completes handshakes with
    a certificate for 127.0.0.1, ::1 and localhost, puts each one's SNI
    (None: none) on seen, and closes."""

    def __init__(self, pki):
        cert, key = pki.leaf("sni", "/CN=sni peer",
                             san="IP:127.0.0.1,IP:::1,DNS:localhost")
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = self._sni
        self.seen = queue.Queue()
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind(("::", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._name = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _sni(self, sslobj, name, ctx):
        self._name = name

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self._name = "(no handshake)"
            c.settimeout(5)
            try:
                s = self.ctx.wrap_socket(c, server_side=True)
                self.seen.put(self._name)
                s.close()
            except (ssl.SSLError, OSError) as e:
                self.seen.put("(failed: %s)" % e)
                c.close()


def target(host, port):
    return "%s:%d" % (host, port)


def test():
    pki = sdtls.Pki()
    srv, port = v6_server(pki)
    for host in ("[::1]", "[::1%lo]", "::1%lo"):
        r = sockdeck("--tls", "--tls-ca", pki.ca, "send", target(host, port),
                     "hi")
        check(r.returncode == 0 and r.stdout.strip().endswith(
            "socket] message return success"), "%s: %r" % (host, r))
    shown = "[::1%%lo]:%d" % port
    for host, why, said in (
            ("127.0.0.1", "IP address mismatch", target("127.0.0.1", port)),
            ("localhost", "hostname mismatch", target("localhost", port)),
            ("[::1%lo]", None, shown)):
        args = ["--tls", "--tls-ca", pki.ca]
        if why is None:
            # a check by address: the zone is not what is checked
            args = ["--tls", "--tls-ca", pki.ca, "-v"]
        r = sockdeck(*args, "send", target(host, port), "hi")
        if why is None:
            check(r.returncode == 0 and "server v6 only," in r.stderr,
                  "%s -v: %r" % (host, r))
            continue
        check(r.returncode == 1 and r.stderr == "sockdeck: %s: TLS: "
              "certificate verify failed: %s\n" % (said, why),
              "%s to a certificate for ::1 only: %r" % (host, r))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    peer = SniServer(pki)
    for host, want in [(h, None) for h in LITERALS] + [("localhost",
                                                       "localhost")]:
        # no check here (the first part is about it), SNI alone
        sockdeck("--tls", "--tls-insecure", "--timeout", "3", "send",
                 target(host, peer.port), "hi")
        try:
            got = peer.seen.get(timeout=10)
        except queue.Empty:
            got = "(no connection)"
        check(got == want, "%s: the server saw SNI %r, expected %r"
              % (host, got, want))


sdpeer.run(test, deadline=90)
