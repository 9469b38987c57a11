#!/usr/bin/env python3
"""A client certificate whose CN is hostile text (ESC[31m, a bidi
override U+202E, ESC]0 title, C1 as UTF-8) is admitted with that CN as
its identity (--tls-identity cn); its connect event (JSON) carries the
exact text; `ctl client` and `ctl clients` show it escaped (\\x1b,
\\u{202e}) with nothing a terminal would act on; the headless text log's
connect line escapes it as well."""
import time

import sdpeer
import sdtls
from sdpeer import check
from sdterm import raw_controls

EVIL = "\x1b[31mevil\u202e\x1b]0;pwned\x07\u009b1m"
SHOWN = "\\x1b[31mevil\\u{202e}\\x1b]0;pwned\\x07\\u{009b}1m"


def ctl(srv, *args):
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path] +
                                  list(args))
    check(rc == 0, "ctl %s: exit %r, %r" % (args, rc, err))
    return out


def no_raw(text, what):
    bad = raw_controls(text.encode("utf-8", "surrogateescape"))
    check(not bad, "%s: raw controls %r in %r" % (what, bad, text))


def json_log(pki, ctx):
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--tls-identity", "cn", plain=False)
    s = sdtls.connect(port, pki, ctx=ctx)
    ev = srv.client_event(s)
    check(ev["tls"].get("identity") == EVIL and
          ev["tls"].get("subject", "").startswith("O=x,CN="),
          "connect event tls %r" % ev["tls"])
    one = ctl(srv, "client", str(ev["id"]))
    no_raw(one, "ctl client")
    check("tls identity  %s\n" % SHOWN in one, "ctl client: %r" % one)
    table = ctl(srv, "clients")
    no_raw(table, "ctl clients")
    check(SHOWN in table, "ctl clients: %r" % table)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def text_log(pki, ctx):
    port = sdpeer.free_port()
    srv = sdpeer.Server(ports=[port], extra=pki.server_args(
        [port], "--tls-client-ca", pki.ca, "--tls-identity", "cn",
        "--log-format", "text"))
    srv.start(wait=False)
    deadline = time.monotonic() + 10
    s = None
    while s is None:
        try:
            s = sdtls.connect(port, pki, ctx=ctx)
        except ConnectionRefusedError:
            check(time.monotonic() < deadline, "the text-log server never "
                  "listened: %r" % srv.raw_lines)
            time.sleep(0.05)
    while not [ln for ln in srv.raw_lines if " connect " in ln]:
        check(time.monotonic() < deadline, "no connect line: %r"
              % srv.raw_lines)
        time.sleep(0.05)
    s.close()
    line = [ln for ln in srv.raw_lines if " connect " in ln][0]
    no_raw(line, "text log")
    check('identity="%s"' % SHOWN in line and
          'subject="O=x,CN=' in line, "text log line: %r" % line)
    check(srv.stop() == 0, "text log: exit status not 0")


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("evil", "/CN=%s/O=x" % EVIL, client=True)
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    json_log(pki, ctx)
    text_log(pki, ctx)


sdpeer.run(test)
