#!/usr/bin/env python3
"""`/` opens `Filter log: `; after Enter the Log shows only the lines holding
the text and its title says `filter: TEXT`; `/` opens on the filter in
force, and ^U then Enter clears it. (With Clients focused, `/` filters
the clients: the Log is focused first.)"""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

WORDS = ["alpha", "bravo", "charlie", "delta"]


def log_has(lines, word):
    return any(word in l for l in (sdtmux.log_rows(lines) or []))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    for w in WORDS:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "%s reporting" % w))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_until(lambda ls: all(log_has(ls, "%s reporting" % w)
                                for w in WORDS),
                 "all four messages in the Log")
    d.keys("BTab")
    d.wait_for(re.compile(r"\[Log\b"), what="the Log focused by Shift-Tab")
    d.keys("/")
    d.wait_for("Filter log:", what="the `Filter log: ` prompt")
    d.type("bravo")
    d.wait_for("Filter log: bravo")
    d.keys("Enter")
    lines = d.wait_until(
        lambda ls: log_has(ls, "bravo reporting")
        and not any(log_has(ls, "%s reporting" % w) for w in WORDS
                    if w != "bravo")
        and "filter: bravo" in (sdtmux.log_title(ls) or ""),
        "the Log filtered to `bravo` with `filter: bravo` in its title")
    check("Filter log:" not in "\n".join(lines),
          "the prompt stayed open:\n" + d.dump(lines))

    d.keys("/")
    d.wait_for("Filter log: bravo",
               what="the prompt opened on the filter in force")
    d.keys("C-u")
    d.keys("Enter")
    d.wait_until(
        lambda ls: all(log_has(ls, "%s reporting" % w) for w in WORDS)
        and sdtmux.log_title(ls) is not None
        and "filter: bravo" not in sdtmux.log_title(ls),
        "every message back and no `filter: bravo` after an empty filter")
    s.close()


sdtmux.run(test)
