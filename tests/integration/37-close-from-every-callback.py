#!/usr/bin/env python3
"""A connection may be closed from inside any of its callbacks. With
SD_FAULT_CLOSE_WRITE=N the server closes the connection of every Nth
write it makes (a fault-injection hook of test builds), so over N = 1..14
the close lands inside every path that answers a client: HELLO, message
and PING replies, file accepts, results from the disk queue's callback,
errors for bad frames and out-of-order chunks, sensor ACKs from the flush
timer, legacy answers, broadcasts to every client, and a resume after a
park. After each run the server must be alive, answer its control
socket, keep serving, and exit 0 under the sanitizers (no use after
free, no leak)."""
import os
import socket
import time

import sdpeer
import sdwire
from sdpeer import check

RUNS = range(1, 15)
DATA = bytes(range(256)) * 64


def ext_session(srv, key):
    s = srv.connect()
    try:
        s.sendall(sdwire.hello(sdpeer.DEV, b"fault"))
        s.sendall(sdwire.msg(1, b"hello"))
        s.sendall(sdwire.ping(7))
        s.sendall(sdwire.sensor_batch(1, sdpeer.DEV, [(0, 1.5, b""), (0, 2.5, b"a")]))
        s.sendall(sdwire.file_offer(1, len(DATA), key, b"f.bin"))
        sdpeer.recv_some(s)
        s.sendall(sdwire.file_chunk(1, 0, DATA))
        s.sendall(sdwire.file_end(1, len(DATA), sdwire.xxh3_64(DATA)))
        sdpeer.recv_some(s)
        s.sendall(sdwire.file_offer(2, len(DATA), key + 1, b"g.bin"))
        s.sendall(sdwire.file_chunk(2, 5, DATA[:10]))     # out of order
        s.sendall(sdwire.file_offer(3, len(DATA), key + 2, b"h.bin"))
        s.sendall(sdwire.file_cancel(3))
        s.sendall(sdwire.frame(0x53ff, b"??"))             # unknown type
        s.sendall(sdwire.file_offer(4, len(DATA), key + 3, b"p.bin"))
        s.sendall(sdwire.file_chunk(4, 0, DATA[:100]))    # then parked
        sdpeer.recv_some(s)
    finally:
        s.close()


def resume_session(srv, key):
    s = srv.connect()
    try:
        s.sendall(sdwire.hello(sdpeer.DEV, b"fault"))
        s.sendall(sdwire.file_offer(5, len(DATA), key + 3, b"p.bin"))
        sdpeer.recv_some(s)
        s.sendall(sdwire.file_chunk(5, 100, DATA[100:]))
        s.sendall(sdwire.file_end(5, len(DATA), sdwire.xxh3_64(DATA)))
        sdpeer.recv_some(s)
    finally:
        s.close()


def legacy_session(srv):
    s = srv.connect()
    try:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "one"))
        s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 3.25))
        s.sendall(sdwire.legacy_file(sdpeer.DEV, 1, DATA))
        s.sendall(b"\x99" * 40)                           # garbage
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "two"))
        sdpeer.recv_some(s, 0.5)
    finally:
        s.close()


def one_run(n):
    srv = sdpeer.Server(env={"SD_FAULT_CLOSE_WRITE": str(n)}).start()
    try:
        idle = [srv.connect() for _ in range(3)]
        for i in range(3):
            sdpeer.quietly(lambda: ext_session(srv, 1000 * n + 10 * i))
            sdpeer.quietly(lambda: resume_session(srv, 1000 * n + 10 * i))
            sdpeer.quietly(lambda: legacy_session(srv))
            r = srv.ctl({"cmd": "broadcast", "text": "all %d" % i})
            check(r.get("ok"), "broadcast %d in run %d: %r" % (i, n, r))
        time.sleep(0.1)          # the flush timer's ACKs and store results
        check(srv.alive(), "run %d: server died (exit %r)" %
              (n, srv.proc.poll()))
        st = srv.ctl({"cmd": "status"})
        check(st.get("ok"), "run %d: status %r" % (n, st))
        hits = srv.find_events("disconnect", lambda e: e.get("reason") ==
                               "fault injected")
        check(len(hits) >= 3, "run %d: only %d injected closes" %
              (n, len(hits)))
        sdpeer.log("run %d: %d injected closes" % (n, len(hits)))
        for s in idle:
            s.close()
    finally:
        rc = srv.stop()
    check(rc == 0, "run %d: exit status %r after SIGTERM" % (n, rc))


def test():
    probe = sdpeer.Server(env={"SD_FAULT_CLOSE_WRITE": "1"}).start()
    s = probe.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "probe"))
    d = probe.wait_event("disconnect")
    s.close()
    probe.stop()
    if d.get("reason") != "fault injected":
        sdpeer.skip("built without -Dfault_injection")
    for n in RUNS:
        one_run(n)


sdpeer.run(test, deadline=85)
