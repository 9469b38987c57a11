#!/usr/bin/env python3
"""The name check of sockdeck --tls (issue 18): a sockdeckd whose
certificate is for other.example only is refused by address and by name,
in one line with OpenSSL's mismatch reason and status 1; --tls-insecure
connects to it all the same (still TLS: the server sees the session) and
-v says INSECURE. A certificate whose CN holds an ESC sequence and bidi
controls is shown escaped (-v) and never raw."""
import os

import sdpeer
import sdtls
from sdpeer import check, sockdeck

HOSTILE = "evil\x1b[31mred\u202egnp.exe"


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("other", "/CN=other", san="DNS:other.example")
    srv, port = sdtls.leaf_server(pki, cert, key)
    for host, why in (("127.0.0.1", "IP address mismatch"),
                      ("localhost", "hostname mismatch")):
        r = sockdeck("--tls", "--tls-ca", pki.ca, "send",
                     "%s:%d" % (host, port), "hi")
        check(r.returncode == 1 and r.stdout == "" and
              r.stderr == "sockdeck: %s:%d: TLS: certificate verify failed: "
              "%s\n" % (host, port, why), "%s: %r" % (host, r))

    r = sockdeck("--tls", "--tls-insecure", "-v", "send",
                 "127.0.0.1:%d" % port, "hi")
    check(r.returncode == 0 and r.stdout.strip().endswith(
        "socket] message return success"), "--tls-insecure: %r" % (r,))
    check("server other," in r.stderr and "(INSECURE: not verified)" in
          r.stderr, "-v of --tls-insecure: %r" % r.stderr)
    ev = srv.wait_event("connect", lambda e: e.get("port") == port and
                        "tls" in e)
    check(ev["tls"].get("version", "").startswith("TLSv1."),
          "--tls-insecure is still TLS: %r" % ev)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    cert, key = sdtls.utf8_leaf(pki, "evil", HOSTILE)
    srv, port = sdtls.leaf_server(pki, cert, key)
    r = sockdeck("--tls", "--tls-ca", pki.ca, "-v", "send",
                 "127.0.0.1:%d" % port, "hi")
    check(r.returncode == 0, "hostile CN: %r" % (r,))
    check("\x1b" not in r.stderr and "\u202e" not in r.stderr and
          "server evil\\x1b[31mred\\u{202e}gnp.exe," in r.stderr,
          "the hostile CN not escaped: %r" % r.stderr)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    os.unlink(cert)


sdpeer.run(test)
