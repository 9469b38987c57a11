#!/usr/bin/env python3
"""The Transfers pane scrolls when its files do not fit: focused, Down
(j), Up (k), the pages, Home and End move it by whole entries, never
past the last page, and its title says which it shows (`1-7/20`); with
everything in view the title has no position."""
import os
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

NFILES = 20
POS = re.compile(r"\[Transfers \(0 in flight\) . (\d+)-(\d+)/(\d+)\]")


def store(s, fid, name):
    body = os.urandom(100)
    s.sendall(sdwire.file_offer(fid, len(body), 0x10 + fid, name))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    s.sendall(sdwire.file_chunk(fid, 0, body) +
              sdwire.file_end(fid, len(body), sdwire.xxh3_64(body)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s,
                                                     sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "file %d: RESULT %r" % (fid, r))


def pos(ls):
    for line in ls:
        m = POS.search(line)
        if m:
            return tuple(int(g) for g in m.groups())
    return None


def first_row(ls):
    rows = sdtmux.transfers_rows(ls) or [""]
    m = re.search(r"scroll-\d+\.bin", rows[0])
    return m.group(0) if m else None


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    sdpeer.hello(s, dev=sdwire.mac("02:00:00:00:00:91"))
    store(s, 1, b"alone.bin")
    d.keys("Tab", "Tab")    # Clients -> Devices -> Transfers
    ls = d.wait_for(re.compile(r"\[Transfers \(0 in flight\)\]"),
                    what="Transfers focused, one file: no position")
    for i in range(2, NFILES + 1):
        store(s, i, b"scroll-%02d.bin" % i)
    ls = d.wait_until(lambda ls: pos(ls) is not None and
                      pos(ls)[0] == 1 and pos(ls)[2] == NFILES,
                      "the title at 1-N/%d" % NFILES)
    first, last, _ = pos(ls)
    page = last - first + 1
    check(1 < page < NFILES, "a page of %d of %d" % (page, NFILES))
    top = first_row(ls)
    d.keys("j", "j", "j")
    ls = d.wait_until(lambda ls: pos(ls) is not None and pos(ls)[0] == 4,
                      "Down three times: from the 4th")
    check(first_row(ls) != top, "the first row is still %s" % top)
    d.keys("k")
    d.wait_until(lambda ls: pos(ls) is not None and pos(ls)[0] == 3,
                 "Up: from the 3rd")
    d.keys("End")
    ls = d.wait_until(lambda ls: pos(ls) is not None and
                      pos(ls)[1] == NFILES, "End: the last page")
    check(pos(ls)[1] - pos(ls)[0] + 1 == page,
          "the last page is not full: %r" % (pos(ls),))
    d.keys("j", "j", "PgDn")
    ls = d.wait_until(lambda ls: pos(ls) is not None and
                      pos(ls)[1] == NFILES, "still the last page")
    check(pos(ls)[1] - pos(ls)[0] + 1 == page,
          "scrolled past the last page: %r" % (pos(ls),))
    d.keys("k")
    d.wait_until(lambda ls: pos(ls) is not None and
                 pos(ls)[1] == NFILES - 1,
                 "Up once from the end moves at once (no dead scroll)")
    d.keys("Home")
    d.wait_until(lambda ls: pos(ls) is not None and pos(ls)[0] == 1,
                 "Home: from the first")
    s.close()


sdtmux.run(test)
