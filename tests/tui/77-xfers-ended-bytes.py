#!/usr/bin/env python3
"""A transfer that ends short shows in the Transfers pane the bytes that
really came, not its size: an extension upload cancelled after 300000 of
1000000 bytes reads `300.0 kB of 1.0 MB cancelled`, a legacy upload cut
by a disconnect after 120000 of 500000 `120.0 kB of 500.0 kB
disconnected`; one stored reads its size. `attach` shows the same."""
import os

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def rows(ls):
    return sdtmux.transfers_rows(ls) or []


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    sdpeer.hello(s, dev=sdwire.mac("02:00:00:00:00:77"))
    s.sendall(sdwire.file_offer(1, 1000000, 0x77, b"cut.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    data = os.urandom(300000)
    for off in range(0, len(data), 50000):
        s.sendall(sdwire.file_chunk(1, off, data[off:off + 50000]))
    s.sendall(sdwire.file_cancel(1))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s,
                                                     sdwire.T_FILE_RESULT))
    check(r["status"] == 4, "RESULT %r" % r)
    d.wait_until(lambda ls: any("cut.bin" in r and
                                "300.0 kB of 1.0 MB cancelled" in r
                                for r in rows(ls)),
                 "`cut.bin ... 300.0 kB of 1.0 MB cancelled`")

    lg = d.connect()
    lg.sendall(sdwire.legacy_file_head(sdpeer.DEV, 0, 500000) +
               b"x" * 120000)
    d.wait_until(lambda ls: any("120.0 kB/500.0 kB" in r for r in rows(ls)),
                 "the legacy upload in flight at 120.0 kB/500.0 kB")
    lg.close()
    d.wait_until(lambda ls: any("120.0 kB of 500.0 kB disconnected" in r
                                for r in rows(ls)),
                 "`120.0 kB of 500.0 kB disconnected`")

    s.sendall(sdwire.file_offer(2, 5000, 0x78, b"whole.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    body = os.urandom(5000)
    s.sendall(sdwire.file_chunk(2, 0, body) +
              sdwire.file_end(2, 5000, sdwire.xxh3_64(body)))
    sdpeer.expect_frame(s, sdwire.T_FILE_RESULT)
    lines = d.wait_until(lambda ls: any("whole.bin" in r and
                                        "5.0 kB stored" in r
                                        for r in rows(ls)),
                         "`whole.bin ... 5.0 kB stored`")
    check(any("cancelled" in r for r in rows(lines)),
          "the cancelled one went from the pane:\n" + d.dump(lines))
    s.close()

    a = sdtmux.Dashboard(120, 40, args=["attach", "--data-dir",
                                        d.dir]).start()
    a.wait_until(lambda ls: any("300.0 kB of 1.0 MB cancelled" in r
                                for r in rows(ls)) and
                 any("120.0 kB of 500.0 kB disconnected" in r
                     for r in rows(ls)),
                 "attached: the same ended transfers and bytes")
    a.keys("q")
    check(a.wait_exit() == 0, "attach exit status")


sdtmux.run(test)
