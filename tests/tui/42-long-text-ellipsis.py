#!/usr/bin/env python3
"""A text longer than its place ends with an ellipsis in the last column
(`…`, or `~` where the screen does not draw UTF-8), so a cut line never
looks whole (issue 16); a line that only loses its padding does not get
one. Seen on the dashboard's log line of a 300-character message."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check

WORDS = " ".join("word%03d" % i for i in range(40))


def one(term, mark):
    d = sdtmux.Dashboard(100, 30, env={"TERM": term}).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, WORDS))
    sdpeer.recv_until_quiet(s)
    lines = d.wait_until(lambda ls: any("word000" in l for l in
                                        sdtmux.log_rows(ls) or []),
                         "the message's log line")
    line = [l for l in sdtmux.log_rows(lines) if "word000" in l][0]
    body = line.rstrip()[1:-1]       # inside the box's borders
    check(body.endswith(mark), "TERM=%s: the cut log line does not end "
          "with %r: %r" % (term, mark, line))
    check("word039" not in line, "TERM=%s: the whole text fit: %r"
          % (term, line))
    others = [l for l in sdtmux.log_rows(lines) if "connected" in l]
    check(others and not any(l.rstrip()[1:-1].rstrip().endswith(mark)
                             for l in others),
          "TERM=%s: a short line got an ellipsis: %r" % (term, others))
    s.close()


def test():
    one("xterm-256color", "\u2026")
    one("vt100", "~")


sdtmux.run(test)
