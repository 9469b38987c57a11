#!/usr/bin/env python3
"""`q` with no clients quits at once: exit status 0, the terminal is
restored (normal screen, cursor visible, keypad off) and the port is
closed. With a client connected `q` asks what it does, `Stop the server
and disconnect 1 client? (y/n)`: `n` keeps running, `q` `y` quits
(status 0); a client that leaves while it asks leaves the question as
`Stop the server? (y/n)`. F10 quits too. The dashboard's probe
connection (sdtmux's wait_ready) is seen gone before the first `q`: it
once made `q` ask about a client the screen no longer showed."""
import re
import socket

import sdpeer
import sdtmux
from sdtmux import check

PROMPT = re.compile(r"Stop the server and disconnect 1 client\? \(y/n\)")


def port_closed(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), 1)
    except OSError:
        return True
    s.close()
    return False


def check_restored(t, what):
    sdtmux.check_restored(t, what, lambda l: "sockdeckd 0.1.0" in l)


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    d.keys("q")
    st = d.wait_exit()
    check(st == 0, "`q` with no clients: exit status %r, expected 0" % st)
    check_restored(d, "after `q`")
    check(port_closed(d.port), "port %d still accepts connections after "
          "`q`" % d.port)

    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    d.wait_for("Clients (1)")
    d.keys("q")
    d.wait_for(PROMPT, what="the prompt `Stop the server and disconnect 1 "
               "client? (y/n)`")
    d.keys("n")
    d.wait_gone(PROMPT, what="the prompt to close on `n`")
    lines = d.screen()
    check(not d.pane_dead()[0] and "Clients (1)" in "\n".join(lines),
          "`q` `n` did not keep the dashboard:\n" + d.dump(lines))
    sdpeer.expect_quiet(s, 0.3, "client after `q` `n`")
    d.keys("q")
    d.wait_for(PROMPT)
    d.keys("y")
    st = d.wait_exit()
    check(st == 0, "`q` `y`: exit status %r, expected 0" % st)
    check_restored(d, "after `q` `y`")
    sdpeer.expect_eof(s, timeout=5, what="client after quitting")
    check(port_closed(d.port), "port %d still open after `q` `y`" % d.port)
    s.close()

    # The client leaves while the question is open: it stops asking
    # about clients that are gone.
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    d.wait_for("Clients (1)")
    d.keys("q")
    d.wait_for(PROMPT)
    s.close()
    d.wait_for("Stop the server? (y/n)", what="the question without "
               "the client that left")
    d.keys("y")
    check(d.wait_exit() == 0, "`q`, client gone, `y`: exit status")

    # F10 quits like q
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    d.keys("F10")
    st = d.wait_exit()
    check(st == 0, "F10 with no clients: exit status %r, expected 0" % st)
    check_restored(d, "after F10")


sdtmux.run(test)
