#!/usr/bin/env python3
"""The fleet holds at most 65536 devices: 70000 distinct MACs leave the
65536 seen last (the newest first in the answer, the first 4464 gone),
`forgotten` 4464; an answer holds 1000 devices unless a limit asks for
more (at most 2000), from an offset (pages cover the table); the full table is written at a stop and read back
at the next start, within seconds. A connection speaks for one device
at a time, the one its last frame named: the others are offline."""
import os
import struct
import time

import sdpeer
import sdwire
from sdpeer import check

N = 70000
MAX = 65536


def mac(i):
    return b"\x02\x00" + struct.pack(">I", i)


def text(i):
    return "02:00:" + ":".join("%02x" % b for b in struct.pack(">I", i))


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    chunk = []
    for i in range(N):
        chunk.append(sdwire.legacy_sensor(mac(i), 1.0))
        if len(chunk) == 1000:
            s.sendall(b"".join(chunk))
            chunk = []
    s.sendall(b"".join(chunk))
    deadline = time.monotonic() + 60
    while True:
        st = srv.ctl({"cmd": "status"})["status"]
        if st["totals"]["readings"] == N:
            break
        check(time.monotonic() < deadline, "readings %r of %d"
              % (st["totals"]["readings"], N))
        time.sleep(0.2)
    # One connection speaks for the device its last frame named.
    check(st["devices"] == {"total": MAX, "online": 1, "offline": MAX - 1,
                            "silent": 0}, "status devices %r" % st["devices"])
    r = srv.ctl({"cmd": "devices"})
    check(r["total"] == MAX and r["forgotten"] == N - MAX and
          len(r["devices"]) == 1000, "default answer: total %r forgotten %r "
          "rows %d" % (r["total"], r["forgotten"], len(r["devices"])))
    check(r["devices"][0]["mac"] == text(N - 1) and
          r["devices"][999]["mac"] == text(N - 1000), "not newest first: %r %r"
          % (r["devices"][0]["mac"], r["devices"][999]["mac"]))
    macs = []
    t0 = time.monotonic()
    for off in range(0, MAX, 2000):
        r = srv.ctl({"cmd": "devices", "offset": off, "limit": 2000})
        check(r["total"] == MAX and len(r["devices"]) == min(2000, MAX - off),
              "offset %d: %d rows" % (off, len(r["devices"])))
        macs += [d["mac"] for d in r["devices"]]
    sdpeer.log("every device in pages of 2000: %.2fs" % (time.monotonic() - t0))
    check(len(set(macs)) == MAX, "pages overlap: %d distinct of %d"
          % (len(set(macs)), len(macs)))
    for bad in ({"limit": 2001}, {"offset": MAX}, {"offset": -1}):
        a = srv.ctl(dict({"cmd": "devices"}, **bad))
        check(a.get("ok") is False, "%r answered %r" % (bad, a))
    check(len(macs) == MAX and macs[-1] == text(N - MAX) and
          text(N - MAX - 1) not in macs and text(0) not in macs,
          "pages: %d rows, last %r" % (len(macs), macs[-1]))
    s.close()
    check(srv.stop() == 0, "exit status %r" % srv.returncode)
    with open(os.path.join(srv.dir, "fleet")) as f:
        lines = f.read().splitlines()
    check(len(lines) == MAX + 2 and lines[-1] == "end %d" % MAX and
          lines[1].startswith(text(N - MAX) + " "),
          "fleet file: %d lines, %r" % (len(lines), lines[-1]))
    t0 = time.monotonic()
    srv2 = sdpeer.Server(data_dir=srv.dir).start()
    took = time.monotonic() - t0
    st = srv2.ctl({"cmd": "status"})["status"]["devices"]
    check(st == {"total": MAX, "online": 0, "offline": MAX, "silent": 0},
          "after a restart %r" % st)
    check(took < 20, "start with a full fleet file took %.1fs" % took)
    srv2.stop()


sdpeer.run(test)
