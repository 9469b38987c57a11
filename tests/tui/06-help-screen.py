#!/usr/bin/env python3
"""`?` opens the help screen titled `Help` listing every key; any key
closes it; F1 opens it too. At 80x24, where it does not fit, its title
says which lines it shows (`Help 1-20 of N`), Down and PgDn scroll it to
its last line (the quit keys) and another key closes it."""
import re

import sdtmux
from sdtmux import check

# the keys the help must list (SPEC-dashboard.md, Keys) and what they
# do, looked for in the help box: the lines from its `Help` title down,
# without the key bar
KEYS = ["F1", "?", "Tab", "Shift-Tab", "Up", "Down", "PgUp", "PgDn",
        "Home", "End", "j", "k", "K", "g", "G", "b", "m", "/", "p", "s", "q",
        "F10"]
WORDS = ["broadcast", "filter", "pause", "sort", "quit"]


def body(lines):
    return "\n".join(lines[1:-1])


def help_text(lines):
    for i, l in enumerate(lines[1:-1], 1):
        if re.search(r"(?<![?/] )\bHelp\b", l):
            return "\n".join(lines[i:-1])
    return ""


def missing(lines):
    t = help_text(lines)
    out = [k for k in KEYS if not re.search(
        r"(?<![\w-])%s(?![\w-])" % re.escape(k), t)]
    out += [w for w in WORDS if w not in t.lower()]
    out += [] if re.search(r"kick|disconnect", t, re.I) else ["kick"]
    return out


def help_open(lines):
    return re.search(r"(?<![?/] )\bHelp\b", body(lines)) is not None


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for("Clients (0)")
    check(not help_open(d.screen()), "Help shown before `?`:\n" + d.dump())

    d.keys("?")
    lines = d.wait_until(help_open, "the help screen (`Help`) after `?`")
    try:
        lines = d.wait_until(lambda ls: not missing(ls), "", timeout=3)
    except sdtmux.TestFailure:
        lines = d.screen()
        check(False, "the help does not list %r:\n%s"
              % (missing(lines), d.dump(lines)))
    d.keys("x")
    d.wait_until(lambda ls: not help_open(ls)
                 and "Clients (0)" in "\n".join(ls),
                 "the help to close on a key (x)")

    d.keys("F1")
    d.wait_until(help_open, "the help screen after F1")
    d.keys("space")
    d.wait_until(lambda ls: not help_open(ls)
                 and "Clients (0)" in "\n".join(ls),
                 "the help to close on a key (space)")
    check(d.pane_dead()[0] is False, "the dashboard exited")

    d.resize(80, 24)
    d.wait_until(lambda ls: len(ls) == 24, "the pane at 80x24")
    d.keys("?")
    lines = d.wait_until(lambda ls: any(re.search(r"Help 1-20 of \d+", l)
                                        for l in ls),
                         "`Help 1-20 of N` at 80x24")
    check(not any("quit: stop the server" in l for l in lines),
          "the last lines shown before scrolling:\n" + d.dump(lines))
    d.keys("Down")
    d.wait_until(lambda ls: any("Help 2-21 of" in l for l in ls),
                 "Down scrolls the help by a line")
    d.keys("NPage")
    d.wait_until(lambda ls: any("quit: stop the server" in l for l in ls),
                 "PgDn shows the help's last lines")
    d.keys("x")
    d.wait_until(lambda ls: not help_open(ls), "x closes the help")


sdtmux.run(test)
