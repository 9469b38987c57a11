#!/usr/bin/env python3
"""Mutual TLS settings that cannot serve stop the start with one line
that names the option, exit status 2, before any port opens: a client CA
file that is missing, a directory, a FIFO (which must not hang the start
waiting for a writer), not PEM, or a key with no certificate in it;
--tls-require-client-cert or --tls-identity without --tls-client-ca;
--tls-client-ca without a TLS port; an unknown --tls-identity. A FIFO
given as --tls-cert does not hang the start either. The same settings
as config-file keys start a server that asks for certificates, and
--help lists the options."""
import os

import sdpeer
import sdtls
from sdpeer import check


def test():
    pki = sdtls.Pki()
    fifo = pki.path("fifo.pem")
    os.mkfifo(fifo)
    plain, tls = sdpeer.free_ports(2)
    ports = ["--ports", "%d,%d" % (plain, tls)]
    good = ["--tls-ports", str(tls), "--tls-cert", pki.chain, "--tls-key",
            pki.key]
    ca = ["--tls-client-ca", pki.ca]
    cases = [
        (good + ["--tls-client-ca", pki.path("none.pem")],
         "--tls-client-ca %s: No such file or directory"
         % pki.path("none.pem"), "missing CA"),
        (good + ["--tls-client-ca", pki.dir], "not a regular file",
         "CA a directory"),
        (good + ["--tls-client-ca", fifo], "--tls-client-ca %s: not a "
         "regular file" % fifo, "CA a FIFO"),
        (good + ["--tls-client-ca", pki.path("ext")],
         "--tls-client-ca %s: not PEM CA certificates" % pki.path("ext"),
         "CA not PEM"),
        (good + ["--tls-client-ca", pki.key], "not PEM CA certificates",
         "a key as CA"),
        (good + ["--tls-require-client-cert"], "--tls-require-client-cert "
         "and --tls-identity need --tls-client-ca", "require without CA"),
        (good + ["--tls-identity", "cn"], "need --tls-client-ca",
         "identity without CA"),
        (ca, "--tls-client-ca needs --tls-ports", "CA without TLS port"),
        (good + ca + ["--tls-identity", "email"], '"email": expected '
         'fingerprint, cn, uri or dns', "unknown identity"),
        (["--tls-ports", str(tls), "--tls-cert", fifo, "--tls-key",
          pki.key], "--tls-cert %s: not a regular file" % fifo,
         "certificate a FIFO"),
    ]
    conf = pki.path("sockdeckd.conf")
    srv = sdpeer.Server(ports=[plain, tls], extra=["--config", conf])
    for args, want, what in cases:
        sdtls.start_refused(srv.dir, ports + args, want, what)

    with open(conf, "w") as f:
        f.write("tls-ports = %d\ntls-cert = %s\ntls-key = %s\n"
                "tls-client-ca = %s\ntls-require-client-cert = true\n"
                "tls-identity = cn\n" % (tls, pki.chain, pki.key, pki.ca))
    srv.start()
    cert, key = pki.leaf("dev", "/CN=from-file", client=True)
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    s = sdtls.connect(tls, pki, ctx=ctx)
    ev = srv.client_event(s)
    check(ev["tls"].get("identity") == "from-file", "connect %r" % ev)
    s.close()
    m = srv.mark()
    got, err = sdtls.s_client(tls, pki, b"", lambda b: False, timeout=2)
    srv.wait_event("drop", lambda e: "peer did not return a certificate"
                   in str(e.get("reason")), since=m)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    rc, out, _ = sdpeer.run_cli(["--help"])
    for o in ("client-ca", "require-client-cert", "identity"):
        check("--tls-" + o + " " in out or "--tls-" + o + "\n" in out,
              "--help lacks --tls-%s" % o)


sdpeer.run(test)
