#!/usr/bin/env python3
"""At 120x40 the dashboard's header starts with ` sockdeckd 0.1.0` and
shows the port `listening`, the key bar is the last line, and the boxes
Clients (0), Transfers, Sensors and Log are all visible
(SPEC-dashboard.md, Layout)."""
import re

import sdtmux
from sdtmux import check


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    hdr = re.compile(r"ports \S*%d\S* \(1/1 listening\)" % d.port)
    lines = d.wait_for(hdr, what="header with `ports %d (1/1 listening)`"
                       % d.port)
    lines = d.wait_until(lambda ls: sdtmux.bottom_titles(ls) == [
        "Transfers", "Sensors", "Log"] and "Clients (0)" in "\n".join(ls),
        "boxes Clients (0), Transfers, Sensors, Log")
    scr = d.dump(lines)
    check(len(lines) == 40, "capture has %d lines, expected 40" % len(lines))
    check(lines[0].startswith(" sockdeckd 0.1.0"),
          "line 1 does not start with ' sockdeckd 0.1.0':\n" + scr)
    for pat, what in ((hdr, "ports %d (1/1 listening)" % d.port),
                      (re.compile(r"\bup \d+:\d\d:\d\d\b"), "up H:MM:SS"),
                      (re.compile(r"\bclients 0\b"), "clients 0"),
                      (re.compile(r"\bin \S"), "in RATE"),
                      (re.compile(r"\bout \S"), "out RATE"),
                      (re.compile(r"\breadings \S+/s"), "readings N/s")):
        check(pat.search(lines[0]), "header (line 1) lacks %s:\n%s"
              % (what, scr))
    check(re.match(r"\s*addr .*\b127\.0\.0\.1 lo\b", lines[1]),
          "line 2 does not list the addresses (`addr 127.0.0.1 lo ...`):\n"
          + scr)
    check(sdtmux.KEYBAR_FULL in lines[-1],
          "the last line is not the full key bar %r:\n%s"
          % (sdtmux.KEYBAR_FULL, scr))
    ctitle = [l for l in lines if "Clients (0)" in l]
    check(ctitle and "sort:" in ctitle[0],
          "Clients box title lacks `sort: KEY`:\n" + scr)
    # Transfers and Sensors side by side, Log below them
    t = sdtmux.title_line(lines, "Transfers")
    s = sdtmux.title_line(lines, "Sensors")
    lg = sdtmux.title_line(lines, "Log", t + 1)
    c = sdtmux.title_line(lines, "Clients")
    check(c < t == s < lg, "expected Clients above Transfers|Sensors "
          "(same line) above Log; title lines %r:\n%s"
          % ((c, t, s, lg), scr))
    check(all(sdtmux.display_width(l) <= 120 for l in lines),
          "a line is wider than 120 columns")


sdtmux.run(test)
