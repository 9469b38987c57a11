#!/usr/bin/env python3
"""Each Log line has the level of the server's event (its JSON `level`):
errors (a bad frame, a HELLO with a refused token and the disconnect
after it, an InfluxDB sink failing on a closed port once a reading is
sent) are red and marked `E` before the time, warnings (a connection
dropped for --max-clients) are yellow and marked `W`, connects and
messages are neither. Under NO_COLOR=1 the marks still say it, and the
errors are bold."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

STAMP = r"\d\d:\d\d:\d\d\.\d{3}"
SINK = "sink  influx failing"          # the log's; line 2 has no "sink"


def gutter(lines, pat):
    """The two columns before the time of the first Log line matching
    pat, or None."""
    for r in sdtmux.log_rows(lines) or []:
        m = re.match(r"^.(..)" + STAMP + r".*" + pat, r)
        if m:
            return m.group(1)
    return None


def line_attrs(esc, needle):
    """The SGR parameters in force on the first character of the time of
    the Log line holding needle."""
    cells = sdtmux.styled_line(esc, needle)
    check(cells is not None, "no line holds %r" % needle)
    text = "".join(c for c, a in cells)
    m = re.search(STAMP, text)
    return cells[m.start()][1]


def run(env, colour):
    what = "colour" if colour else "NO_COLOR"
    dead = sdpeer.free_ports(1)[0]
    d = sdtmux.Dashboard(120, 40, env=env,
                         extra=["--token", "sesame",
                                "--max-clients", "2",
                                "--influx-url", "http://127.0.0.1:%d" % dead,
                                "--influx-db", "sd",
                                "--influx-flush-ms", "100"]).start()
    d.wait_ready()
    a = d.connect()
    a.sendall(sdwire.legacy_msg(sdpeer.DEV, "all is well"))
    sdpeer.recv_until_quiet(a, quiet=0.3, timeout=5)
    a.sendall(sdwire.legacy_sensor(sdpeer.DEV, 1.5))   # InfluxDB is down
    d.wait_for(SINK, what="%s: the sink's failing line" % what, timeout=20)
    b = d.connect()
    b.sendall(b"\xff" * 64)
    d.wait_for("bad-frame", what="%s: the bad-frame line" % what)
    c = d.connect()                          # the third: dropped
    sdpeer.expect_eof(c, what="the client past --max-clients")
    d.wait_for("too many clients", what="%s: the drop line" % what)
    b.close()
    d.wait_until(lambda ls: "Clients (1)" in "\n".join(ls), "b gone")
    e = d.connect()
    e.sendall(sdwire.hello(sdpeer.DEV, b"wrong", token=b"nope"))
    sdpeer.recv_until_quiet(e, quiet=0.3, timeout=5)
    lines = d.wait_for("token refused", what="%s: the refused HELLO's "
                       "disconnect" % what)
    want = [("connected", "  "), ('message  "all is well"', "  "),
            ("bad-frame", " E"), ("too many clients", " W"),
            (r"disconnected \(token refused\)", " E"), (SINK, " E")]
    for pat, mark in want:
        got = gutter(lines, pat)
        check(got == mark, "%s: the line %r is marked %r, not %r:\n%s"
              % (what, pat, got, mark, d.dump(lines)))
    esc = d.screen(escapes=True)
    err, warn = line_attrs(esc, "bad-frame"), line_attrs(esc,
                                                        "too many clients")
    info, sink = line_attrs(esc, "all is well"), line_attrs(esc, SINK)
    if colour:
        check("31" in err and "33" in warn,
              "colour: the error is %r (not red) or the warning %r (not "
              "yellow)" % (sorted(err), sorted(warn)))
        check("31" in sink, "colour: the sink's failing line is %r, not "
              "red" % sorted(sink))
        check(not {"31", "33"} & info, "colour: the message line is "
              "coloured %r" % sorted(info))
    else:
        check("1" in sink, "NO_COLOR: the sink's failing line is %r, not "
              "bold" % sorted(sink))
        check("1" in err and not sdtmux.colour_sgrs(esc),
              "NO_COLOR: the error line is %r (not bold), or colours on "
              "screen %r" % (sorted(err), sdtmux.colour_sgrs(esc)[:5]))
    for s in (a, e):
        s.close()
    d.keys("q", "y")
    d.wait_exit()


def test():
    run(None, True)
    run({"NO_COLOR": "1"}, False)


sdtmux.run(test)
