#!/usr/bin/env python3
"""The client screen over TLS, against a hostile certificate and across
a reconnect (issue 18). A server certificate whose CN holds an ESC
sequence and a right-to-left override shows escaped on the connection
bar and in the `connected to` entry (`\\x1b`, `\\u{202e}`), never raw.
With --reconnect, a TLS server that goes away and comes back on the same
port is reached again over TLS: `connected`, the lock and the version
on the bar once more."""
import sdtls
import sdtmux
from sdtmux import check

LOCK = "\U0001f512"
HOSTILE = "evil\x1b[31mred\u202egnp.exe"
SHOWN = "evil\\x1b[31mred\\u{202e}gnp.exe"


def test():
    pki = sdtls.Pki()

    cert, key = sdtls.utf8_leaf(pki, "evil", HOSTILE)
    srv, port = sdtls.leaf_server(pki, cert, key)
    what = "hostile CN"
    c = sdtmux.ClientTui(132, 30, args=["--tls", "--tls-ca", pki.ca,
                                        "127.0.0.1:%d" % port]).start()
    c.wait_ready()
    lines = c.wait_state("connected", what=what + ": connected")
    bar = c.conn_bar(lines)
    check(LOCK + " TLSv1.3 " + SHOWN + " until 20" in bar,
          "%s: the bar %r" % (what, bar))
    c.wait_entry("info", "server " + SHOWN + ", certificate until",
                 what=what + ": the `connected to` entry")
    raw = "\n".join(c.screen(escapes=True))
    check("\x1b[31mred" not in raw and "\u202e" not in raw,
          "%s: the CN reached the terminal raw" % what)
    c.keys("F10")
    check(c.wait_exit() == 0, "%s: exit status after F10" % what)
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")

    what = "--reconnect over TLS"
    srv, port = sdtls.leaf_server(pki, pki.cert, pki.key)
    c = sdtmux.ClientTui(100, 30, args=["--tls", "--tls-ca", pki.ca,
                                        "--reconnect",
                                        "127.0.0.1:%d" % port]).start()
    c.wait_ready()
    c.wait_state("connected", what=what + ": connected")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")
    c.wait_until(lambda ls: "reconnecting in" in c.conn_bar(ls),
                 what + ": `reconnecting in` on the bar")
    srv, _ = sdtls.leaf_server(pki, pki.cert, pki.key, port=port)
    lines = c.wait_state("connected", timeout=15,
                         what=what + ": connected again")
    check(LOCK + " TLSv1.3 127.0.0.1" in c.conn_bar(lines),
          "%s: the bar after the reconnect %r" % (what, c.conn_bar(lines)))
    c.wait_entry("info", "TLSv1.3, server 127.0.0.1", n=2,
                 what=what + ": two TLS `connected to` entries")
    c.keys("F10")
    check(c.wait_exit() == 0, "%s: exit status after F10" % what)
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
