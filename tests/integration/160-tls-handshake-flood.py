#!/usr/bin/env python3
"""A flood of 200 half-open TLS handshakes (100 silent, 50 half a
ClientHello, 50 a whole one and no Finished) does not stop the server:
while they wait, the plain port answers byte for byte and quickly, a
real TLS client finishes its handshake and is answered, and the control
socket answers. At --tls-handshake-timeout every one is closed; the log
says at most 10 of them one by one and the rest in one `suppressed`
line; status counts 200 timeouts and nothing is left handshaking."""
import time

import sdpeer
import sdtls
from sdpeer import check

N_SILENT, N_HALF, N_WHOLE = 100, 50, 50
N = N_SILENT + N_HALF + N_WHOLE
REASON = "TLS handshake timeout (3 s)"


def timed(what, fn, limit):
    t0 = time.monotonic()
    r = fn()
    took = time.monotonic() - t0
    sdpeer.log("%s: %.1f ms under the flood" % (what, took * 1000))
    check(took < limit, "%s took %.2f s under the flood" % (what, took))
    return r


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki, "--tls-handshake-timeout", "3",
                                   "--max-clients-per-ip", "0")
    hello = sdtls.client_hello(pki)
    flood = []
    for i in range(N):
        s = sdpeer.connect(tls)
        if i >= N_SILENT + N_HALF:
            s.sendall(hello)
        elif i >= N_SILENT:
            s.sendall(hello[:len(hello) // 2])
        flood.append(s)
    st = sdtls.wait_tls(srv, "handshaking", N)
    check(st["handshaking"] == N and st["failed"] == 0,
          "status with the flood waiting: %r" % st)

    p = srv.connect(plain)
    ev = srv.client_event(p)

    def plain_answer():
        sdpeer.legacy_reply(p, ev["fd"], "under flood", "plain reply")
    timed("plain port's answer", plain_answer, 1.0)
    s = timed("a TLS handshake", lambda: sdtls.connect(tls, pki), 2.0)
    tev = srv.client_event(s)

    def tls_answer():
        sdpeer.legacy_reply(s, tev["fd"], "tls", "TLS reply")
    timed("TLS port's answer", tls_answer, 1.0)
    st = timed("ctl status", lambda: sdtls.status(srv), 1.0)
    check(st["clients"] == 2 and st["tls"]["handshaking"] == N,
          "status under the flood: clients %r, tls %r"
          % (st["clients"], st["tls"]))

    for c in flood:
        sdpeer.expect_eof(c, 10, "a flooding handshake")
        c.close()
    st = sdtls.wait_tls(srv, "timeouts", N)
    check(st == {"handshaking": 0, "handshakes": 1, "failed": N,
                 "timeouts": N, "client_cert_failed": 0, "throttled": 0},
          "status after the deadline: %r" % st)
    sup = srv.wait_event("suppressed", lambda e: e.get("name") == "drop",
                         timeout=15)
    drops = srv.find_events("drop", lambda e: e.get("reason") == REASON)
    check(len(drops) <= 10 and len(drops) + sup.get("count", 0) == N,
          "%d drop lines and %r suppressed for %d timeouts"
          % (len(drops), sup, N))
    check(not [e for e in srv.find_events("connect") if e["id"] !=
               tev["id"] and e["port"] == tls],
          "a flooding handshake became a client")

    # the survivors still talk; the places are free again
    plain_answer()
    tls_answer()
    check(sdtls.status(srv)["clients"] == 2, "clients after the flood")
    p.close()
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
