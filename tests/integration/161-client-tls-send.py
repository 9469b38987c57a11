#!/usr/bin/env python3
"""sockdeck --tls against a sockdeckd TLS port (issue 18): send gets the
reply with --tls-ca (by address and by name), and -v says the version,
cipher, the server's CN and the expiry on stderr; --legacy over TLS gets
the original's reply; send-file is stored and verified; sensor readings
are acknowledged, and legacy ones (unacknowledged) all stored. --tls to a plain port says the handshake timed out
and asks whether it is a TLS port; a refused connect says so. Without --tls-ca the test CA is not trusted: one line
naming the target and the verify reason, status 1. The --tls-* options
without --tls, a missing CA file, a certificate without its key or with
another key: status 2 and one line naming the option and the file."""
import os
import tempfile
import time

import sdpeer
import sdtls
from sdpeer import check, sockdeck

DEV = "aa:bb:cc:dd:ee:01"


def one_line(r, what):
    check(r.stderr.count("\n") == 1 and r.stdout == "",
          "%s: not one line on stderr: %r" % (what, r))


def test():
    pki = sdtls.Pki()
    srv, plain, port = sdtls.server(pki)
    ip = "127.0.0.1:%d" % port
    tls = ["--tls", "--tls-ca", pki.ca, "--device", DEV]

    for target in (ip, "localhost:%d" % port):
        r = sockdeck(*tls, "-v", "send", target, "door", "open")
        check(r.returncode == 0 and r.stdout.strip().endswith(
            "socket] message return success"), "send %s: %r" % (target, r))
        check(r.stderr.startswith("sockdeck: TLS TLSv1.") and
              ", server 127.0.0.1, certificate until 20" in r.stderr and
              "INSECURE" not in r.stderr and r.stderr.count("\n") == 1,
              "-v said %r" % r.stderr)
    ev = srv.wait_event("connect", lambda e: e.get("port") == port)
    check(ev.get("tls", {}).get("version", "").startswith("TLSv1."),
          "the server saw no TLS client: %r" % ev)

    r = sockdeck(*tls, "--legacy", "send", ip, "hi")
    check(r.returncode == 0 and r.stdout.strip().endswith(
        "socket] message return success"), "legacy over TLS: %r" % (r,))

    d = tempfile.mkdtemp(prefix="sdctls-")
    path = os.path.join(d, "blob.bin")
    data = os.urandom(3 << 20)
    with open(path, "wb") as f:
        f.write(data)
    r = sockdeck(*tls, "send-file", ip, path)
    check(r.returncode == 0 and "blob.bin: stored as blob.bin" in r.stdout,
          "send-file over TLS: %r" % (r,))
    with open(os.path.join(srv.files_dir, "blob.bin"), "rb") as f:
        check(f.read() == data, "the stored file differs")

    r = sockdeck(*tls, "sensor", ip, "1.5", "2.5", "--count", "50",
                 "--channel", "tls")
    check(r.returncode == 0 and "100 readings acknowledged" in r.stdout,
          "sensor over TLS: %r" % (r,))

    # legacy readings have no acknowledgement: all of them must be out
    # of the TLS layer before the client closes
    r = sockdeck(*tls, "--legacy", "sensor", ip, "7.25", "--count", "300")
    check(r.returncode == 0 and "300 readings sent" in r.stdout,
          "legacy sensor over TLS: %r" % (r,))
    deadline = time.monotonic() + 10
    while True:
        got = [sdpeer.parse_reading(l) for l in srv.readings_lines()]
        got = [g for g in got if g["device"] == DEV and g["value"] == 7.25]
        if len(got) == 300 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(len(got) == 300, "legacy readings over TLS stored: %d of 300"
          % len(got))

    # the test CA is no system CA
    r = sockdeck("--tls", "send", ip, "hi")
    one_line(r, "untrusted")
    check(r.returncode == 1 and r.stderr.startswith(
        "sockdeck: %s: TLS: certificate verify failed: " % ip) and
        ("self-signed certificate in certificate chain" in r.stderr or
         "unable to get local issuer certificate" in r.stderr),
        "untrusted CA: %r" % (r,))
    # nor is another CA
    other = pki.another_ca("other")
    r = sockdeck("--tls", "--tls-ca", other, "send", ip, "hi")
    one_line(r, "other CA")
    check(r.returncode == 1 and "certificate verify failed" in r.stderr,
          "another CA: %r" % (r,))

    # a plain port waits for a frame: the handshake never ends
    r = sockdeck("--tls", "--tls-ca", pki.ca, "--timeout", "1", "send",
                 "127.0.0.1:%d" % plain, "hi")
    one_line(r, "plain port")
    check(r.returncode == 1 and r.stderr == "sockdeck: 127.0.0.1:%d: TLS: "
          "handshake timed out (is it a TLS port?)\n" % plain,
          "--tls to a plain port: %r" % (r,))
    # a refused connect is said as without TLS (libevent reports it as
    # the end of the stream the handshake was to run on)
    nobody = sdpeer.free_port()
    r = sockdeck("--tls", "--tls-ca", pki.ca, "send",
                 "127.0.0.1:%d" % nobody, "hi")
    check(r.returncode == 1 and r.stderr == "sockdeck: 127.0.0.1:%d: "
          "connection refused\n" % nobody, "--tls, refused: %r" % (r,))

    # the options alone are no TLS; bad files stop before connecting
    for args, want in (
            (["--tls-ca", pki.ca], "need --tls"),
            (["--tls-insecure"], "need --tls"),
            (["--tls", "--tls-ca", "/nonexistent/ca.pem"],
             "--tls-ca /nonexistent/ca.pem: "),
            (["--tls", "--tls-ca", pki.key], "--tls-ca %s: " % pki.key),
            (["--tls", "--tls-cert", pki.cert],
             "--tls-cert and --tls-key go together"),
            (["--tls", "--tls-cert", pki.cert, "--tls-key",
              pki.other_key], "--tls-key %s: " % pki.other_key),
            (["--tls", "--tls-cert", pki.key, "--tls-key", pki.key],
             "--tls-cert %s: " % pki.key)):
        r = sockdeck(*args, "send", ip, "hi")
        one_line(r, " ".join(args))
        check(r.returncode == 2 and want in r.stderr,
              "%s: status %d, %r (want %r)" % (args, r.returncode, r.stderr,
                                               want))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
