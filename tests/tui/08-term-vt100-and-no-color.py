#!/usr/bin/env python3
"""TERM=vt100: the dashboard still renders (header, key bar, box corners
as ASCII `+` or ACS, not UTF-8 line drawing); so does a non-UTF-8 locale
(LANG=C). NO_COLOR=1 with xterm-256color: no colour SGR (3x,
4x, 38, 48, 9x, 10x) anywhere on the screen; without NO_COLOR there are
colours (so the check sees them when they are there)."""

import sdtmux
from sdtmux import check


def corner(lines, title_idx):
    """What starts the box on the line of the Clients title: `+` (ASCII)
    or `l` (ACS, as tmux stores DEC line drawing) pass; `\u250c` is UTF-8
    line drawing."""
    return lines[title_idx].lstrip()[:1]


def ascii_boxes(what, env):
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
    c = corner(lines, sdtmux.title_line(lines, "Clients"))
    check(c in ("+", "l"), "%s: the Clients box corner is %r, expected "
          "ASCII `+` or ACS (SPEC-dashboard.md: \"line drawing through "
          "ncurses ACS, ASCII when the locale is not UTF-8 or TERM is "
          "`vt100`\"):\n%s" % (what, c, d.dump(lines)))
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
    esc = d.screen(escapes=True)
    check(sdtmux.colour_sgrs(esc), "xterm-256color without NO_COLOR: no colours "
          "on screen (spec: `Colours when the terminal has them`)")
    d.keys("q")
    check(d.wait_exit() == 0, "`q` exit status not 0")


def test():
    # every part runs; the failures are reported together
    errs = []
    for part in (lambda: ascii_boxes("TERM=vt100", {"TERM": "vt100"}),
                 lambda: ascii_boxes("LANG=C", {"LANG": "C"}),
                 no_color, colour):
        try:
            part()
        except sdtmux.TestFailure as e:
            errs.append(str(e))
    check(not errs, "\n\n".join(errs))


sdtmux.run(test)
