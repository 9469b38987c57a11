#!/usr/bin/env python3
"""Parked transfers are bounded: 8 per device, 32 per address, 1024 in
all, where a device's count holds only the transfers its owner could
resume (from its address, or all with --token), so another address that
claims the device cannot evict them. Passing a bound evicts the oldest
parked one: one `file-failed`
event ("evicted: too many parked transfers ..."), its .part removed, and
an offer of it starts again at 0."""
import os
import socket
import time

import sdpeer
import sdwire
from sdpeer import check

SIZE = 1 << 20
DEV = sdwire.mac("02:00:00:00:49:01")


def drop(srv, src, dev, key, name=b"drop.bin"):
    """Offer a file from src, send 100 bytes of it, disconnect; the
    stored name it was given (from file-start)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", srv.ports[0]))
    s.sendall(sdwire.hello(dev, b"dropper"))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.sendall(sdwire.file_offer(1, SIZE, key, name))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    s.sendall(sdwire.file_chunk(1, a["offset"], b"y" * 100))
    s.close()
    return a["offset"]


def parts(srv):
    return [n for n in os.listdir(srv.files_dir) if n.endswith(".part")]


def wait_parts(srv, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(parts(srv)) != n:
        if time.monotonic() > deadline:
            sdpeer.fail("%d .part files, expected %d" % (len(parts(srv)), n))
        time.sleep(0.05)


def evicted(srv, what, n, since):
    reason = "evicted: too many parked transfers" + what
    evs = srv.wait_events("file-failed", n, lambda e: e.get("reason") ==
                          reason, since=since, timeout=10)
    time.sleep(0.3)     # no more than n
    evs = srv.find_events("file-failed", lambda e: e.get("reason", "")
                          .startswith("evicted"), since=since)
    check(len(evs) == n, "%d eviction events, expected %d: %r"
          % (len(evs), n, [e.get("reason") for e in evs][:5]))
    return evs


def per_device_and_address():
    srv = sdpeer.Server().start()
    mark = srv.mark()
    for i in range(9):
        drop(srv, "127.0.0.1", DEV, 0x4900 + i, b"dev%d.bin" % i)
    srv.wait_events("disconnect", 9, since=mark)
    evs = evicted(srv, " of this device", 1, mark)
    check(evs[0].get("name") == "dev0.bin", "evicted %r, not the oldest"
          % evs[0].get("name"))
    wait_parts(srv, 8)
    check("dev0.bin.part" not in parts(srv), "dev0.bin.part kept")
    check(drop(srv, "127.0.0.1", DEV, 0x4900, b"dev0.bin") == 0,
          "the evicted transfer resumed")
    check(drop(srv, "127.0.0.1", DEV, 0x4908, b"dev8.bin") == 100,
          "the newest parked transfer of the device did not resume")

    # Another address claiming the same device parks its own transfers:
    # they count against that address, and cannot push the device's out.
    # First the fresh dev0 above, parked when its client left, has
    # pushed out dev1 (asynchronously): let that happen before counting.
    srv.wait_event("file-failed", lambda e: e.get("name") == "dev1.bin"
                   and e.get("reason", "").startswith("evicted"))
    srv.wait_events("disconnect", 11)
    mark = srv.mark()
    for i in range(9):
        drop(srv, "127.0.0.9", DEV, 0x4980 + i, b"spoof%d.bin" % i)
    srv.wait_events("disconnect", 9, since=mark)
    evs = evicted(srv, " of this device", 1, mark)
    check(evs[0].get("name") == "spoof0.bin", "a spoofer evicted %r" %
          evs[0].get("name"))
    check(drop(srv, "127.0.0.1", DEV, 0x4902, b"dev2.bin") == 100,
          "the device's own transfer was evicted by another address")

    mark = srv.mark()
    for i in range(33):
        dev = sdwire.mac("02:00:00:00:4a:%02x" % i)
        drop(srv, "127.0.0.3", dev, 0x4a00 + i, b"addr%d.bin" % i)
    srv.wait_events("disconnect", 33, since=mark)
    evs = evicted(srv, " from this address", 1, mark)
    check(evs[0].get("name") == "addr0.bin", "evicted %r, not the oldest"
          % evs[0].get("name"))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def in_all():
    srv = sdpeer.Server().start()
    mark = srv.mark()
    t0 = time.monotonic()
    n = 0
    for a in range(33):
        for d in range(32):
            dev = sdwire.mac("02:00:00:4b:%02x:%02x" % (a, d))
            drop(srv, "127.0.1.%d" % (a + 1), dev, 0x4b0000 + n)
            n += 1
    srv.wait_events("disconnect", n, since=mark, timeout=30)
    sdpeer.log("%d offer-and-drop cycles from 33 addresses in %.1fs"
               % (n, time.monotonic() - t0))
    evicted(srv, "", n - 1024, mark)
    wait_parts(srv, 1024)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    per_device_and_address()
    in_all()


sdpeer.run(test)
