#!/usr/bin/env python3
"""`sockdeckd ctl clients` (the table, not --json) says how each client
is identified, in the column IDENT before TLS, in the dashboard's words:
its registry name (--devices), `cert` (a client certificate), `token`
(--token), `-` for none (and for a client that has not given the
--token); TLS stays last (`-` on a plain port, else the version, and a
certificate's identity and subject)."""
import re
import tempfile

import sdpeer
import sdreg
import sdtls
import sdwire
from sdpeer import check

PUMP = sdwire.mac("02:00:00:00:01:67")


def table(srv):
    """{id: (IDENT, TLS)} from the ctl clients table, and its header."""
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "clients"])
    check(rc == 0, "ctl clients: %r %r" % (out, err))
    lines = out.splitlines()
    check(re.search(r"\bRATE +IDENT +TLS$", lines[0]),
          "ctl clients header: %r" % lines[0])
    rows = {}
    for ln in lines[1:]:
        m = re.match(r"(\d+) .*/s (\S+) +(.*)$", ln)
        check(m, "ctl clients row: %r" % ln)
        rows[int(m.group(1))] = (m.group(2), m.group(3))
    return rows


def says(srv, socks_want, what):
    rows = table(srv)
    for s, want in socks_want:
        i = srv.client_event(s)["id"]
        check(rows.get(i) == want, "%s: client #%d is %r, expected %r"
              % (what, i, rows.get(i), want))


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("dev9", "/CN=dev-9", client=True)
    path = sdreg.write(tempfile.mkdtemp(prefix="sd167-"),
                       [sdreg.line(PUMP, "pump-167", token=b"tok")])
    srv, plain, port = sdtls.server(pki, "--devices", path,
                                    "--tls-client-ca", pki.ca,
                                    "--tls-identity", "cn")
    a = srv.connect(plain)
    a.sendall(sdwire.hello(PUMP, b"a", token=b"tok"))
    sdpeer.expect_frame(a, sdwire.T_WELCOME)
    b = sdtls.connect(port, pki)
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    e = sdtls.connect(port, pki, ctx=ctx)
    ver = b.version()
    says(srv, [(a, ("pump-167", "-")), (b, ("-", ver)),
               (e, ("cert", '%s dev-9 "CN=dev-9"' % ver))],
         "--devices and a client CA")
    for s in (a, b, e):
        s.close()
    srv.stop()

    srv = sdpeer.Server(extra=["--token", "sekrit"]).start()
    t = srv.connect()
    t.sendall(sdwire.hello(PUMP, b"t", token=b"sekrit"))
    sdpeer.expect_frame(t, sdwire.T_WELCOME)
    leg = srv.connect()
    sdpeer.legacy_reply(leg, srv.client_event(leg)["fd"], "hi",
                        "a legacy client")
    says(srv, [(t, ("token", "-")), (leg, ("-", "-"))], "--token")
    t.close()
    leg.close()


sdpeer.run(test)
