#!/usr/bin/env python3
"""120x40 -> 80x24: still the whole layout (header ` sockdeck` with the
state word, the connection bar, the Conversation box with the entries
so far, the status line on row h-3, ` > ` on row h-2, the key bar with
`F10 Quit` on the last line), nothing wider than 80 columns, and a
message sent at that size gets its reply; -> 79x23: one line naming
80x24 and no layout; -> 120x40: the full layout and the entries again
(SPEC-client.md, Layout: `any size from 80x24; smaller: one line saying
the size needed`)."""
import re

import sdpeer
import sdtmux
from sdtmux import check


def sane(c, w, h):
    def pred(ls):
        return (len(ls) == h and ls[0].startswith(" sockdeck")
                and c.state(ls) == "connected"
                and "Conversation" in ls[2]
                and "readings" in c.status_line(ls)
                and c.input_text(ls) is not None
                and "F10 Quit" in c.keybar(ls)
                and c.bar_fields(ls)[0] == "127.0.0.1")
    return pred


def check_widths(c, lines, w):
    check(all(sdtmux.display_width(l) <= w for l in lines),
          "a line is wider than %d columns:\n%s" % (w, c.dump(lines)))


def test():
    srv, c, conn = sdtmux.connected_client(
        120, 40, server=sdpeer.Server(extra=["--reply-format", sdpeer.ECHO_FMT]).start())
    c.type("before resize")
    c.keys("Enter")
    c.wait_entry("server", "return data => before resize")
    lines = c.wait_until(sane(c, 120, 40), "the full layout at 120x40 "
                         "(Conversation title on line 3)")
    check(sdtmux.CLIENT_KEYBAR_FULL in c.keybar(lines),
          "120x40: the key bar is not %r:\n%s"
          % (sdtmux.CLIENT_KEYBAR_FULL, c.dump(lines)))

    c.resize(80, 24)
    lines = c.wait_until(sane(c, 80, 24), "the layout at 80x24: header "
                         "with `connected`, Conversation box on line 3, "
                         "status line, ` > `, key bar with `F10 Quit`")
    check_widths(c, lines, 80)
    check(c.find_entries("you", "before resize", lines) and
          c.find_entries("server", "return data => before resize", lines),
          "80x24: the entries from before are gone:\n" + c.dump(lines))
    check(re.match(r"^\s*\S", c.keybar(lines)) and
          c.keybar(lines).rstrip().endswith("F10 Quit"),
          "80x24: the key bar does not end with `F10 Quit`:\n"
          + c.dump(lines))
    # still usable at 80x24
    c.type("small screen")
    c.wait_until(lambda ls: c.input_text(ls) == "small screen",
                 "typing at 80x24")
    c.keys("Enter")
    c.wait_entry("server", "[%d socket] return data => small screen"
                 % conn["fd"], what="the reply at 80x24")
    lines = c.screen()
    check_widths(c, lines, 80)

    c.resize(79, 23)
    lines = c.wait_until(lambda ls: "80x24" in "\n".join(ls) and
                         "Conversation" not in "\n".join(ls),
                         "79x23: the layout replaced by a message naming "
                         "the size needed (80x24)")
    scr = c.dump(lines)
    check(len([l for l in lines if l.strip()]) <= 2, "79x23: more than "
          "one line of text (expected one line saying the size "
          "needed):\n" + scr)
    check_widths(c, lines, 79)
    check(not c.pane_dead()[0], "the client exited at 79x23")

    c.resize(120, 40)
    lines = c.wait_until(sane(c, 120, 40), "the full layout back at "
                         "120x40")
    check(sdtmux.CLIENT_KEYBAR_FULL in c.keybar(lines),
          "back at 120x40: the key bar is not %r:\n%s"
          % (sdtmux.CLIENT_KEYBAR_FULL, c.dump(lines)))
    check(c.find_entries("server", "return data => small screen", lines),
          "back at 120x40: the entries are gone:\n" + c.dump(lines))
    check_widths(c, lines, 120)
    check(srv.find_events("disconnect") == [], "the connection dropped "
          "while resizing")
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=60)
