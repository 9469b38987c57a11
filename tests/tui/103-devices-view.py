#!/usr/bin/env python3
"""Tab from Clients shows the Devices view in its place (issue 19):
attached to a server that answers `devices` (tests/tui/sdfleet.py, the
contract), one row per device with its MAC, registry name (`-` for
none), state, last seen (as Clients' last: "3s",
"5m00s", "2h00m"), rate, readings and address;
at 80x24 every one of those columns fits, at 200x50 more come
(messages, files, proto, first, every). Silent devices come first, in
the warning colour and bold, and bold alone under NO_COLOR. A name and
an address holding ESC, a bidi override and BEL show as `?`, no byte
raw. At 80 columns a loopback address and port, 15 wide, shows whole
(as in Clients)."""
import re

import sdfleet
import sdtmux
from sdtmux import check

EVIL = "\x1b[31mX\u202e"
FLEET = [
    sdfleet.device("02:00:00:00:00:01", "pump-7", "online", 3,
                   "10.0.0.7:40001", readings=1234, rate=0.5,
                   messages=8, files=2),
    sdfleet.device("02:00:00:00:00:02", None, "offline", 7200,
                   "10.0.0.8:40002", readings=99, protocol="legacy"),
    sdfleet.device("02:00:00:00:00:03", "boiler", "silent", 300,
                   "10.0.0.9:40003", readings=5, interval_s=10.0),
    sdfleet.device("02:00:00:00:00:04", EVIL, "online", 0,
                   "\x1b]0;pwn\x07:1", readings=1),
    sdfleet.device("02:00:00:00:00:05", "tank", "online", 1,
                   "127.0.0.1:52978", readings=2),
]
SILENT = "02:00:00:00:00:03"


def silent_attrs(d):
    """The SGR parameters on the silent row's MAC."""
    esc = d.screen(escapes=True)
    cells = sdtmux.styled_line(esc, SILENT)
    check(cells is not None, "no silent row:\n" + d.dump())
    text = "".join(c for c, a in cells)
    return cells[text.index(SILENT)][1]


def at_80(f):
    d = f.dashboard(80, 24)
    ls = sdfleet.show(d)
    ls = d.wait_until(lambda ls: len(sdfleet.rows(ls)) == 5,
                      "five device rows at 80x24")
    m = sdfleet.TITLE.search("\n".join(ls))
    check(m.groups() == ("5", "3", "1", "1"), "the title's counts: %r"
          % (m.groups(),))
    head = [w.rstrip("\u25b2^") for w in sdfleet.heads(ls).split()]
    check(head == ["mac", "name", "state", "last", "rate", "readings",
                   "address"], "the heads at 80: %r" % head)
    check(sdfleet.macs(ls)[0] == SILENT, "silent first:\n" + d.dump(ls))
    r = sdfleet.row(ls, "00:00:01")
    check(re.search(r"pump-7 +online +[34]s +0\.5/s +1234 10\.0\.0\.7:40001",
                    r or ""), "pump-7's row: %r" % r)
    r = sdfleet.row(ls, "00:00:02")
    check(re.search(r" - +offline +2h00m +0/s +99 10\.0\.0\.8:40002", r or ""),
          "the nameless offline row: %r" % r)
    r = sdfleet.row(ls, SILENT)
    check(re.search(r"boiler +silent +5m0\ds ", r or ""), "the silent row: %r"
          % r)
    r = sdfleet.row(ls, "00:00:05") or ""
    check(r.rstrip().endswith(" 127.0.0.1:52978"), "the address 15 wide: %r"
          % r)
    r = sdfleet.row(ls, "00:00:04") or ""
    check("?[31mX??? " in r and "?]0;pwn?:1" in r, "the hostile row: %r" % r)
    a = silent_attrs(d)
    check("1" in a and "33" in a, "silent: not bold yellow: %r" % a)
    d.resize(200, 50)
    ls = d.wait_until(lambda ls: "messages" in sdfleet.heads(ls),
                      "the wide heads at 200x50")
    head = sdfleet.heads(ls)
    for w in ("files", "proto", "first", "every", "address"):
        check(w in head, "%s not in the heads at 200: %r" % (w, head))
    r = sdfleet.row(ls, "00:00:01") or ""
    check(re.search(r"1234 +8 +2 +ext +1d00h +10s +10\.0\.0\.7:40001", r),
          "pump-7 at 200: %r" % r)
    r = sdfleet.row(ls, "00:00:04") or ""
    check("?[31mX???" in r, "the hostile name at 200: %r" % r)
    raw = "\n".join(d.screen(escapes=True))
    check("\u202e" not in raw and "\x1b[31mX" not in raw and
          "\x07" not in raw and "\x1b]0" not in raw, "a raw byte on screen")
    d.keys("q")
    d.wait_exit()


def no_color(f):
    d = f.dashboard(80, 24, env={"NO_COLOR": "1"})
    sdfleet.show(d)
    d.wait_until(lambda ls: sdfleet.row(ls, SILENT), "the silent row")
    a = silent_attrs(d)
    check("1" in a, "NO_COLOR: the silent row not bold: %r" % a)
    check(not any(x.startswith("3") and len(x) == 2 for x in a),
          "NO_COLOR: a colour on the silent row: %r" % a)
    r = sdfleet.row(d.screen(), "00:00:01")
    esc = d.screen(escapes=True)
    cells = sdtmux.styled_line(esc, "00:00:01")
    text = "".join(c for c, _ in cells)
    check("1" not in cells[text.index("02:00")][1],
          "NO_COLOR: an online row bold: %r" % r)
    d.keys("q")
    d.wait_exit()


def test():
    f = sdfleet.Fleet(FLEET)
    at_80(f)
    no_color(f)
    f.close()


sdtmux.run(test)
