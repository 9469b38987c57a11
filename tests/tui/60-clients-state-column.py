#!/usr/bin/env python3
"""The client table's `state` column says something for every client:
`new` before its first frame, `idle` after it, `receiving N%` while a
file arrives, `paused (rate)` while --device-rate holds it back."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

RATE_DEV = sdwire.mac("02:00:00:00:00:99")


def state(lines, port):
    """The text under the `state` heading in the row of port."""
    rows = sdtmux.clients_rows(lines)
    r = sdtmux.client_row(lines, port)
    if r is None or not rows or "state" not in rows[0]:
        return None
    return r[rows[0].index("state"):].rstrip(" \u2502x|")


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--device-rate", "100k/60"]).start()
    d.wait_ready()
    new, idle, recv, held = (d.connect() for _ in range(4))
    idle.sendall(sdwire.legacy_msg(sdpeer.DEV, "hello"))
    sdpeer.recv_until_quiet(idle, quiet=0.2, timeout=5)
    recv.sendall(sdwire.legacy_file_head(sdwire.mac("02:00:00:00:00:01"),
                                         0, 1 << 20) + b"x" * (60 << 10))
    held.sendall(b"".join(sdwire.legacy_msg(RATE_DEV, "y" * 1000)
                          for _ in range(150)))
    ports = {k: s.getsockname()[1] for k, s in
             (("new", new), ("idle", idle), ("recv", recv),
              ("held", held))}
    want = {
        "new": lambda s: s == "new",
        "idle": lambda s: s == "idle",
        "recv": lambda s: re.fullmatch(r"receiving \d{1,2}%", s or ""),
        "held": lambda s: (s or "").startswith("paused (rate)"),
    }
    lines = d.wait_until(lambda ls: all(want[k](state(ls, p))
                                        for k, p in ports.items()),
                         "the states new, idle, receiving N%, paused "
                         "(rate)")
    for r in sdtmux.clients_rows(lines)[1:]:
        if "127.0.0.1:" in r:
            check(state(lines, int(r.split("127.0.0.1:")[1].split()[0])),
                  "a blank state: %r" % r)
    for s in (new, idle, recv, held):
        s.close()


sdtmux.run(test)
