#!/usr/bin/env python3
"""^S opens the `Sensors` form (Value 20, Channel empty, Mode once, Rate
10). `once` with Value 21.5 on channel temp sends one reading: it is in
the server's store (line protocol, our device, channel=temp, 21.5) and
the status line says `sent 1  acked 1`. A `constant` stream at 50/s
shows `streaming constant 50/s on temp (Esc stops)`, the status line's
`sent` and `acked` grow at about that rate, Esc stops it (the counters
settle with acked = sent and stay), and the store holds exactly the
readings sent, all 50. With --legacy a reading is sent and `acked`
stays 0 (SPEC-client.md, Sensor form)."""
import re
import time

import sdpeer
import sdtmux
from sdtmux import check

STREAM = re.compile(r"streaming constant 50(?:\.0*)?/s on temp \(Esc "
                    r"stops\)")


def form_open(lines):
    return (any("Sensors" in l for l in lines[1:-3])
            and any("Value:" in l for l in lines))


def field(lines, name):
    """The text after `NAME:` in the form (first word)."""
    for l in lines:
        m = re.search(r"%s:\W*([^\s\]\u2502]*)" % name, l)
        if m:
            return m.group(1)
    return None


def mine(srv, channel):
    out = []
    for l in srv.readings_lines():
        r = sdpeer.parse_reading(l)
        if r["device"] == sdtmux.CLIENT_DEV and r["channel"] == channel:
            out.append(r)
    return out


def wait_store(srv, channel, pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        got = mine(srv, channel)
        if pred(got):
            return got
        if time.monotonic() > deadline:
            sdtmux.fail("%s: the store holds %d readings of %s on channel "
                        "%r: %r" % (what, len(got), sdtmux.CLIENT_DEV,
                                    channel, [r["value"] for r in got][:20]))
        time.sleep(0.05)


def close_form(c):
    """`once` may leave the form open (the SPEC only says the streams
    close it): Esc closes it then."""
    time.sleep(0.3)
    if form_open(c.screen()):
        c.keys("Escape")
        c.wait_until(lambda ls: not form_open(ls), "Esc to close the "
                     "Sensors form")


def test():
    srv = sdpeer.Server().start()
    port = srv.ports[0]
    c = sdtmux.ClientTui(120, 40, args=["127.0.0.1:%d" % port]).start()
    c.wait_ready()
    c.wait_state("connected")
    srv.wait_event("hello")
    lines = c.wait_counts(lambda s, a: (s, a) == (0, 0),
                          "the status line ` readings  sent 0  acked 0`")

    # the form and its defaults
    c.keys("C-s")
    lines = c.wait_until(lambda ls: form_open(ls) and field(ls, "Rate")
                         is not None, "^S: the `Sensors` form with Value, "
                         "Channel, Mode and Rate")
    scr = c.dump(lines)
    check(field(lines, "Value") == "20", "Value is %r, expected the default "
          "20:\n%s" % (field(lines, "Value"), scr))
    check(field(lines, "Rate") == "10", "Rate is %r, expected the default "
          "10:\n%s" % (field(lines, "Rate"), scr))
    check(any("Channel:" in l for l in lines), "no `Channel:` field:\n"
          + scr)
    check(field(lines, "Mode") is not None and "once" in "\n".join(
        l for l in lines if "Mode:" in l), "Mode does not show `once`:\n"
        + scr)

    # once: Value 21.5, Channel temp
    c.clear_field()
    c.type("21.5")
    c.wait_until(lambda ls: field(ls, "Value") == "21.5", "Value 21.5")
    c.keys("Tab")
    c.clear_field()
    c.type("temp")
    c.wait_until(lambda ls: field(ls, "Channel") == "temp", "Channel temp")
    c.keys("Enter")
    c.wait_counts(lambda s, a: (s, a) == (1, 1), "`sent 1  acked 1` after "
                  "`once`")
    got = wait_store(srv, "temp", lambda g: len(g) >= 1, "the `once` "
                     "reading")
    check([r["value"] for r in got] == [21.5], "the store holds %r, "
          "expected one reading 21.5 on channel temp" % got)
    close_form(c)

    # a constant stream at 50/s
    c.keys("C-s")
    c.wait_until(lambda ls: form_open(ls) and field(ls, "Rate")
                 is not None, "^S: the form again")
    c.clear_field()
    c.type("50")
    c.wait_until(lambda ls: field(ls, "Value") == "50", "Value 50")
    c.keys("Tab")
    c.clear_field()
    c.type("temp")
    c.wait_until(lambda ls: field(ls, "Channel") == "temp", "Channel temp")
    c.keys("Tab")
    c.keys("Right")                  # once -> constant
    c.keys("Tab")
    c.clear_field()
    c.type("50")
    c.wait_until(lambda ls: field(ls, "Rate") == "50", "Rate 50")
    c.keys("Enter")
    lines = c.wait_until(lambda ls: STREAM.search(c.status_line(ls)),
                         "the status line `streaming constant 50/s on temp "
                         "(Esc stops)` (Tab to Mode, Right: once -> "
                         "constant)")
    check(not form_open(lines), "the form is still open after Enter "
          "started a stream:\n" + c.dump(lines))
    s1, a1 = c.counts(lines)
    t1 = time.monotonic()
    time.sleep(2.0)
    lines = c.screen()
    s2, a2 = c.counts(lines)
    dt = time.monotonic() - t1
    check(STREAM.search(c.status_line(lines)), "the stream stopped by "
          "itself:\n" + c.dump(lines))
    rate = (s2 - s1) / dt
    check(20 <= rate <= 100, "`sent` grew from %d to %d in %.1fs (%.0f/s), "
          "expected about 50/s:\n%s" % (s1, s2, dt, rate, c.dump(lines)))
    check(a2 > a1 and a2 <= s2, "`acked` went from %d to %d (sent %d): not "
          "growing with the readings:\n%s" % (a1, a2, s2, c.dump(lines)))

    c.keys("Escape")
    c.wait_until(lambda ls: "streaming" not in c.status_line(ls),
                 "Esc to stop the stream")
    s3, a3 = c.wait_counts(lambda s, a: s == a, "the counters to settle "
                           "with acked = sent after Esc")
    time.sleep(1.0)
    lines = c.screen()
    check(c.counts(lines) == (s3, a3), "readings still counted after Esc: "
          "%r then %r\n%s" % ((s3, a3), c.counts(lines), c.dump(lines)))
    got = wait_store(srv, "temp", lambda g: len(g) >= s3, "all readings "
                     "acknowledged")
    vals = [r["value"] for r in got]
    check(len(vals) == s3, "the store holds %d readings on temp, the "
          "screen says %d sent and acknowledged" % (len(vals), s3))
    check(vals[0] == 21.5 and all(v == 50.0 for v in vals[1:]),
          "a constant stream of 50 stored other values: %r"
          % sorted(set(vals)))
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # legacy: sent, never acknowledged
    c = sdtmux.ClientTui(120, 40, args=["--legacy",
                                        "127.0.0.1:%d" % port]).start()
    c.wait_ready()
    c.wait_state("connected")
    c.keys("C-s")
    c.wait_until(lambda ls: form_open(ls) and field(ls, "Value") == "20",
                 "--legacy: ^S, the form with Value 20")
    c.keys("Enter")
    c.wait_counts(lambda s, a: (s, a) == (1, 0), "--legacy: `sent 1  "
                  "acked 0` after `once`")
    got = wait_store(srv, None, lambda g: len(g) >= 1, "the legacy reading")
    check([r["value"] for r in got] == [20.0], "legacy readings stored: %r"
          % got)
    time.sleep(0.5)
    check(c.counts() == (1, 0), "--legacy: the counters moved to %r:\n%s"
          % (c.counts(), c.dump()))
    close_form(c)
    c.keys("F10")
    check(c.wait_exit() == 0, "--legacy: F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
