#!/usr/bin/env python3
"""Live reload of the TLS certificate (sockdeckd(1): RELOAD). The
certificate and key files are replaced under the same names and
`sockdeckd ctl reload` run: it says tls-cert changed (the bytes, not the
name), a TLS connection opened before stays up and is answered, and a
new connection is served the new certificate. Then a key that is not
the certificate's, and a certificate file that is gone: ctl reload exits
1 with the reason, the certificate in force is still served, and a
reply format changed in the same edit did not apply."""
import os
import shutil

import sdpeer
import sdtls
import sdwire
from sdpeer import check

NEW_FMT = "new format {text}"


def write_conf(path, cert, key, tls_port, more=""):
    with open(path, "w") as f:
        f.write("tls-ports = %d\ntls-cert = %s\ntls-key = %s\n%s"
                % (tls_port, cert, key, more))


def peer_cert(port, pki):
    s = sdtls.connect(port, pki)
    der = s.getpeercert(binary_form=True)
    s.close()
    return der


def pem_der(path):
    """The first certificate of a PEM file, as DER."""
    import ssl
    with open(path) as f:
        text = f.read()
    end = text.index("-----END CERTIFICATE-----") + 25
    return ssl.PEM_cert_to_DER_cert(text[:end])


def reload_cli(srv):
    return sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "reload"])


def legacy_ok(s, fd, text, fmt=sdpeer.REPLY_FMT):
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text, fmt), what=text)


def test():
    pki = sdtls.Pki()
    new_pem, new_key = pki.leaf("server2", "/CN=127.0.0.1",
                                san="IP:127.0.0.1,DNS:localhost")
    work = pki.path("live")
    os.mkdir(work)
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    shutil.copy(pki.chain, cert)
    shutil.copy(pki.key, key)
    conf = os.path.join(work, "sockdeckd.conf")
    plain, tls = sdpeer.free_ports(2)
    write_conf(conf, cert, key, tls)
    srv = sdpeer.Server(ports=[plain, tls],
                        extra=["--config", conf]).start()
    old_der = pem_der(pki.cert)
    check(peer_cert(tls, pki) == old_der, "not the first certificate")

    before = sdtls.connect(tls, pki)
    fd = srv.client_event(before)["fd"]
    legacy_ok(before, fd, "before")

    # New bytes under the same names.
    with open(cert, "w") as out:
        for n in (new_pem, pki.ca):
            with open(n) as f:
                out.write(f.read())
    shutil.copy(new_key, key)
    rc, out, err = reload_cli(srv)
    check(rc == 0, "ctl reload: %d %r %r" % (rc, out, err))
    check("changed: tls-cert" in out.splitlines(),
          "ctl reload does not say tls-cert changed: %r" % out)
    srv.wait_event("reload", lambda e: e.get("state") == "ok")
    legacy_ok(before, fd, "after the reload")
    new_der = pem_der(new_pem)
    check(peer_cert(tls, pki) == new_der,
          "a new connection does not get the new certificate")
    legacy_ok(before, fd, "still")

    # A key that is not the certificate's, with a reply format: neither
    # applies.
    shutil.copy(pki.other_key, key)
    write_conf(conf, cert, key, tls, "reply-format = %s\n" % NEW_FMT)
    mark = srv.mark()
    rc, out, err = reload_cli(srv)
    check(rc == 1, "ctl reload with a wrong key: status %d" % rc)
    check("tls-key" in err and out == "",
          "ctl reload with a wrong key: %r %r" % (out, err))
    e = srv.wait_event("reload", since=mark)
    check(e.get("state") == "failed" and "tls-key" in e.get("reason", ""),
          "reload event: %r" % e)
    check(peer_cert(tls, pki) == new_der,
          "the certificate in force changed on a failed reload")
    legacy_ok(before, fd, "after a failed reload")
    s = srv.connect(plain)
    legacy_ok(s, srv.client_event(s)["fd"], "a new plain client")
    s.close()

    # A certificate file that is gone.
    shutil.copy(new_key, key)
    write_conf(conf, os.path.join(work, "gone.pem"), key, tls,
               "reply-format = %s\n" % NEW_FMT)
    rc, out, err = reload_cli(srv)
    check(rc == 1 and "gone.pem" in err and "No such file" in err,
          "ctl reload with a missing certificate: %d %r %r" % (rc, out, err))
    check(peer_cert(tls, pki) == new_der,
          "the certificate in force changed on a failed reload")
    legacy_ok(before, fd, "after a second failed reload")
    before.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
