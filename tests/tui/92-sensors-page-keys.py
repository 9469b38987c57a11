#!/usr/bin/env python3
"""In Sensors the page keys and the wheel move the view as in the other
panes: ^F and PgDn a page down, ^B and PgUp up, the wheel three rows a
turn (the view follows the selection, so these move the selection)."""
import sdsensors
import sdtmux
from sdtmux import check

NCHANS = 30


def top(ls):
    rows = sdsensors.rows(ls)
    return rows[0]["channel"] if rows else None


def test():
    d = sdtmux.Dashboard(100, 30).start()
    d.wait_ready()
    sdsensors.focus(d)
    f = sdsensors.Feeder(d)
    for i in range(NCHANS):
        f.add(b"c%02d" % i, [i])
    f.start()
    ls = d.wait_for("Sensors (1 device, %d channels)" % NCHANS)
    ls = d.wait_until(lambda ls: top(ls) == "c00", "c00 at the top")
    shown = len(sdsensors.rows(ls))
    check(0 < shown < NCHANS // 2, "%d rows shown of %d" % (shown, NCHANS))
    for down, up in (("C-f", "C-b"), ("PgDn", "PgUp")):
        d.keys(down, down)
        d.wait_until(lambda ls: top(ls) not in (None, "c00"),
                     "%s twice: the view moved down" % down)
        d.keys(up, up)
        d.wait_until(lambda ls: top(ls) == "c00",
                     "%s twice: back at the top" % up)
    h = sdsensors.heads(d.screen())
    for _ in range(10):
        sdtmux.wheel(d, h[1] + 2, h[0] + 2)
    d.wait_until(lambda ls: top(ls) not in (None, "c00"),
                 "the wheel turned down: the view moved")
    for _ in range(10):
        sdtmux.wheel(d, h[1] + 2, h[0] + 2, down=False)
    d.wait_until(lambda ls: top(ls) == "c00", "the wheel turned up: back")
    f.close()


sdtmux.run(test)
