#!/usr/bin/env python3
"""Each match of the Log filter is highlighted in its line (reverse
video, which reads with and without colours): the cells of the matched
text are reverse, the text beside them is not. Checked with colours and
under NO_COLOR=1, and at 80x24, where the message's text starts past the
right edge: the line is shown from a little before the match, after its
time and an ellipsis, so the match is on screen."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check

TEXT = "before Bravo after bravo end"


def rev(cells):
    return "".join(c for c, a in cells if "7" in a)


def run(env, what, w=120, h=40):
    d = sdtmux.Dashboard(w, h, env=env).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, TEXT))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_for("Clients (1)", what="%s: the client" % what)
    d.keys("BTab")                   # the Log, where / filters lines
    d.keys("/")
    d.type("bravo")
    d.keys("Enter")
    d.wait_until(lambda ls: "filter: bravo" in (sdtmux.log_title(ls) or ""),
                 "%s: the filter in the Log title" % what)
    d.wait_for(TEXT, what="%s: the message in the filtered Log" % what)
    cells = sdtmux.styled_line(d.screen(escapes=True), TEXT)
    check(cells is not None, "%s: the line left:\n%s" % (what, d.dump()))
    # the line's own text, between the box's borders
    text = "".join(c for c, a in cells)
    start = text.index(TEXT)
    mine = cells[start:start + len(TEXT)]
    check(rev(mine) == "Bravobravo",
          "%s: reverse cells in %r are %r, not the two matches "
          "`Bravo` and `bravo`" % (what, TEXT, rev(mine)))
    check(not rev(cells[:start]).strip(" >EW"),
          "%s: reverse cells before the text: %r" % (what,
                                                     rev(cells[:start])))
    s.close()
    d.keys("q", "y")
    d.wait_exit()


def test():
    run(None, "colour")
    run({"NO_COLOR": "1"}, "NO_COLOR")
    run(None, "80x24", 80, 24)


sdtmux.run(test)
