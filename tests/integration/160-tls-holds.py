#!/usr/bin/env python3
"""What holds a plain connection back holds a TLS one the same way, and
lets it go again with nothing lost: --device-rate pauses a TLS device
that sends 1 MiB of readings flat out (clients: paused) and every
reading is stored in the end; a slow disk (sd_slowfs) holds a TLS
client's file until it is written, and the file is whole; TLS senders
flooding small frames take their turns, so a plain client is answered
quickly meanwhile, and every reading they sent is counted."""
import os
import threading
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check

FRAME = sdwire.legacy_sensor(sdpeer.DEV, 1.25)


def readings(srv):
    return sdtls.status(srv)["totals"]["readings"]


def wait_readings(srv, n, what, timeout=30):
    deadline = time.monotonic() + timeout
    while readings(srv) < n:
        check(time.monotonic() < deadline, "%s: %d of %d readings stored"
              % (what, readings(srv), n))
        time.sleep(0.05)


def device_rate(pki):
    srv, plain, tls = sdtls.server(pki, "--device-rate", "256k/1")
    n = (1 << 20) // len(FRAME)
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    th = threading.Thread(target=lambda: s.sendall(FRAME * n), daemon=True)
    t0 = time.monotonic()
    th.start()
    paused = False
    while not paused and time.monotonic() - t0 < 20:
        rows = srv.ctl({"cmd": "clients"})["clients"]
        paused = any(r["id"] == ev["id"] and r["paused"] for r in rows)
        time.sleep(0.02)
    check(paused, "a TLS device over --device-rate was never paused")
    p = srv.connect(plain)
    pev = srv.client_event(p)
    sdpeer.legacy_reply(p, pev["fd"], "meanwhile",
                        "a plain client beside it", timeout=2)
    wait_readings(srv, n, "device over its rate")
    took = time.monotonic() - t0
    sdpeer.log("1 MiB at 256 KiB/s over TLS: %.1f s" % took)
    check(took >= 2.0, "1 MiB at 256 KiB/s took only %.1f s" % took)
    th.join(5)
    s.close()
    p.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def slow_disk(pki):
    srv, plain, tls = sdtls.server(pki, env=sdpeer.slowfs_env(20))
    data = os.urandom(3 << 20)
    s = sdtls.connect(tls, pki)
    sdpeer.hello(s)
    s.sendall(sdwire.file_offer(1, len(data), 0x77, b"slow.dat"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    th = threading.Thread(target=lambda: [s.sendall(sdwire.file_chunk(
        1, o, data[o:o + 60000])) for o in range(0, len(data), 60000)],
        daemon=True)
    th.start()
    th.join(60)
    check(not th.is_alive(), "the chunks were never all taken")
    sdtls.finish_file(srv, s, 1, data, "slow.dat", "a file over TLS on "
                      "a slow disk", timeout=60)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def turns(pki):
    srv, plain, tls = sdtls.server(pki)
    stop = threading.Event()
    sent = [0] * 3
    block = FRAME * 4096

    def flood(i):
        s = sdtls.connect(tls, pki)
        while not stop.is_set():
            s.sendall(block)
            sent[i] += 4096
        # An orderly end (close_notify both ways): it comes back once
        # the server has read everything before it.
        s.settimeout(60)
        s.unwrap().close()
    ths = [threading.Thread(target=flood, args=(i,), daemon=True)
           for i in range(3)]
    for t in ths:
        t.start()
    p = srv.connect(plain)
    pev = srv.client_event(p)
    worst = 0
    for i in range(20):
        t0 = time.monotonic()
        sdpeer.legacy_reply(p, pev["fd"], "ping %d" % i,
                            "a plain client beside TLS floods")
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.05)
    stop.set()
    for t in ths:
        t.join(10)
    sdpeer.log("worst plain answer beside 3 TLS floods: %.1f ms"
               % (worst * 1000))
    check(worst < 0.5, "a plain answer took %.2f s beside TLS floods"
          % worst)
    wait_readings(srv, sum(sent), "TLS floods")
    p.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    pki = sdtls.Pki()
    device_rate(pki)
    slow_disk(pki)
    turns(pki)


sdpeer.run(test, deadline=85)
