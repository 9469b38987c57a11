#!/usr/bin/env python3
"""The server's `device-silent` and `device-back` events (issue 19) show
in the Log whichever view is on top: `device MAC NAME silent for 5m00s
(usually every 10s)` marked W and in the warning colour, `device MAC
NAME back after 5m20s` plain; a name holding ESC and a bidi override
escaped (\\x1b, \\u{202e}), a null one (no registry name) not said
at all. The Devices row and the title's counts follow
the events at once (the server here answers `devices` once only).
Then in-process, with the real server (`--device-timeout 2`): a legacy
device that stops sending goes silent, its Log line and row say so, and it comes
back with its next reading."""
import re
import time

import sdfleet
import sdpeer
import sdtmux
import sdwire
from sdtmux import check

PUMP = "02:00:00:00:00:01"
EVIL = "02:00:00:00:00:09"
STAMP = r"\d\d:\d\d:\d\d\.\d{3}"


def gutter(lines, pat):
    for r in sdtmux.log_rows(lines) or []:
        m = re.match(r"^.(..)" + STAMP + r"  " + pat, r)
        if m:
            return m.group(1)
    return None


def test():
    f = sdfleet.Fleet([
        sdfleet.device(PUMP, "pump-7", "online", 1, "10.0.0.7:40001"),
        sdfleet.device(EVIL, "\x1b[31mX\u202e", "online", 1,
                       "10.0.0.9:40009")], answers=1)
    d = f.dashboard(100, 30)
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="the Clients pane")
    f.event("device-silent", mac=PUMP, name="pump-7", silent_s=300,
            interval_s=10)
    silent = r"device 02:00:00:00:00:01 pump-7 silent for 5m00s " \
        r"\(usually every 10s\)"
    ls = d.wait_until(lambda ls: gutter(ls, silent) is not None,
                      "the silent line in the Log")
    check(gutter(ls, silent) == " W", "the silent line not marked W:\n"
          + d.dump(ls))
    esc = d.screen(escapes=True)
    cells = sdtmux.styled_line(esc, "pump-7 silent for")
    text = "".join(c for c, _ in cells)
    check("33" in cells[text.index("device")][1],
          "the silent line not in the warning colour")
    ls = sdfleet.show(d)
    ls = d.wait_until(lambda ls: re.search(
        r"pump-7 +silent ", sdfleet.row(ls, PUMP) or ""), "pump-7 silent")
    check(sdfleet.TITLE.search("\n".join(ls)).groups() == ("2", "1", "0",
                                                           "1"),
          "the title's counts:\n" + d.dump(ls))
    f.event("device-back", mac=PUMP, name="pump-7", silent_s=320)
    d.wait_until(lambda ls: sdfleet.TITLE.search("\n".join(ls)).groups() ==
                 ("2", "2", "0", "0"), "the counts after device-back")
    back = r"device 02:00:00:00:00:01 pump-7 back after 5m20s"
    ls = d.wait_until(lambda ls: gutter(ls, back) is not None and
                      re.search(r"pump-7 +online ",
                                sdfleet.row(ls, PUMP) or ""),
                      "the back line, and pump-7 online")
    check(gutter(ls, back) == "  ", "the back line marked:\n" + d.dump(ls))
    f.event("device-silent", mac=EVIL, name="\x1b[31mX\u202e",
            silent_s=61, interval_s=None)
    ls = d.wait_until(lambda ls: gutter(
        ls, r"device 02:00:00:00:00:09 \\x1b\[31mX\\u\{202e\} silent for "
        r"1m01s +\S$") is not None, "the hostile name escaped, no interval")
    # a device the registry does not name: its name null, none said
    f.event("device-back", mac=EVIL, name=None, silent_s=75.5)
    d.wait_until(lambda ls: gutter(
        ls, r"device 02:00:00:00:00:09 back after 1m15s +\S$") is not None,
        "a null name: `device MAC back after 1m15s`")
    raw = "\n".join(d.screen(escapes=True))
    check("\u202e" not in raw and "\x1b[31mX" not in raw,
          "a raw byte on screen")
    d.keys("q")
    d.wait_exit()
    f.close()
    real()


def real():
    d = sdtmux.Dashboard(100, 30, extra=["--device-timeout", "2"]).start()
    d.wait_ready()
    s = d.connect()
    for i in range(3):
        s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 1.5 + i))
        time.sleep(0.2)
    dev = sdtmux.DEV_STR
    d.wait_until(lambda ls: gutter(ls, r"device %s silent for \d+s"
                                        % dev) == " W",
                      "the real server's device-silent, marked W")
    sdfleet.show(d)
    d.wait_until(lambda ls: re.search(r" - +silent ", sdfleet.row(ls, dev)
                                      or ""), "its row silent")
    s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 9))
    d.wait_until(lambda ls: gutter(ls, r"device %s back after \d+s" % dev)
                 == "  " and re.search(r" - +online ",
                                       sdfleet.row(ls, dev) or ""),
                 "the real server's device-back, the row online")
    port = s.getsockname()[1]
    s.close()
    d.wait_until(lambda ls: any("127.0.0.1:%d " % port in r and
                                "disconnected" in r
                                for r in sdtmux.log_rows(ls) or []),
                 "the device's disconnect")
    d.keys("q")                      # no client left: no question
    d.wait_exit()


sdtmux.run(test)
