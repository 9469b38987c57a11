#!/usr/bin/env python3
"""The transfer account says what really came: a legacy upload that
stops at 41% reads `receiving` with those bytes, then `stalled` once
--stall-seconds pass without a byte (one `file-stall` warning; the
client's state `stalled 41% Ns`; `ctl transfers` too), `receiving`
again when bytes come (one more event), and `stored` with every byte.
A sender the server holds back (--device-rate) is `waiting (rate)`,
never stalled, however long it waits."""
import re
import time

import sdpeer
import sdwire
from sdpeer import check

SIZE = 1 << 20
PART = SIZE * 41 // 100 + 100          # 41%, not 42%
DEV = sdwire.mac("02:00:00:00:01:37")


def mine(cid):
    return lambda t: t["client"] == cid


def client_state(srv, cid):
    for c in srv.ctl({"cmd": "clients"})["clients"]:
        if c["id"] == cid:
            return c["state"]
    return None


def stalled_then_stored():
    srv = sdpeer.Server(extra=["--stall-seconds", "2"]).start()
    s = srv.connect()
    cid = srv.client_event(s)["id"]
    data = bytes((i * 13) & 0xFF for i in range(SIZE))
    s.sendall(sdwire.legacy_file_head(DEV, 0, SIZE) + data[:PART])
    t0 = time.monotonic()
    t = srv.wait_transfer(lambda t: t["client"] == cid and
                          t["bytes"] == PART, "the account holding %d bytes"
                          % PART)
    if time.monotonic() - t0 < 1.5:
        check(t["state"] == "receiving", "before the stall time: %r" % t)
    check(t["size"] == SIZE and t["percent"] == 41 and
          t["device"] == "02:00:00:00:01:37" and t["proto"] == "legacy",
          "in flight: %r" % t)

    t = srv.wait_transfer(lambda t: t["client"] == cid and
                          t["state"] == "stalled", "stalled after 2 s")
    check(t["bytes"] == PART and t["percent"] == 41 and
          t["idle_ms"] >= 2000 and t["rate"] == 0, "stalled: %r" % t)
    ev = srv.wait_event("file-stall", lambda e: e.get("id") == cid)
    check(ev.get("state") == "stalled" and ev.get("bytes") == PART and
          ev.get("size") == SIZE and ev.get("level") == "warning" and
          ev.get("window") == 2, "file-stall event: %r" % ev)
    st = client_state(srv, cid)
    check(re.fullmatch(r"stalled 41% [2-9]s", st or ""),
          "the client's state: %r" % st)
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir,
                                   "transfers"])
    check(rc == 0 and re.search(r"\bstalled\s+41%%\s+%d\s+%d\b"
                                % (PART, SIZE), out),
          "ctl transfers: %r %r" % (out, err))
    time.sleep(1.5)
    check(len(srv.find_events("file-stall", lambda e: e.get("id") ==
                              cid)) == 1, "file-stall logged more than "
          "once while it stays stalled")

    s.sendall(data[PART:PART + 1000])
    ev = srv.wait_event("file-stall", lambda e: e.get("id") == cid and
                        e.get("state") == "receiving")
    check(ev.get("bytes") == PART + 1000 and ev.get("window") >= 2,
          "bytes again: %r" % ev)
    srv.wait_transfer(lambda t: t["client"] == cid and
                      t["state"] == "receiving", "receiving again")
    s.sendall(data[PART + 1000:])
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=10)
    check(got.startswith(b"file upload successful"), "answer %r" % got)
    t = srv.wait_transfer(mine(cid), "stored", ended=True)
    check(t["state"] == "stored" and t["bytes"] == SIZE and
          t["percent"] == 100 and t["ended_ns"] >= t["started_ns"] and
          "reason" not in t,
          "ended: %r" % t)
    check(len(srv.find_events("file-stall", lambda e: e.get("id") ==
                              cid)) == 2, "file-stall events: %r" %
          srv.find_events("file-stall"))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def held_is_waiting():
    srv = sdpeer.Server(extra=["--stall-seconds", "1", "--device-rate",
                               "64k/60"]).start()
    s = srv.connect()
    cid = srv.client_event(s)["id"]
    s.sendall(sdwire.legacy_file_head(DEV, 0, SIZE) + b"w" * (600 << 10))
    t = srv.wait_transfer(lambda t: t["client"] == cid and
                          t["state"] == "waiting", "held back: waiting")
    check(t.get("reason") == "rate", "waiting for %r" % t.get("reason"))
    time.sleep(3)
    t = srv.wait_transfer(mine(cid), "still in flight")
    check(t["state"] == "waiting", "held for 3 s, 1 s stall time: %r" % t)
    check(not srv.find_events("file-stall"), "a held sender stalled: %r"
          % srv.find_events("file-stall"))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    stalled_then_stored()
    held_is_waiting()


sdpeer.run(test)
