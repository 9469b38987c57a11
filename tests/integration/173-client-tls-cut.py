#!/usr/bin/env python3
"""sockdeck --tls --tls-insecure names the real reason when a TLS
connection fails (issue 18 review). OpenSSL records its certificate
check even when --tls-insecure turned it off: `openssl s_server -Verify`
refusing a client without a certificate (its alert) was said as
"certificate verify failed: unable to get local issuer certificate".
And a server that closes before the handshake left errno at 0, and the
client printed "Success"."""
import socket
import subprocess
import threading

import sdpeer
import sdtls
from sdpeer import check, sockdeck


def run(port, n):
    """What sockdeck --tls --tls-insecure says of n connections to
    127.0.0.1:port: the reasons it printed."""
    got = []
    for _ in range(n):
        r = sockdeck("--tls", "--tls-insecure", "--timeout", "5", "send",
                     "127.0.0.1:%d" % port, "hi", timeout=30)
        prefix = "sockdeck: 127.0.0.1:%d: " % port
        check(r.returncode == 1 and r.stderr.startswith(prefix) and
              r.stderr.count("\n") == 1, "127.0.0.1:%d: %r" % (port, r))
        got.append(r.stderr[len(prefix):-1])
    return got


def required_cert(pki):
    """s_server requires a client certificate; the client has none."""
    port = sdpeer.free_port()
    p = subprocess.Popen([sdtls.openssl(), "s_server", "-accept",
                          "127.0.0.1:%d" % port, "-cert", pki.chain,
                          "-key", pki.key, "-CAfile", pki.ca, "-Verify",
                          "1"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = b""
        while b"ACCEPT" not in line:
            line = p.stdout.readline()
            check(line != b"", "s_server did not start")
        got = run(port, 2)
    finally:
        p.kill()
        p.communicate(timeout=10)
    for why in got:
        check(why in ("TLS: tlsv13 alert certificate required",
                      "closed by the server"),
              "a required certificate, under --tls-insecure: %r" % why)


def closes(ls, n):
    for _ in range(n):
        s, _ = ls.accept()
        s.close()


def closed_first():
    """A TCP server that closes each connection before reading."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    th = threading.Thread(target=closes, args=(ls, 10), daemon=True)
    th.start()
    got = run(ls.getsockname()[1], 10)
    th.join(10)
    ls.close()
    for why in got:
        check(why in ("closed by the server", "Connection reset by peer"),
              "a close before the handshake: %r" % why)


def test():
    required_cert(sdtls.Pki())
    closed_first()


sdpeer.run(test)
