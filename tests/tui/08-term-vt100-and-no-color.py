#!/usr/bin/env python3
"""Line drawing as SPEC-dashboard.md (Terminals) promises it: in a
UTF-8 locale with xterm-256color, Unicode box characters; with TERM=vt100
(in a UTF-8 locale) and with LANG=C (xterm-256color), the terminal's own
line drawing through ncurses ACS, which tmux holds as DEC special
graphics (a corner is an ACS `l`, not the letter and not `+`), and no
Unicode box character anywhere. vt100 has no colours: no colour SGR on
its screen. NO_COLOR=1 with xterm-256color: no colour SGR (3x, 4x, 38,
48, 9x, 10x) anywhere on the screen; without NO_COLOR there are colours
(so the check sees them when they are there)."""

import sdtmux
from sdtmux import check


def frame(lines, esc, what, d):
    """The Clients box's top border and the line under it, as box_chars:
    (corner left, corner right, side left, side right)."""
    i = sdtmux.title_line(lines, "Clients")
    check(i is not None, "%s: no Clients title:\n%s" % (what, d.dump(lines)))
    cs = sdtmux.cells(esc)
    top, side = sdtmux.box_chars(cs[i]), sdtmux.box_chars(cs[i + 1])
    check(len(top) >= 3 and len(side) >= 2, "%s: no box around Clients "
          "(line-drawing characters %r, %r):\n%s"
          % (what, top, side, d.dump(lines)))
    return top, side


def acs_boxes(what, env, colour):
    d = sdtmux.Dashboard(80, 24, env=env).start()
    d.wait_ready()
    lines = d.wait_until(lambda ls: "Clients (0)" in "\n".join(ls)
                         and "q Quit" in ls[-1], "%s: Clients box and "
                         "key bar" % what)
    check(lines[0].startswith(" sockdeckd 0.1.0"), "%s header:\n%s"
          % (what, d.dump(lines)))
    check("\ufffd" not in "\n".join(lines),
          "%s: replacement characters on screen:\n%s" % (what,
                                                       d.dump(lines)))
    esc = d.screen(escapes=True)
    top, side = frame(lines, esc, what, d)
    spec = ("SPEC-dashboard.md: \"Unicode box characters in a UTF-8 "
            "locale; otherwise, and on TERM=vt100, the terminal's line "
            "drawing through ncurses ACS\"")
    check(top[0] == "acs:l" and top[-1] == "acs:k"
          and set(top[1:-1]) == {"acs:q"}
          and side[0] == side[-1] == "acs:x",
          "%s: the Clients box is not drawn in ACS (top %r, side %r; "
          "%s):\n%s" % (what, top[:3] + top[-2:], side, spec,
                        d.dump(lines)))
    uni = [c for l in lines for c in l if "\u2500" <= c <= "\u257f"]
    check(not uni, "%s: Unicode box drawing %r on screen (%s):\n%s"
          % (what, sorted(set(uni)), spec, d.dump(lines)))
    if not colour:
        bad = sdtmux.colour_sgrs(esc)
        check(not bad, "%s: colour escape sequences on a terminal without "
              "colours %r:\n%s" % (what, sorted(set(bad))[:10],
                                    d.dump(lines)))
    d.keys("q")
    check(d.wait_exit() == 0, "%s: `q` exit status not 0" % what)


def no_color():
    d = sdtmux.Dashboard(120, 40, env={"NO_COLOR": "1"}).start()
    d.wait_ready()
    d.wait_until(lambda ls: sdtmux.bottom_titles(ls) == [
        "Transfers", "Sensors", "Log"], "NO_COLOR: the full layout")
    esc = d.screen(escapes=True)
    bad = sdtmux.colour_sgrs(esc)
    check(not bad, "NO_COLOR=1: colour escape sequences on screen %r:\n%s"
          % (sorted(set(bad))[:10], d.dump()))
    d.keys("q")
    check(d.wait_exit() == 0, "NO_COLOR: `q` exit status not 0")


def colour():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_until(lambda ls: sdtmux.bottom_titles(ls) == [
        "Transfers", "Sensors", "Log"], "xterm-256color: the full layout")
    lines = d.screen()
    esc = d.screen(escapes=True)
    check(sdtmux.colour_sgrs(esc), "xterm-256color without NO_COLOR: no colours "
          "on screen (spec: `Colours when the terminal has them`)")
    top, side = frame(lines, esc, "xterm-256color, C.UTF-8", d)
    check(top[0] == "\u250c" and top[-1] == "\u2510"
          and set(top[1:-1]) == {"\u2500"}
          and side[0] == side[-1] == "\u2502",
          "xterm-256color in C.UTF-8: the Clients box is not drawn with "
          "Unicode box characters (top %r, side %r):\n%s"
          % (top[:3] + top[-2:], side, d.dump(lines)))
    d.keys("q")
    check(d.wait_exit() == 0, "`q` exit status not 0")


def test():
    # every part runs; the failures are reported together
    errs = []
    for part in (lambda: acs_boxes("TERM=vt100", {"TERM": "vt100"}, False),
                 lambda: acs_boxes("LANG=C", {"LANG": "C"}, True),
                 no_color, colour):
        try:
            part()
        except sdtmux.TestFailure as e:
            errs.append(str(e))
    check(not errs, "\n\n".join(errs))


sdtmux.run(test)
