#!/usr/bin/env python3
"""TLS settings that cannot serve stop the start with one line that
names the option, and exit status 2, before any port opens: a TLS port
without a certificate and key, or outside --ports; a certificate file
that is missing or a directory or not PEM; a key that is not the
certificate's, or encrypted (refused, never asked for); a cipher list
OpenSSL finds nothing in; versions and timeouts out of range. The same
settings as config-file keys start a server whose TLS port serves, and
--help lists every option."""
import os

import sdpeer
import sdtls
from sdpeer import check


def test():
    pki = sdtls.Pki()
    enc = pki.path("enc.key")
    sdtls.run_openssl(["pkey", "-in", pki.key, "-aes256", "-passout",
                       "pass:secret", "-out", enc], pki.dir)
    plain, tls = sdpeer.free_ports(2)
    conf = pki.path("sockdeckd.conf")
    ports = ["--ports", "%d,%d" % (plain, tls)]
    tp = ["--tls-ports", str(tls)]
    good = ["--tls-cert", pki.chain, "--tls-key", pki.key]
    cases = [
        (tp, "--tls-ports needs --tls-cert and --tls-key", "no cert"),
        (tp + ["--tls-cert", pki.chain], "needs --tls-cert and --tls-key",
         "no key"),
        (["--tls-ports", str(tls + 1)] + good, "--tls-ports: %d is not "
         "one of --ports" % (tls + 1), "a port not listened on"),
        (tp + ["--tls-cert", pki.path("none.pem"), "--tls-key", pki.key],
         "No such file or directory", "missing certificate"),
        (tp + ["--tls-cert", pki.dir, "--tls-key", pki.key],
         "not a regular file", "certificate a directory"),
        (tp + ["--tls-cert", pki.key, "--tls-key", pki.key],
         "not a PEM certificate", "a key as certificate"),
        (tp + ["--tls-cert", pki.chain, "--tls-key", pki.other_key],
         "not the certificate's unencrypted PEM key (key values "
         "mismatch)", "another key"),
        (tp + ["--tls-cert", pki.chain, "--tls-key", enc],
         "not the certificate's unencrypted PEM key", "an encrypted key"),
        (tp + good + ["--tls-ciphers", "NOSUCHCIPHER"],
         '--tls-ciphers "NOSUCHCIPHER": no cipher match', "ciphers"),
        (tp + good + ["--tls-ciphersuites", "TLS_NOPE"],
         '--tls-ciphersuites "TLS_NOPE": no cipher match', "suites"),
        (tp + good + ["--tls-min-version", "1.1"],
         '"1.1": expected 1.2 or 1.3', "version 1.1"),
        (tp + good + ["--tls-handshake-timeout", "0"],
         "not a number from 1 to 600", "timeout 0"),
        (tp + good + ["--tls-handshake-timeout", "601"],
         "not a number from 1 to 600", "timeout 601"),
    ]
    srv = sdpeer.Server(ports=[plain, tls], extra=["--config", conf])
    for args, want, what in cases:
        sdtls.start_refused(srv.dir, ports + args, want, what)

    # the same settings in a config file
    with open(conf, "w") as f:
        f.write("tls-ports = %d\ntls-cert = %s\ntls-key = %s\n"
                "tls-min-version = 1.3\ntls-handshake-timeout = 2\n"
                "tls-ciphersuites = TLS_CHACHA20_POLY1305_SHA256\n"
                % (tls, pki.chain, pki.key))
    srv.start()
    s = sdtls.connect(tls, pki)
    check(s.version() == "TLSv1.3" and
          s.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256",
          "config file's TLS: %s %s" % (s.version(), s.cipher()))
    s.close()
    half = srv.connect(tls)
    sdpeer.expect_eof(half, 6, "the config file's handshake timeout")
    half.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    rc, out, _ = sdpeer.run_cli(["--help"])
    for o in ("ports", "cert", "key", "min-version", "ciphers",
              "ciphersuites", "handshake-timeout"):
        check("--tls-" + o + " " in out, "--help lacks --tls-%s" % o)
    check(os.path.exists(pki.chain), "the certificates went early")


sdpeer.run(test)
