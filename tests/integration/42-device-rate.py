#!/usr/bin/env python3
"""--device-rate 1m/3: a device may send 1 MiB per 3 seconds. One
device sending 4 MiB of readings flat out is read no further once its
budget is spent (backpressure: its connection is not dropped, its bytes
wait in TCP; `clients` says paused, after at most its budget and one
read), goes on in the next window, and in the end every reading it sent
is stored; meanwhile another device on another connection is answered at
once, and so is a client at another address claiming the same device id
(the budget is the device's at its address)."""
import socket
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

BUDGET = 1 << 20
WINDOW = 3.0
# Past the budget by one pass at most: what libevent buffered (up to
# SD_CONN_HIGH_WATER, 512 KiB) and one read of SD_CONN_MAX_READ (256 KiB).
# Twice the budget is more than that.
OVER = (512 + 256) << 10
OTHER = sdwire.mac("02:00:00:00:00:02")


def readings(srv):
    return srv.ctl({"cmd": "status"})["status"]["totals"]["readings"]


def client(srv, cid):
    """The `clients` entry of connection cid."""
    for cl in srv.ctl({"cmd": "clients"})["clients"]:
        if cl["id"] == cid:
            return cl
    sdpeer.fail("client %d is not listed" % cid)


def test():
    srv = sdpeer.Server(extra=["--device-rate", "1m/3"]).start()
    frame = sdwire.legacy_sensor(sdpeer.DEV, 1.25)
    n = (4 << 20) // len(frame)
    hog = srv.connect()
    ehog = srv.client_event(hog)
    done = threading.Event()

    def send():
        hog.sendall(frame * n)
        done.set()
    th = threading.Thread(target=send, daemon=True)
    t0 = time.monotonic()
    th.start()
    deadline = t0 + 30
    while True:
        cl = client(srv, ehog["id"])
        if cl["paused"]:
            break
        check(time.monotonic() < deadline, "the device was never paused "
              "(%d bytes read)" % cl["bytes_in"])
        time.sleep(0.05)
    # Windows that ended before the pause each took less than a budget
    # (on a fast machine the pause comes in the first).
    windows = int((time.monotonic() - t0) // WINDOW) + 1
    check(cl["bytes_in"] <= windows * BUDGET + OVER, "paused after %d "
          "bytes in %d window(s); the budget is %d a window" %
          (cl["bytes_in"], windows, BUDGET))
    sdpeer.log("paused after %d bytes in %d window(s)" %
                (cl["bytes_in"], windows))

    other = srv.connect()
    eo = srv.client_event(other)
    t0 = time.monotonic()
    other.sendall(sdwire.legacy_msg(OTHER, "me too"))
    sdpeer.expect_bytes(other, sdpeer.reply_for(eo["fd"], "me too"),
                        what="another device while one is throttled")
    check(time.monotonic() - t0 < 1.0, "the other device waited %.2fs" %
          (time.monotonic() - t0))

    # The same device id from another address is another sender: the
    # hog's spent budget does not silence it (nor could it silence the
    # hog by claiming its id).
    spoof = socket.create_connection(("127.0.0.1", srv.ports[0]),
                                     timeout=10,
                                     source_address=("127.0.0.7", 0))
    es = srv.client_event(spoof)
    t0 = time.monotonic()
    for text in ("same id", "and again"):   # a held client answers once
        spoof.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.expect_bytes(spoof, sdpeer.reply_for(es["fd"], text),
                            timeout=2, what="the same device id from "
                            "another address")
    check(time.monotonic() - t0 < 1.0, "the same id elsewhere waited "
          "%.2fs" % (time.monotonic() - t0))
    spoof.close()

    deadline = time.monotonic() + 60
    while readings(srv) < n and time.monotonic() < deadline:
        time.sleep(0.5)
    total = readings(srv)
    check(total == n, "%d of %d readings stored" % (total, n))
    check(not srv.find_events("disconnect", lambda e: e.get("id") ==
                              ehog["id"]), "the throttled device was "
          "disconnected")
    th.join(5)
    check(done.is_set(), "the sender never finished")
    hog.close()
    other.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=85)
