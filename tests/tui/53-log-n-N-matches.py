#!/usr/bin/env python3
"""In the Log pane `n` and `N` step through the matches, as in less: with
a filter, through the lines it shows (the title says `(K/M)`, the current
line is marked `>`); `N` first goes to the last match on screen, `n`
then goes forward, `N` back. With no filter they step through the
errors and warnings (`problem K/M`). A match out of view is scrolled
into it."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def title(ls):
    return sdtmux.log_title(ls) or ""


def current(ls):
    """The text of the Log line marked `>`, or None."""
    for r in sdtmux.log_rows(ls) or []:
        if r[1:].startswith(">"):        # after the box's border
            return r[1:]
    return None


def marked(d, word, count):
    return d.wait_until(
        lambda ls: (current(ls) or "").find(word) >= 0
        and count in title(ls),
        "the line holding %r marked `>` and %r in the title"
        % (word, count))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    for i in range(60):
        word = "hit%02d" % i if i % 20 == 5 else "filler%02d" % i
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, word))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_for("filler59", what="the last message in the Log")
    for _ in range(4):                 # Devices, Transfers, Sensors, Log
        d.keys("Tab")
    d.wait_until(lambda ls: "[Log" in title(ls), "the Log focused")
    d.keys("/")
    d.type("hit")
    d.keys("Enter")
    d.wait_until(lambda ls: sum("hit" in r for r in
                                sdtmux.log_rows(ls) or []) == 3
                 and "filler" not in "\n".join(ls), "the three hits")
    d.keys("N")
    marked(d, "hit45", "(3/3)")
    d.keys("N")
    marked(d, "hit25", "(2/3)")
    d.keys("N")
    marked(d, "hit05", "(1/3)")
    d.keys("N")                      # no earlier one: stays
    marked(d, "hit05", "(1/3)")
    d.keys("n")
    marked(d, "hit25", "(2/3)")

    # no filter: n/N step through errors and warnings; the first one is
    # scrolled out of view by the messages after it
    d.keys("/")
    d.keys("C-u")
    d.keys("Enter")
    d.wait_until(lambda ls: "filter: (none)" in title(ls), "filter cleared")
    d.keys("F")
    bad = d.connect()
    bad.sendall(b"\xff" * 64)        # not a frame: a bad-frame error
    sdpeer.recv_until_quiet(bad, quiet=0.3, timeout=5)
    d.wait_for("bad-frame", what="the bad-frame line")
    for i in range(60):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "later%02d" % i))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_until(lambda ls: "later59" in "\n".join(ls)
                 and "bad-frame" not in "\n".join(ls),
                 "the bad-frame line scrolled out of view")
    d.keys("N")
    d.wait_until(lambda ls: "bad-frame" in (current(ls) or "")
                 and "problem 1/1" in title(ls),
                 "`N` without a filter: the bad-frame line in view, "
                 "marked, `problem 1/1`")
    s.close()
    bad.close()


sdtmux.run(test)
