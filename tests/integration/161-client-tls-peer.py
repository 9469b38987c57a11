#!/usr/bin/env python3
"""sockdeck --tls against `openssl s_server`, a peer that knows TLS from
OpenSSL and not from sockdeckd (issue 18): connected by name, the client
sends the name as SNI (s_server says "Hostname in TLS extension"), by
address it sends none; with --tls-cert/--tls-key it presents its
certificate (s_server -Verify prints its subject); and a --legacy
message arrives inside the tunnel as the original client's exact
bytes. A required certificate not given is one line: the server's alert
(read even when its reset beats it: 176)."""
import os
import select
import subprocess
import time

import sdpeer
import sdtls
from sdpeer import check, sockdeck

HI = bytes.fromhex("00 00 0e 00 00 00 22 aa bb cc dd ee ff 01 02 00"
                   " 00 00 68 69")


def s_server(pki, port, verify):
    argv = [sdtls.openssl(), "s_server", "-accept", "127.0.0.1:%d" % port,
            "-cert", pki.chain, "-key", pki.key, "-CAfile", pki.ca,
            verify, "1", "-servername", "localhost", "-cert2",
            pki.chain, "-key2", pki.key]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    out = b""
    while b"ACCEPT" not in out and time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            out += os.read(p.stdout.fileno(), 4096)
    check(b"ACCEPT" in out, "s_server did not start: %r" % out)
    return p


def run(pki, target, verify, *more):
    """A legacy "hi" to s_server (asking for a client certificate with
    -verify, requiring one with -Verify) through sockdeck; s_server's
    stdout and stderr."""
    port = sdpeer.free_port()
    p = s_server(pki, port, verify)
    try:
        r = sockdeck("--tls", "--tls-ca", pki.ca, "--legacy", "--device",
                     "aa:bb:cc:dd:ee:ff", "--timeout", "1", *more, "send",
                     "%s:%d" % (target, port), "hi")
        # s_server answers nothing: the client gives up after 1 s
        check(r.returncode == 1 and "no answer from the server" in
              r.stderr, "sockdeck to s_server: %r" % (r,))
    finally:
        time.sleep(0.2)
        p.kill()
        out, err = p.communicate(timeout=10)
    return out, err.decode("utf-8", "replace")


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("client1", "/CN=client-1", client=True)

    out, err = run(pki, "localhost", "-Verify", "--tls-cert", cert, "--tls-key", key)
    check(b'Hostname in TLS extension: "localhost"' in out,
          "no SNI seen by s_server: %r" % out[:400])
    check(b"subject=CN = client-1" in out and "CN = client-1" in err,
          "s_server saw no client certificate: %r %r" % (out[-800:], err))
    check(out.endswith(HI + b"DONE\n") or HI in out,
          "the legacy bytes inside the tunnel: %r" % out[-200:])

    out, err = run(pki, "127.0.0.1", "-verify")
    check(b"Hostname in TLS extension" not in out,
          "SNI sent for an address: %r" % out[:400])
    check(b"subject=" not in out, "a certificate presented unasked: %r"
          % out[-800:])
    check(HI in out, "the legacy bytes by address: %r" % out[-200:])

    # required and not given: the server's alert, in one line
    port = sdpeer.free_port()
    p = s_server(pki, port, "-Verify")
    try:
        r = sockdeck("--tls", "--tls-ca", pki.ca, "send",
                     "127.0.0.1:%d" % port, "hi")
    finally:
        p.kill()
        p.communicate(timeout=10)
    check(r.returncode == 1 and r.stderr ==
          "sockdeck: 127.0.0.1:%d: TLS: tlsv13 alert certificate required\n"
          % port, "no client certificate: %r" % (r,))


sdpeer.run(test)
