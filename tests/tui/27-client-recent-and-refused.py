#!/usr/bin/env python3
"""Recent servers: a successful connect writes `127.0.0.1:PORT` first
in $XDG_STATE_HOME/sockdeck/recent (~/.local/state/sockdeck/recent when
XDG_STATE_HOME is unset); a fresh start without HOST:PORT shows it in
the connection bar (Server/Port), stays `unconnected`, and ^O Enter
connects to it; ^O Up/Down pick another recent server; the list keeps
at most 8, newest first, no duplicates. A refused connect (by ^O and by
the command line) leaves `unconnected` in the header and `connection
refused` on the connection bar and as an `error` entry drawn in red (a
real failure stands out: issue 16), and is not added to the list
(SPEC-client.md, Recent servers; the state paragraph)."""
import os
import time

import sdpeer
import sdtmux
from sdtmux import check

REFUSED = "connection refused"


def hp(port):
    return "127.0.0.1:%d" % port


def wait_recent(c, want, what, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        got = c.recent()
        if got == want:
            return got
        if time.monotonic() > deadline:
            sdtmux.fail("%s: %s holds %r, expected %r"
                        % (what, c.recent_path, got, want))
        time.sleep(0.05)


def check_refused(c, what):
    lines = c.wait_until(lambda ls: REFUSED in c.conn_bar(ls),
                         "%s: `%s` on the connection bar" % (what, REFUSED),
                         timeout=10)
    lines = c.wait_state("unconnected", what="%s: `unconnected` in the "
                         "header" % what)
    c.wait_entry("error", REFUSED, what="%s: an `error` entry saying `%s`"
                 % (what, REFUSED))
    check(sdtmux.red_line(c.screen(escapes=True), REFUSED),
          "%s: the `%s` entry is not drawn in red" % (what, REFUSED))


def test():
    srv = sdpeer.Server(nports=2).start()
    a, b = srv.ports
    home = sdtmux.mkdtemp("sdhome-")
    state = sdtmux.mkdtemp("sdstate-")

    c = sdtmux.ClientTui(120, 40, args=[hp(a)], home=home,
                         state_home=state).start()
    c.wait_ready()
    c.wait_state("connected")
    wait_recent(c, [hp(a)], "after connecting to %s" % hp(a))
    check(c.recent_path == os.path.join(state, "sockdeck", "recent"),
          "recent path")
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # a fresh start without HOST:PORT offers it, does not connect
    mark = srv.mark()
    c = sdtmux.ClientTui(120, 40, home=home, state_home=state).start()
    c.wait_ready()
    lines = c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1",
                                                         str(a)),
                         "a start without HOST:PORT: the connection bar "
                         "`Server: 127.0.0.1   Port: %d` (the recent "
                         "server)" % a)
    time.sleep(1.0)
    lines = c.screen()
    check(c.state(lines) == "unconnected" and
          not srv.find_events("connect", since=mark),
          "a start without HOST:PORT connected by itself:\n"
          + c.dump(lines))
    c.keys("C-o")
    time.sleep(0.2)
    c.keys("Enter")
    c.wait_state("connected", what="^O Enter: connected to the recent "
                 "server")
    srv.wait_event("connect", lambda e: e.get("port") == a, since=mark)
    c.keys("C-d")
    c.wait_state("unconnected")

    # refused by ^O: reason on the bar and as an info entry, not recent
    dead = sdpeer.free_port()
    c.connect_via_bar("127.0.0.1", dead)
    check_refused(c, "^O to 127.0.0.1:%d (nothing listens)" % dead)
    time.sleep(0.3)
    check(c.recent() == [hp(a)], "a refused server went into the recent "
          "list: %r" % c.recent())
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # refused from the command line
    c = sdtmux.ClientTui(120, 40, args=[hp(dead)]).start()
    c.wait_ready()
    check_refused(c, "`sockdeck %s`" % hp(dead))
    check(c.recent() in (None, []), "a refused server went into a fresh "
          "recent list: %r" % c.recent())
    check(not c.pane_dead()[0], "the client exited after a refused "
          "connect")
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # at most 8, newest first, no duplicates; Up/Down in ^O
    state2 = sdtmux.mkdtemp("sdstate-")
    fakes = ["127.0.0.1:%d" % p for p in sdpeer.free_ports(7,
                                                           consecutive=False)]
    seed = fakes[:3] + [hp(b)] + fakes[3:]          # 8 entries, b 4th
    os.makedirs(os.path.join(state2, "sockdeck"))
    with open(os.path.join(state2, "sockdeck", "recent"), "w") as f:
        f.write("".join(x + "\n" for x in seed))
    c = sdtmux.ClientTui(120, 40, state_home=state2).start()
    c.wait_ready()
    first = tuple(seed[0].rsplit(":", 1))
    c.wait_until(lambda ls: c.bar_fields(ls) == first,
                 "the first of 8 recent servers (%s) in the connection bar"
                 % seed[0])
    others = {tuple(x.rsplit(":", 1)) for x in seed[1:]}
    c.keys("C-o")
    time.sleep(0.2)
    c.keys("Down")
    time.sleep(0.5)
    if c.bar_fields() == first:
        c.keys("Up")
    c.wait_until(lambda ls: c.bar_fields(ls) in others,
                 "^O Down (or Up): another recent server in the bar")
    c.keys("Escape")
    time.sleep(0.3)
    c.connect_via_bar("127.0.0.1", b)
    c.wait_state("connected", what="connected to %s by ^O" % hp(b))
    want = [hp(b)] + [x for x in seed if x != hp(b)]
    wait_recent(c, want, "after connecting to %s (4th of 8)" % hp(b))
    c.keys("C-d")
    c.wait_state("unconnected")
    c.connect_via_bar("127.0.0.1", a)
    c.wait_state("connected", what="connected to %s by ^O" % hp(a))
    want = [hp(a)] + want[:7]
    wait_recent(c, want, "after connecting to a 9th server %s" % hp(a))
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # XDG_STATE_HOME unset: ~/.local/state/sockdeck/recent
    c = sdtmux.ClientTui(120, 40, args=[hp(a)], state_home=None).start()
    c.wait_ready()
    c.wait_state("connected")
    check(c.recent_path == os.path.join(c.home, ".local", "state",
                                        "sockdeck", "recent"),
          "recent path without XDG_STATE_HOME")
    wait_recent(c, [hp(a)], "XDG_STATE_HOME unset")
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=85)
