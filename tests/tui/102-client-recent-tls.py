#!/usr/bin/env python3
"""Recent servers remember TLS (issue 18): a server reached with --tls
--tls-ca is kept in the recent file with `tls` and the CA's absolute
path (escaped: a space and a `%` in it), never a file's contents; one
reached in plain stays a bare `host:port` line. A start without
HOST:PORT and without --tls, from another directory, shows the list
under the bar on ^O: a lock before the TLS server, none before the
plain one; picking the TLS one (Down) and Enter reconnects over TLS
with that CA (the lock and TLSv1.3 on the bar, the server's connect
event has its tls), and the plain one in plain. A server reached with
--tls-insecure is remembered so: INSECURE after its lock in the list,
and on the bar when reconnected from it (SPEC-client.md, Recent
servers)."""
import os
import shutil
import time

import sdtls
import sdtmux
from sdtmux import check

LOCK = "\U0001f512"


def hp(port):
    return "127.0.0.1:%d" % port


def wait_first(c, want, what):
    return c.wait_until(lambda ls: (c.recent() or [""])[0] == want,
                        "%s: the recent file's first line %r (it holds "
                        "%r)" % (what, want, c.recent()), timeout=10)


def recent_row(lines, target):
    """The list's row for target (None: not shown)."""
    for l in lines[2:]:
        if " " + target + " " in l + " " and "Recent" not in l:
            return l
    return None


def quit(c, what):
    c.keys("F10")
    check(c.wait_exit() == 0, "%s: exit status not 0 after F10" % what)


def test():
    pki = sdtls.Pki()
    srv, plain, port = sdtls.server(pki)
    home = sdtmux.mkdtemp("sdhome-")
    state = sdtmux.mkdtemp("sdstate-")
    odd = os.path.join(home, "my certs %41")
    os.makedirs(odd)
    shutil.copy(pki.ca, os.path.join(odd, "ca.pem"))
    ca_line = "tls\tca=" + os.path.join(home, "my%20certs%20%2541",
                                         "ca.pem")

    what = "--tls --tls-ca (a relative path)"
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state, args=[
        "--tls", "--tls-ca", "my certs %41/ca.pem", hp(port)]).start()
    c.wait_ready()
    c.wait_state("connected", what=what)
    wait_first(c, hp(port) + "\t" + ca_line, what)
    quit(c, what)

    what = "plain"
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state,
                         args=[hp(plain)]).start()
    c.wait_ready()
    c.wait_state("connected", what=what)
    wait_first(c, hp(plain), what)
    check(c.recent() == [hp(plain), hp(port) + "\t" + ca_line],
          "the recent file: %r" % c.recent())
    with open(c.recent_path) as f:
        check("BEGIN" not in f.read(), "a certificate's text in the file")
    quit(c, what)

    what = "a start without HOST:PORT nor --tls, elsewhere"
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state,
                         cwd=state).start()
    c.wait_ready()
    c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1", str(plain)),
                 what + ": the newest (plain) server in the bar")
    c.keys("C-o")
    lines = c.wait_until(lambda ls: recent_row(ls, hp(port)) is not None,
                         what + ": ^O lists the recent servers")
    tls_row, plain_row = recent_row(lines, hp(port)), recent_row(lines,
                                                                hp(plain))
    check(LOCK in tls_row and "INSECURE" not in tls_row,
          "%s: no lock before the TLS server: %r" % (what, tls_row))
    check(plain_row is not None and LOCK not in plain_row,
          "%s: the plain server's row %r" % (what, plain_row))
    check(plain_row.lstrip("│| ").startswith(">"),
          "%s: the plain server (in the fields) not marked: %r"
          % (what, plain_row))
    mark = srv.mark()
    c.keys("Down")
    c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1", str(port)),
                 what + ": Down puts the TLS server in the fields")
    c.keys("Enter")
    lines = c.wait_state("connected", what=what + ": Enter on the TLS "
                         "server", timeout=15)
    lines = c.wait_until(lambda ls: LOCK + " TLSv1.3" in c.conn_bar(ls),
                         what + ": the lock on the bar")
    ev = srv.wait_event("connect", lambda e: e.get("port") == port,
                        since=mark)
    check("tls" in ev, "%s: the server saw no TLS: %r" % (what, ev))
    wait_first(c, hp(port) + "\t" + ca_line, what + ": reconnected")

    # and back to the plain one from the list, in plain
    mark = srv.mark()
    c.keys("C-o")
    time.sleep(0.2)
    c.keys("Up")
    c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1", str(plain)),
                 what + ": Up puts the plain server in the fields")
    c.keys("Enter")
    ev = srv.wait_event("connect", lambda e: e.get("port") == plain,
                        since=mark)
    c.wait_state("connected", what=what + ": Enter on the plain server")
    check("tls" not in ev and LOCK not in c.conn_bar(),
          "%s: the plain server over TLS: %r" % (what, ev))
    quit(c, what)

    what = "--tls-insecure"
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state, args=[
        "--tls", "--tls-insecure", hp(port)]).start()
    c.wait_ready()
    c.wait_state("connected", what=what)
    wait_first(c, hp(port) + "\ttls\tinsecure", what)
    quit(c, what)
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state,
                         cwd=state).start()
    c.wait_ready()
    c.keys("C-o")
    lines = c.wait_until(lambda ls: recent_row(ls, hp(port)) is not None,
                         what + ": ^O lists the recent servers")
    row = recent_row(lines, hp(port))
    check(LOCK in row and "INSECURE" in row, "%s: the row %r"
          % (what, row))
    check(sdtmux.red_line(c.screen(escapes=True), "INSECURE"),
          "%s: INSECURE in the list is not red" % what)
    c.keys("Enter")
    lines = c.wait_until(lambda ls: LOCK + " TLSv1.3 INSECURE" in
                         c.conn_bar(ls), what + ": reconnected insecure",
                         timeout=15)
    quit(c, what)
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=85)
