#!/usr/bin/env python3
"""F10 quits with status 0 and the terminal restored (normal screen,
cursor visible, keypad off, the screen gone), also while connected (the
server sees the client leave). F1 opens the help and a key closes it
first. ^C quits too, the terminal restored. Without a terminal on stdin
and stdout `sockdeck` prints one line on stderr and exits 2
(SPEC-client.md, Keys; the opening paragraph)."""
import os
import subprocess

import sdpeer
import sdtmux
from sdtmux import check


def check_restored(t, what):
    sdtmux.check_restored(t, what, lambda l: l.startswith(" sockdeck") or
                          "Conversation" in l)


def test():
    # unconnected, F10
    c = sdtmux.ClientTui(120, 40).start()
    c.wait_ready()
    c.wait_state("unconnected")
    c.keys("F10")
    st = c.wait_exit()
    check(st == 0, "F10: exit status %r, expected 0" % st)
    check_restored(c, "after F10")

    # connected: F1 help, a key closes it, F10 quits, the server sees it
    srv = sdpeer.Server().start()
    mark = srv.mark()
    c = sdtmux.ClientTui(120, 40, args=["127.0.0.1:%d"
                                        % srv.ports[0]]).start()
    c.wait_ready()
    c.wait_state("connected")
    conn = srv.wait_event("connect", since=mark)
    c.keys("F1")
    c.wait_until(lambda ls: any("Help" in l for l in ls[1:-1]),
                 "F1: a box titled Help")
    c.keys("Space")
    c.wait_until(lambda ls: not any("Help" in l for l in ls[1:-1]),
                 "a key to close the help")
    check(not c.pane_dead()[0], "closing the help ended the program")
    c.keys("F10")
    st = c.wait_exit()
    check(st == 0, "F10 while connected: exit status %r, expected 0" % st)
    check_restored(c, "after F10 while connected")
    srv.wait_event("disconnect", lambda e: e.get("id") == conn["id"])

    # ^C
    c = sdtmux.ClientTui(120, 40, args=["127.0.0.1:%d"
                                        % srv.ports[0]]).start()
    c.wait_ready()
    c.wait_state("connected")
    c.keys("C-c")
    st = c.wait_exit()
    check(st in (0, 130), "^C: exit status %r, expected 0 (or 130 for an "
          "interrupt)" % st)
    check_restored(c, "after ^C")

    # no terminal: one line on stderr, status 2
    env = dict(os.environ, HOME=sdtmux.mkdtemp("sdhome-"),
               XDG_STATE_HOME=sdtmux.mkdtemp("sdstate-"), TERM="xterm")
    try:
        p = subprocess.run([sdtmux.client_binary()], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=10)
    except subprocess.TimeoutExpired:
        sdtmux.fail("`sockdeck` with stdin from /dev/null and stdout to a "
                    "pipe did not exit within 10s")
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 2, "no terminal: exit status %r, expected 2 "
          "(stderr %r)" % (p.returncode, err))
    check(err.count("\n") == 1 and err.strip(), "no terminal: stderr is "
          "not one line: %r" % err)
    check(b"\x1b" not in p.stdout, "no terminal: escape sequences on "
          "stdout: %r" % p.stdout[:80])
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=60)
