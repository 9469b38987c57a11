#!/usr/bin/env python3
"""--tls-handshake-timeout 1: a peer that connects to a TLS port and
sends nothing, one that sends half a ClientHello, and one that sends a
whole ClientHello and never finishes are each closed about a second
later, not at --idle-timeout; each is one `drop` (reason `TLS handshake
timeout (1 s)`), counted in status (tls.failed and tls.timeouts), and
holds no place after (handshaking 0). Meanwhile they held places: with
--max-clients 3 a fourth connection is refused while they wait. A
client that finishes its handshake in time is not touched by the
deadline."""
import time

import sdpeer
import sdtls
from sdpeer import check

REASON = "TLS handshake timeout (1 s)"


def closed_after(s, t0, what):
    """Seconds from t0 to the server's close of s."""
    sdpeer.expect_eof(s, 8, what)
    took = time.monotonic() - t0
    check(0.8 <= took <= 4.0, "%s: closed after %.2f s, the deadline is "
          "1 s" % (what, took))
    return took


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki, "--tls-handshake-timeout", "1",
                                   "--max-clients", "3")
    hello = sdtls.client_hello(pki)

    t0 = time.monotonic()
    silent = srv.connect(tls)
    half = srv.connect(tls)
    half.sendall(hello[:len(hello) // 2])
    whole = srv.connect(tls)
    whole.sendall(hello)
    st = sdtls.wait_tls(srv, "handshaking", 3)
    check(st["handshaking"] == 3, "status while they wait: %r" % st)

    # they hold places: a fourth connection is refused at once
    m = srv.mark()
    extra = srv.connect(plain)
    srv.wait_event("drop", lambda e: e.get("reason") == "too many clients",
                   since=m)
    sdpeer.expect_eof(extra, 5, "the connection past --max-clients")
    extra.close()

    took = [closed_after(s, t0, what) for s, what in (
        (silent, "silent peer"), (half, "half a ClientHello"),
        (whole, "ClientHello, no Finished"))]
    drops = srv.wait_events("drop", 3, lambda e: e.get("reason") == REASON)
    for e in drops:
        check(e.get("port") == tls and e.get("peer") == "127.0.0.1" and
              "id" not in e, "timeout drop %r" % e)
    st = sdtls.wait_tls(srv, "timeouts", 3)
    check(st == {"handshaking": 0, "handshakes": 0, "failed": 3,
                 "timeouts": 3, "client_cert_failed": 0, "throttled": 0},
          "status tls after the deadline: %r" % st)
    check(not srv.find_events("connect"), "a handshake that never "
          "finished made a client: %r" % srv.find_events("connect"))
    sdpeer.log("closed after %s s" % ", ".join("%.2f" % t for t in took))

    # places are free again; a client in time outlives the deadline
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    time.sleep(2.5)
    sdpeer.legacy_reply(s, ev["fd"], "still here",
                        "a TLS client after the handshake deadline")
    check(sdtls.status(srv)["tls"]["timeouts"] == 3, "a finished "
          "handshake timed out")
    for c in (s, silent, half, whole):
        c.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
