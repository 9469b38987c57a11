#!/usr/bin/env python3
"""^C in the in-process dashboard asks the same as q while clients are
connected (`Stop the server and disconnect 1 client? (y/n)`), and the
server and its client live on after `n`; a second ^C on the question
says yes (exit 0, the terminal restored). Before, ^C stopped the server
at once, dropping every client without a question."""
import socket

import sdtmux
from sdtmux import check

ASK = "Stop the server and disconnect 1 client? (y/n)"


def still_connected(s):
    """The server has not closed s (a read times out, no EOF)."""
    s.settimeout(0.3)
    try:
        return s.recv(1) != b""
    except socket.timeout:
        return True
    except OSError:
        return False


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    d.wait_for("Clients (1)")
    d.keys("C-c")
    d.wait_for(ASK, what="the quit question after ^C")
    d.keys("n")
    d.wait_until(lambda ls: not any(ASK in l for l in ls),
                 "the question gone after n")
    check(d.program_pid() is not None, "sockdeckd gone after ^C, n")
    check(still_connected(s), "the client was dropped after ^C, n")
    d.wait_for("Clients (1)")
    d.keys("C-c")
    d.wait_for(ASK)
    d.keys("C-c")
    st = d.wait_exit()
    check(st == 0, "exit status %r after ^C ^C, expected 0" % st)
    m = d.modes()
    check(not m["alternate"] and m["cursor"],
          "terminal not restored after ^C ^C (modes %r)" % m)
    s.close()


sdtmux.run(test, deadline=60)
