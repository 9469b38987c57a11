#!/usr/bin/env python3
"""Slow peers cannot hold the server (--frame-timeout 2, --idle-timeout
4): a client that trickles a frame's header a byte at a time is dropped
with `frame timeout` although bytes keep coming; one that trickles
garbage is dropped although bytes keep coming, since only whole frames count as
activity (it may be the frame clock that fires first, as the decoder
looks for a header in it); a file whose body arrives slowly but steadily (progress counts)
is stored, and a client that sends a message every second stays. With
--max-clients 20, twenty trickling connections are all gone after the
frame timeout and a new client is served."""
import threading
import time

import sdpeer
import sdwire
from sdpeer import check


def trickle(s, data, period, stop):
    for b in data:
        if stop.is_set():
            return
        try:
            s.send(bytes([b]))
        except OSError:
            return
        time.sleep(period)


def test():
    srv = sdpeer.Server(extra=["--frame-timeout", "2", "--idle-timeout",
                               "4", "--max-clients", "24"]).start()
    stop = threading.Event()
    threads = []

    def start(fn, *a):
        th = threading.Thread(target=fn, args=a, daemon=True)
        th.start()
        threads.append(th)

    head = srv.connect()
    ehead = srv.client_event(head)
    start(trickle, head, sdwire.legacy_msg(sdpeer.DEV, "x" * 100), 0.3,
          stop)
    junk = srv.connect()
    ejunk = srv.client_event(junk)
    start(trickle, junk, b"\xee" * 100, 0.3, stop)
    talker = srv.connect()
    etalk = srv.client_event(talker)

    data = bytes(range(256)) * 40
    slow = srv.connect()
    eslow = srv.client_event(slow)
    frame = sdwire.legacy_file(sdpeer.DEV, 1, data)

    def slow_file():
        step = len(frame) // 7 + 1
        for i in range(0, len(frame), step):
            slow.sendall(frame[i:i + step])
            time.sleep(1.0)
    start(slow_file)

    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 7.5:
        n += 1
        talker.sendall(sdwire.legacy_msg(sdpeer.DEV, "tick %d" % n))
        sdpeer.expect_bytes(talker, sdpeer.reply_for(etalk["fd"],
                                                     "tick %d" % n))
        time.sleep(1.0)
    d = srv.wait_event("drop", lambda e: e.get("id") == ehead["id"], 1)
    check(d.get("reason") == "frame timeout", "header trickle: %r" % d)
    d = srv.wait_event("drop", lambda e: e.get("id") == ejunk["id"], 1)
    check(d.get("reason") in ("idle timeout", "frame timeout"),
          "garbage trickle: %r" % d)
    for e, what in ((etalk, "talker"), (eslow, "slow file")):
        check(not srv.find_events("drop", lambda x: x.get("id") ==
                                  e["id"]), "the %s was dropped" % what)
    r = sdpeer.recv_until_quiet(slow, quiet=0.5)
    check(b"file upload successful!!" in r, "slow file answer %r" % r)

    # A crowd of trickling connections leaves when its frames expire.
    crowd = [srv.connect() for _ in range(20)]
    for s in crowd:
        start(trickle, s, sdwire.legacy_msg(sdpeer.DEV, "y" * 200), 0.5,
              stop)
    time.sleep(3.5)
    late = srv.connect()
    ev = srv.client_event(late)
    late.sendall(sdwire.legacy_msg(sdpeer.DEV, "in"))
    sdpeer.expect_bytes(late, sdpeer.reply_for(ev["fd"], "in"),
                        what="a client after the crowd's frames expired")
    stop.set()
    for s in crowd + [head, junk, talker, slow, late]:
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
