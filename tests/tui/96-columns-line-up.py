#!/usr/bin/env python3
"""What the dashboard lines up stays lined up, and a value is never cut
in the middle:
  - Sensors: with the sort mark (one column, three bytes in UTF-8) on a
    heading, each heading still starts over its column (channel over
    the channel names);
  - Transfers: `#N` of a file in flight and of an ended one in the same
    column;
  - the detail view's readings: each channel's last value whole, with
    its channel's name, and `+N more` for what does not fit."""
import os
import re

import sdpeer
import sdsensors
import sdtmux
import sdwire
from sdtmux import check

DEV = "02:00:00:00:00:96"
CHANS = [b"temperature", b"humidity", b"pressure", b"flow", b"level",
         b"voltage"]


def sensors_heads_line_up(d):
    sdsensors.focus(d)
    ls = d.wait_until(lambda ls: len(sdsensors.rows(ls)) >= 2,
                      "two Sensors rows")
    i, col, _ = sdsensors.heads(ls)
    head = ls[i]
    check("\u25b2" in head or "^" in head, "no sort mark: %r" % head)
    # A row: device (17) space channel.
    check(head.index("channel") == col + 18,
          "`channel` at column %d, the names at %d:\n%s\n%s"
          % (head.index("channel"), col + 18, head, ls[i + 1]))


def transfers_line_up(d, s):
    body = os.urandom(1000)
    s.sendall(sdwire.file_offer(1, len(body), 0x11, b"done.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    s.sendall(sdwire.file_chunk(1, 0, body) +
              sdwire.file_end(1, len(body), sdwire.xxh3_64(body)))
    sdpeer.expect_frame(s, sdwire.T_FILE_RESULT)
    s.sendall(sdwire.file_offer(2, 1000000, 0x12, b"flight.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    s.sendall(sdwire.file_chunk(2, 0, os.urandom(200000)))

    def both(ls):
        rows = sdtmux.transfers_rows(ls) or []
        a = [r for r in rows if "flight.bin" in r]
        b = [r for r in rows if "done.bin" in r]
        return (a[0], b[0]) if a and b else None
    ls = d.wait_until(both, "flight.bin in flight and done.bin ended")
    a, b = both(ls)
    check(a.index(" #") == b.index(" #"),
          "#N at column %d in flight, %d ended:\n%s\n%s"
          % (a.index(" #"), b.index(" #"), a, b))


def test():
    d = sdtmux.Dashboard(160, 48).start()
    d.wait_ready()
    s = d.connect()
    sdpeer.hello(s, dev=sdwire.mac(DEV), name=b"many")
    f = sdsensors.Feeder(d, dev=sdwire.mac(DEV))
    for i, ch in enumerate(CHANS):
        f.add(ch, [1000.123456 + i])
    f.start()
    d.wait_for("Sensors (1 device, %d channels)" % len(CHANS))
    sensors_heads_line_up(d)
    transfers_line_up(d, s)

    c = [x for x in d.ctl({"cmd": "clients"})["clients"]
         if x["name"] == "many"][0]
    d.keys("Tab", "Tab")            # back to Clients (Sensors, Log, Clients)
    d.wait_for(re.compile(r"\[Clients \("), what="Clients focused")
    d.keys("Enter")             # "many", the first row, is selected
    ls = d.wait_until(lambda ls: "Client #%d" % c["id"] in "\n".join(ls)
                      and sdtmux.detail_field(ls, "readings") not in (None, "none"),
                      "the detail view with readings")
    r = sdtmux.detail_field(ls, "readings")
    items = r.split(", ")
    check(re.fullmatch(r"\+\d+ more", items[-1]) is not None,
          "six long channels all fit in the field? %r" % r)
    for it in items[:-1]:
        check(re.fullmatch(r"[a-z]+ 1\d\d\d\.\d+ \(\d+ so far\)", it),
              "a reading cut or without its channel: %r in %r" % (it, r))
    check(len(items) >= 2, "not even one reading whole: %r" % r)
    f.close()
    s.close()


sdtmux.run(test)
