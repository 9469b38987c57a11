#!/usr/bin/env python3
"""sockdeck --tls-cert/--tls-key against a sockdeckd that requires a
client certificate (--tls-client-ca, --tls-require-client-cert, issue
18): with its certificate the client is admitted, its message answered,
and the server's connect event names the certificate's subject and its
identity (--tls-identity cn); without one the server's refusal is one
line with status 1, never a hang: the alert's reason (`certificate
required`)."""
import sdpeer
import sdtls
from sdpeer import check, sockdeck


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("dev1", "/CN=dev-1", client=True)
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-require-client-cert",
                                "--tls-identity", "cn", plain=False)
    ip = "127.0.0.1:%d" % port

    mark = srv.mark()
    r = sockdeck("--tls", "--tls-ca", pki.ca, "--tls-cert", cert,
                 "--tls-key", key, "send", ip, "hi")
    check(r.returncode == 0 and r.stdout.strip().endswith(
        "socket] message return success"), "with a certificate: %r" % (r,))
    ev = srv.wait_event("connect", lambda e: e.get("port") == port,
                        since=mark)
    t = ev.get("tls", {})
    check(t.get("subject") == "CN=dev-1" and t.get("identity") == "dev-1",
          "the server saw %r" % ev)

    r = sockdeck("--tls", "--tls-ca", pki.ca, "--timeout", "5", "send", ip,
                 "hi")
    # TLS 1.3 refuses after the client's handshake is done: the alert
    # comes while the client writes HELLO, and is read even when the
    # server's close reset the connection first (176 runs it many times)
    check(r.returncode == 1 and r.stdout == "" and r.stderr ==
          "sockdeck: %s: TLS: tlsv13 alert certificate required\n" % ip,
          "without a certificate: %r" % (r,))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
