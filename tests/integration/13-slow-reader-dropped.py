#!/usr/bin/env python3
"""A client that never reads, with --out-buffer 64k, is dropped with
`output buffer full` once broadcasts pile up for it; a reading client
gets every broadcast and stays connected."""
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

CHUNK = 32 * 1024
MAX_ROUNDS = 600


def test():
    srv = sdpeer.Server(extra=["--out-buffer", "64k"]).start()
    slow = srv.connect(rcvbuf=4096)
    eslow = srv.client_event(slow)
    good = srv.connect()
    egood = srv.client_event(good)
    received = bytearray()
    stop = threading.Event()
    errors = []

    def drain():
        good.settimeout(0.2)
        while not stop.is_set():
            try:
                d = good.recv(1 << 20)
            except OSError as e:
                if "timed out" in str(e):
                    continue
                errors.append(e)
                return
            if not d:
                errors.append("EOF")
                return
            received.extend(d)

    th = threading.Thread(target=drain, daemon=True)
    th.start()
    c = srv.control()
    sent = 0
    dropped = None
    try:
        for i in range(MAX_ROUNDS):
            text = ("%06d" % i) + "x" * (CHUNK - 6)
            r = c.request({"cmd": "broadcast", "text": text})
            check(r.get("ok"), "broadcast %d failed: %r" % (i, r))
            sent += 1
            d = srv.find_events("drop", lambda e: e.get("id") == eslow["id"])
            if d:
                dropped = d[0]
                break
        if dropped is None:
            dropped = srv.wait_event("drop", lambda e: e.get("id") ==
                                     eslow["id"], timeout=5)
        check(dropped.get("reason") == "output buffer full",
              "drop reason %r" % dropped.get("reason"))
        check(not srv.find_events("drop", lambda e: e.get("id") ==
                                  egood["id"]), "the reading client was "
              "dropped too")
        # the good client got every broadcast, whole and in order
        want = b"".join((("%06d" % i) + "x" * (CHUNK - 6)).encode()
                        for i in range(sent))
        deadline = time.monotonic() + 10
        while len(received) < len(want) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(not errors, "reading client lost its connection: %r" % errors)
        check(bytes(received) == want, "reading client got %d bytes, "
              "expected %d (or different bytes)" % (len(received),
                                                     len(want)))
        r = c.request({"cmd": "broadcast", "text": "after"})
        check(r.get("clients") == 1, "after the drop a broadcast reached "
              "%r clients, expected 1" % r.get("clients"))
        want += b"after"
        deadline = time.monotonic() + 5
        while len(received) < len(want) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(bytes(received) == want, "reading client did not get the "
              "broadcast after the drop")
    finally:
        stop.set()
        th.join(2)
        c.close()
    good.settimeout(5)
    good.sendall(sdwire.legacy_msg(sdpeer.DEV, "still here"))
    sdpeer.expect_bytes(good, sdpeer.reply_for(egood["fd"], "still here"),
                        what="reading client after the drop")
    slow.close()
    good.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
