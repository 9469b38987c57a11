#!/usr/bin/env python3
"""On terminals without an alternate screen (TERM=vt100, TERM=linux) the
screens draw on the shell's own screen; quitting leaves it blank, so
the shell does not write over leftovers: `sockdeck` quit with F10 (which
works under TERM=vt100 too: xterm's and tmux's F10 is read whatever the
terminfo entry says) and `sockdeckd` quit with q, each exit status 0
and none of its lines left on the pane (issue 16)."""
import os

import sdpeer
import sdtmux
from sdtmux import check

HERE = os.path.dirname(os.path.abspath(__file__))


def term_env(term):
    """TERM, and for linux what LeakSanitizer needs to see ncurses' own
    leak (lsan.supp) as such: whole stacks, so the suppression can name
    mousemask_sp."""
    env = {"TERM": term}
    if term == "linux":
        env["ASAN_OPTIONS"] = ":".join(
            x for x in (os.environ.get("ASAN_OPTIONS", ""),
                        "fast_unwind_on_malloc=0") if x)
        env["LSAN_OPTIONS"] = ":".join(
            x for x in (os.environ.get("LSAN_OPTIONS", ""),
                        "suppressions=" + os.path.join(HERE, "lsan.supp"))
            if x)
    return env


def client(srv, term):
    what = "sockdeck, TERM=%s" % term
    c = sdtmux.ClientTui(80, 24, args=["127.0.0.1:%d" % srv.ports[0]],
                         env=term_env(term)).start()
    c.wait_ready()
    c.wait_state("connected", what="%s: `connected`" % what)
    c.keys("F10")
    st = c.wait_exit()
    check(st == 0, "%s: exit status %r after F10" % (what, st))
    sdtmux.check_restored(c, what, lambda l: l.startswith(" sockdeck") or
                          "Conversation" in l or "Quit" in l)


def dashboard(term):
    what = "sockdeckd, TERM=%s" % term
    d = sdtmux.Dashboard(80, 24, env=term_env(term)).start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    d.keys("q")
    st = d.wait_exit()
    check(st == 0, "%s: exit status %r after q" % (what, st))
    sdtmux.check_restored(d, what, lambda l: "sockdeckd 0.1.0" in l or
                          "Clients (" in l or "Quit" in l)


def test():
    srv = sdpeer.Server().start()
    for term in ("vt100", "linux"):
        client(srv, term)
        dashboard(term)
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=60)
