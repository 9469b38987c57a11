#!/usr/bin/env python3
"""The Clients table says how each client is secured and identified
(`sec`): at 80x24 in 5 columns, `plain` for any plain client, else how
the TLS client is identified (its registry name, `cert`, `token`) or
`TLS` when it is not, a longer name cut with an ellipsis; at 200
columns in full, the TLS version or `plain` and the identification
(`-` for none). The address column, 15 wide below 140 columns, keeps
127.0.0.1:PORT whole."""
import re

import sdpeer
import sdreg
import sdtls
import sdtmux
import sdwire
from sdtmux import check

PUMP = "02:00:00:00:00:99"
BOILER = "02:00:00:00:00:9a"


def row_of(lines, s):
    return sdtmux.client_row(lines, s.getsockname()[1]) or ""


def rows_say(d, socks, pats, what):
    """Wait until the row of each socket matches its pattern."""
    def ok(ls):
        return all(re.search(p, row_of(ls, s)) for s, p in zip(socks, pats))
    try:
        return d.wait_until(ok, what)
    except sdtmux.TestFailure:
        ls = d.screen()
        for s, p in zip(socks, pats):
            sdtmux.log("want %r in %r" % (p, row_of(ls, s)))
        raise


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("dev9", "/CN=dev-9", client=True)
    d0 = sdtmux.mkdtemp()
    path = sdreg.write(d0, [
        sdreg.line(sdwire.mac(PUMP), "pump7", token=b"tok-p"),
        sdreg.line(sdwire.mac(BOILER), "boiler-12", token=b"tok-b")])
    plain, port = sdpeer.free_ports(2)
    d = sdtmux.Dashboard(80, 24, port=plain, extra=[
        "--ports", "%d,%d" % (plain, port), "--devices", path] +
        pki.server_args([port], "--tls-client-ca", pki.ca,
                        "--tls-identity", "cn")).start()
    d.wait_ready()

    a = d.connect()             # plain, the registry's pump7
    a.sendall(sdwire.hello(sdwire.mac(PUMP), b"a", token=b"tok-p"))
    sdpeer.expect_frame(a, sdwire.T_WELCOME)
    b = sdtls.connect(port, pki)        # TLS, the registry's boiler-12
    b.sendall(sdwire.hello(sdwire.mac(BOILER), b"b", token=b"tok-b"))
    sdpeer.expect_frame(b, sdwire.T_WELCOME)
    c = sdtls.connect(port, pki)        # TLS, nothing said
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    e = sdtls.connect(port, pki, ctx=ctx)       # TLS, a certificate
    socks = [a, b, c, e]
    d.wait_for("Clients (4)")
    tls = b.version().replace("TLSv", "TLS")

    ls = rows_say(d, socks, [r" plain ", r" boil(\u2026|~) ", r" TLS ",
                             r" cert "], "at 80x24 the short sec column")
    heads = sdtmux.clients_rows(ls)[0]
    check(re.search(r"\bsec\b", heads), "no sec heading: %r" % heads)
    # The seed's fields stay: fd, address:port and connect time.
    for s in socks:
        r = row_of(ls, s)
        check(re.search(r"\b\d+ +\d+ +127\.0\.0\.1:%d .* \d\d:\d\d:\d\d "
                        % s.getsockname()[1], r), "at 80x24: %r" % r)
    sdtmux.log(d.dump(ls))

    d.resize(200, 50)
    rows_say(d, socks, [r" plain pump7 ", r" %s boiler-12 " % tls,
                        r" %s - " % tls, r" %s cert " % tls],
             "at 200 columns the whole sec column")
    for s in socks:
        s.close()


sdtmux.run(test)
