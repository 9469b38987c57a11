#!/usr/bin/env python3
"""Live reload of the client CA (sockdeckd(1): RELOAD): with
--tls-client-ca and --tls-require-client-cert, the CA file is replaced
under the same name by another CA and `ctl reload` says tls-client-ca
changed; a client whose certificate the old CA signed keeps its session
(answered) but a new connection of it is refused ("unable to get local
issuer certificate"), while a client of the new CA, refused before, is
served."""
import shutil
import ssl

import sdpeer
import sdtls
import sdwire
from sdpeer import check

# What OpenSSL says of a chain no trusted CA signed (it depends on what
# the client sends along).
OTHER_CA = ("unable to get local issuer certificate",
            "self-signed certificate in certificate chain")


def ctx_for(pki, leaf):
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(*leaf)
    return ctx


def served(srv, port, pki, leaf, text):
    """A session with leaf's certificate, answered: its socket."""
    s = sdtls.connect(port, pki, ctx=ctx_for(pki, leaf))
    fd = srv.client_event(s)["fd"]
    answered(s, fd, text)
    return s, fd


def answered(s, fd, text):
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text), what=text)


def refused(srv, port, pki, leaf, what):
    mark = srv.mark()
    try:
        s = sdtls.connect(port, pki, ctx=ctx_for(pki, leaf), ragged=False)
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "x"))
        s.recv(100)
        s.close()
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        pass
    e = srv.wait_event("drop", lambda e: "TLS" in str(e.get("reason", "")),
                       since=mark)
    check(any(w in e.get("reason", "") for w in OTHER_CA),
          "%s: drop %r" % (what, e))


def test():
    pki = sdtls.Pki()
    pki.another_ca("ca2")
    old_leaf = pki.leaf("dev1", "/CN=dev-1", client=True)
    new_leaf = pki.leaf("dev2", "/CN=dev-2", ca="ca2", client=True)
    ca = pki.path("clients-ca.pem")
    shutil.copy(pki.ca, ca)
    conf = pki.path("sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("tls-client-ca = %s\ntls-require-client-cert = true\n" % ca)
    ports = sdpeer.free_ports(1)
    srv = sdpeer.Server(ports=ports, extra=pki.server_args(
        ports, "--config", conf)).start()
    port = ports[0]
    s, fd = served(srv, port, pki, old_leaf, "old CA")
    refused(srv, port, pki, new_leaf, "the new CA's client, before")

    shutil.copy(pki.path("ca2.pem"), ca)
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and r.get("changed") == ["tls-client-ca"],
          "reload: %r" % r)
    answered(s, fd, "a session of the old CA after the reload")
    refused(srv, port, pki, old_leaf, "the old CA's client, after")
    t, _ = served(srv, port, pki, new_leaf, "new CA")
    t.close()
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
