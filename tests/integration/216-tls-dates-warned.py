#!/usr/bin/env python3
"""A certificate out of its dates is said at start and at each reload,
one `error` event at level warning that names it, the day and what it
does: the server's own certificate expired ("--tls-cert: the server's
certificate "127.0.0.1" expired on 2020-01-02: clients that check it
refuse the server"), a CA of --tls-client-ca expired ("no client
certificate verifies through it"). Valid certificates say nothing. The
server still starts and serves: an expired certificate is the
operator's to replace, not a reason to refuse every device."""
import os
import shutil

import sdpeer
import sdtls
from sdpeer import check

SERVER_OLD = ('--tls-cert: the server\'s certificate "127.0.0.1" expired '
              'on 2020-01-02: clients that check it refuse the server')
CA_OLD = ('--tls-client-ca: CA "sockdeck old CA old" expired on '
          '2020-01-02: no client certificate verifies through it')


def dates_events(srv, since=0):
    return [e for e in srv.find_events("error", since=since)
            if "expired on" in str(e.get("reason", ""))
            or "not valid before" in str(e.get("reason", ""))]


def warned(srv, text, since=0, what=""):
    e = srv.wait_event("error", lambda e: e.get("reason") == text,
                       since=since)
    check(e.get("level") == "warning", "%s: %r is not a warning" % (what, e))


def main():
    pki = sdtls.Pki()
    old_ca = pki.expired_ca("old")
    old_cert, old_key = pki.leaf("oldsrv", "/CN=127.0.0.1",
                                 san="IP:127.0.0.1", expired=True)

    # Valid: nothing said.
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca)
    s = sdtls.connect(port, pki)
    s.close()
    check(dates_events(srv) == [], "valid certificates: %r"
          % dates_events(srv))
    srv.stop()

    # The server's own certificate expired: said, and it still serves.
    ports = sdpeer.free_ports(1)
    srv = sdpeer.Server(ports=ports, extra=[
        "--tls-ports", str(ports[0]), "--tls-cert", old_cert,
        "--tls-key", old_key]).start()
    warned(srv, SERVER_OLD, what="expired --tls-cert")
    ctx = sdtls.context(pki)
    ctx.check_hostname = False
    ctx.verify_mode = sdtls.ssl.CERT_NONE
    s = sdtls.connect(ports[0], pki, ctx=ctx)
    s.close()
    srv.stop()

    # An expired client CA, put in force by a reload.
    ca = pki.path("clientca.pem")
    shutil.copy(pki.ca, ca)
    srv, _, port = sdtls.server(pki, "--tls-client-ca", ca)
    check(dates_events(srv) == [], "valid client CA: %r"
          % dates_events(srv))
    with open(ca, "a") as out, open(old_ca) as f:
        out.write(f.read())
    m = srv.mark()
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True, "reload: %r" % r)
    warned(srv, CA_OLD, since=m, what="expired CA after reload")
    # Each reload says it again while it holds.
    m = srv.mark()
    check(srv.ctl({"cmd": "reload"}).get("ok") is True, "second reload")
    warned(srv, CA_OLD, since=m, what="second reload")
    # Back to valid: nothing more.
    shutil.copy(pki.ca, ca)
    m = srv.mark()
    check(srv.ctl({"cmd": "reload"}).get("ok") is True, "third reload")
    srv.wait_event("reload", since=m)
    check(dates_events(srv, since=m) == [], "valid again: %r"
          % dates_events(srv, since=m))
    srv.stop()
    os.remove(ca)


if __name__ == "__main__":
    sdpeer.run(main)
