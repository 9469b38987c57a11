#!/usr/bin/env python3
"""The state is a word whatever the terminal: with TERM=vt100 (80x24)
and with NO_COLOR=1 (xterm-256color) the header reads `connected` after
`sockdeck 127.0.0.1:PORT` and `unconnected` after ^D, the key bar and
the Conversation box are drawn, no replacement characters. NO_COLOR=1
and TERM=vt100 (a terminal without colours): no colour SGR (3x, 4x, 38,
48, 9x, 10x) anywhere on the screen; xterm-256color without NO_COLOR:
colour SGRs on the screen, so the check sees them when they are there
(SPEC-client.md: `colour only adds to it (NO_COLOR, TERM=vt100 keep the
words)`; sockdeck(1): colours where the terminal has them)."""

import sdpeer
import sdtmux
from sdtmux import check


def words(srv, what, w, h, env, quit_key):
    """Connect, see `connected`, ^D, see `unconnected`; the screen with
    escapes while connected."""
    mark = srv.mark()
    c = sdtmux.ClientTui(w, h, args=["127.0.0.1:%d" % srv.ports[0]],
                         env=env).start()
    c.wait_ready()
    lines = c.wait_state("connected", what="%s: `connected` in the header"
                         % what)
    scr = c.dump(lines)
    check(lines[0].startswith(" sockdeck"), "%s: header:\n%s" % (what, scr))
    check("\ufffd" not in "\n".join(lines), "%s: replacement characters "
          "on screen:\n%s" % (what, scr))
    check("Quit" in c.keybar(lines), "%s: no key bar:\n%s" % (what, scr))
    check(all(sdtmux.display_width(l) <= w for l in lines),
          "%s: a line wider than %d columns:\n%s" % (what, w, scr))
    conn = srv.wait_event("connect", since=mark)
    esc = c.screen(escapes=True)
    c.keys("C-d")
    c.wait_state("unconnected", what="%s: `unconnected` after ^D" % what)
    srv.wait_event("disconnect", lambda e: e.get("id") == conn["id"])
    c.keys(quit_key)
    st = c.wait_exit()
    check(st in ((0,) if quit_key == "F10" else (0, 130)),
          "%s: exit status %r after %s" % (what, st, quit_key))
    return esc


def test():
    srv = sdpeer.Server().start()
    errs = []

    def part(f):
        try:
            f()
        except sdtmux.TestFailure as e:
            errs.append(str(e))

    # ^C quits too (F10 under vt100: tui/41)
    def vt100():
        esc = words(srv, "TERM=vt100", 80, 24, {"TERM": "vt100"}, "C-c")
        bad = sdtmux.colour_sgrs(esc)
        check(not bad, "TERM=vt100 (no colours): colour escape sequences "
              "on screen %r" % sorted(set(bad))[:10])
    part(vt100)

    def no_color():
        esc = words(srv, "NO_COLOR=1", 120, 40, {"NO_COLOR": "1"}, "F10")
        bad = sdtmux.colour_sgrs(esc)
        check(not bad, "NO_COLOR=1: colour escape sequences on screen %r"
              % sorted(set(bad))[:10])
    part(no_color)

    def colour():
        esc = words(srv, "xterm-256color", 120, 40, None, "F10")
        check(sdtmux.colour_sgrs(esc), "xterm-256color without NO_COLOR: "
              "no colour escape sequences on screen (sockdeck(1): "
              "colours where the terminal has them)")
    part(colour)
    check(not errs, "\n\n".join(errs))
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=60)
