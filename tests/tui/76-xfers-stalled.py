#!/usr/bin/env python3
"""An upload that stops at 41% reads, once --stall-seconds pass without
a byte, `stalled 41% Ns` in the Transfers pane (the true percent and
bytes, the server's, and no time left) and in the client's state
column, whole at 120, 100 and 80 columns; bytes again, and it reads a
rate again."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

SIZE = 1 << 20
PART = SIZE * 41 // 100 + 100          # 430016 bytes: 41%, "430.0 kB"
STALLED = re.compile(r"stalled 41% \d+s")


def xfer_rows(ls):
    return sdtmux.transfers_rows(ls) or []


def state_of(ls, port):
    r = sdtmux.client_row(ls, port)
    return r or ""


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--stall-seconds", "2"]).start()
    d.wait_ready()
    s = d.connect()
    port = s.getsockname()[1]
    data = bytes((i * 7) & 0xFF for i in range(SIZE))
    s.sendall(sdwire.legacy_file_head(sdpeer.DEV, 0, SIZE) + data[:PART])

    def pane_stalled(ls):
        rows = xfer_rows(ls)
        return (any(STALLED.search(r) and "430.0 kB/1.0 MB" in r
                    for r in rows) and
                any(re.search(r"#\d+ .* 41%", r) for r in rows))

    lines = d.wait_until(pane_stalled, "the Transfers pane: `stalled 41% "
                         "Ns  430.0 kB/1.0 MB` and the bar at 41%")
    check(not any("ETA" in r for r in xfer_rows(lines)),
          "a stalled file with a time left:\n" + d.dump(lines))
    d.wait_until(lambda ls: STALLED.search(state_of(ls, port)),
                 "the client's state `stalled 41% Ns` at 120 columns")
    for w, h in ((100, 30), (80, 24)):
        d.resize(w, h)
        ls = d.wait_until(lambda ls: re.search(r"stalled 41% \d+s\s*\u2502",
                                               state_of(ls, port)),
                          "the state `stalled 41%% Ns` whole at %d columns"
                          % w)
        check("\u2026" not in state_of(ls, port), "cut at %d columns: %r"
              % (w, state_of(ls, port)))
    # 80x24: Tab to Transfers (past Devices), the pane alone below the
    # clients
    d.keys("Tab", "Tab")
    d.wait_until(lambda ls: any(STALLED.search(r) for r in xfer_rows(ls)),
                 "the Transfers pane at 80x24 says stalled 41%")

    # 50 kB a second from here: the rest takes 12 s
    st = sdpeer.Steady(s, 5, lambda i: data[PART + i * 10000:
                                           PART + (i + 1) * 10000]).start()
    d.wait_until(lambda ls: any(re.search(r"\d kB/s .*ETA \d", r)
                                for r in xfer_rows(ls)) and
                 not any("stalled" in r for r in xfer_rows(ls)),
                 "bytes again: a rate and a time left, not stalled")
    st.stop()
    s.close()


sdtmux.run(test)
