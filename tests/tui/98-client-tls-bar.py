#!/usr/bin/env python3
"""The client screen over TLS (issue 18): connected with --tls
--tls-ca, the connection bar shows the lock, the version and the
server certificate's CN within 80 columns, and its expiry date too where
there is room (120); the `connected to` entry says it all. --tls-insecure
puts INSECURE on the bar in red, and under NO_COLOR the word without
colour. In a C locale the lock is `[lock]` (the CN cut to fit). A certificate the client
does not trust (no --tls-ca) leaves `unconnected`, and the reason in one
`error` entry; F10 gives the terminal back."""
import re

import sdtls
import sdtmux
from sdtmux import check

LOCK = "\U0001f512"


def connect(srv_port, pki, w, h, what, env=None, extra=()):
    args = ["--tls"] + (["--tls-ca", pki.ca] if pki else []) + list(extra)
    c = sdtmux.ClientTui(w, h, args=args + ["127.0.0.1:%d" % srv_port],
                         env=env).start()
    c.wait_ready()
    return c


def quit_restored(c, what):
    c.keys("F10")
    st = c.wait_exit()
    check(st == 0, "%s: exit status %r after F10" % (what, st))
    sdtmux.check_restored(c, what, lambda l: "Conversation" in l)


def check_width(c, lines, w, what):
    check(all(sdtmux.display_width(l) <= w for l in lines),
          "%s: a line wider than %d columns:\n%s" % (what, w, c.dump(lines)))


def test():
    pki = sdtls.Pki()
    srv, _, port = sdtls.server(pki, plain=False)

    what = "80x24 --tls --tls-ca"
    c = connect(port, pki, 80, 24, what)
    lines = c.wait_state("connected", what=what + ": connected")
    bar = c.conn_bar(lines)
    check(LOCK + " TLSv1.3 127.0.0.1" in bar and "INSECURE" not in bar,
          "%s: the bar %r lacks the lock, version and CN" % (what, bar))
    check_width(c, lines, 80, what)
    c.resize(120, 40)
    lines = c.wait_until(lambda ls: "until 20" in c.conn_bar(ls),
                         what + ": the expiry at 120 columns")
    check(LOCK + " TLSv1.3 127.0.0.1 until 20" in c.conn_bar(lines),
          "%s, 120 wide: %r" % (what, c.conn_bar(lines)))
    c.wait_entry("info", re.compile(r"connected to 127\.0\.0\.1:%d \(ext/1, TLSv1\.3, "
                 r"server 127\.0\.0\.1, certificate until 20\d\d-\d\d-\d\d"
                 % port), what=what + ": the `connected to` entry")
    quit_restored(c, what)

    what = "--tls-insecure"
    c = connect(port, None, 80, 24, what, extra=["--tls-insecure"])
    lines = c.wait_state("connected", what=what + ": connected")
    bar = c.conn_bar(lines)
    check(LOCK + " TLSv1.3 INSECURE" in bar, "%s: bar %r" % (what, bar))
    check(sdtmux.red_line(c.screen(escapes=True)[1:2], "INSECURE"),
          "%s: INSECURE is not red" % what)
    check_width(c, lines, 80, what)
    quit_restored(c, what)

    what = "--tls-insecure NO_COLOR=1"
    c = connect(port, None, 80, 24, what, env={"NO_COLOR": "1"},
                extra=["--tls-insecure"])
    lines = c.wait_state("connected", what=what + ": connected")
    check("TLSv1.3 INSECURE" in c.conn_bar(lines), "%s: bar %r"
          % (what, c.conn_bar(lines)))
    check(not sdtmux.colour_sgrs(c.screen(escapes=True)),
          "%s: colours on screen" % what)
    quit_restored(c, what)

    what = "LANG=C"
    c = connect(port, pki, 80, 24, what, env={"LANG": "C", "LC_ALL": "C"})
    lines = c.wait_state("connected", what=what + ": connected")
    check("[lock] TLSv1.3 127.0." in c.conn_bar(lines), "%s: bar %r"
          % (what, c.conn_bar(lines)))
    quit_restored(c, what)

    what = "untrusted CA"
    c = connect(port, None, 132, 30, what)
    e = c.wait_entry("error", "TLS: certificate verify failed: ",
                     what=what + ": the reason as an `error` entry",
                     timeout=15)
    check("self-signed certificate in certificate chain" in e[2] or
          "unable to get local issuer certificate" in e[2],
          "%s: entry %r" % (what, e))
    lines = c.wait_state("unconnected", what=what + ": unconnected")
    check(sum("certificate verify failed" in l for l in lines) == 2,
          "%s: the reason on the bar and one entry:\n%s"
          % (what, c.dump(lines)))
    quit_restored(c, what)
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
