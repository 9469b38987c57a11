#!/usr/bin/env python3
"""TLS connections closed by the server from inside their own callbacks,
under the sanitizers: frames before HELLO with --token, a wrong token,
a legacy frame on a TLS port with legacy off (each: ERROR, then the
session ended with close_notify once the ERROR is out), a kick from the
control socket, a client that does not read dropped by a broadcast
(output buffer full), and with SD_FAULT_CLOSE_WRITE=N a close in every
Nth write of every answering path (messages, pings, files, sensor ACKs,
legacy answers, broadcasts). Then a shutdown with a client and a
handshake open. The server keeps serving and exits 0 each time, with no
sanitizer report."""
import ssl
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check

TOKEN = b"s3cret"
DATA = bytes(range(256)) * 64


def error_then_notify(s, code, what):
    """An ERROR of code, then an orderly end of the TLS session."""
    e = sdwire.parse_error(sdpeer.expect_frame(s, sdwire.T_ERROR))
    check(e["code"] == code, "%s: ERROR %r, expected code %d"
          % (what, e, code))
    try:
        rest = sdpeer.recv_until_quiet(s, quiet=2, timeout=5)
    except ssl.SSLEOFError:
        sdpeer.fail("%s: the session ended without close_notify" % what)
    check(rest == b"", "%s: after the ERROR: %r" % (what, rest))


def closes(pki):
    srv, plain, tls = sdtls.server(pki, "--token", TOKEN.decode(),
                                   "--out-buffer", "4k")
    s = sdtls.connect(tls, pki, ragged=False)
    s.sendall(sdwire.msg(1, b"no hello"))
    error_then_notify(s, 5, "a frame before HELLO")
    s = sdtls.connect(tls, pki, ragged=False)
    s.sendall(sdwire.hello(sdpeer.DEV, b"x", token=b"wrong"))
    error_then_notify(s, 5, "a wrong token")

    # kicked while it streams sensor batches
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    s.sendall(sdwire.hello(sdpeer.DEV, b"k", token=TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    for i in range(50):
        s.sendall(sdwire.sensor_batch(i + 1, sdpeer.DEV, [(0, 1.0, b"a")]))
    r = srv.ctl({"cmd": "kick", "id": ev["id"]})
    check(r.get("ok"), "kick: %r" % r)
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    check(d.get("reason") == "kicked by the operator", "kick %r" % d)
    s.close()

    # a client that does not read, dropped from inside a broadcast
    deaf = sdtls.connect(tls, pki)
    ev = srv.client_event(deaf)
    c = srv.control()
    for i in range(400):
        r = c.request({"cmd": "broadcast", "text": "%04d" % i + "x" * 30000})
        check(r.get("ok"), "broadcast %d: %r" % (i, r))
        if srv.find_events("disconnect", lambda e: e.get("id") == ev["id"]):
            break
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    check(d.get("reason") == "output buffer full", "deaf client %r" % d)
    c.close()
    deaf.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def legacy_off(pki):
    plain, tls = sdpeer.free_ports(2)
    srv = sdpeer.Server(ports=[plain, tls], extra=pki.server_args(
        [tls], "--token", TOKEN.decode(), "--legacy", "off@%d" % tls)
    ).start()
    s = sdtls.connect(tls, pki, ragged=False)
    s.sendall(sdwire.hello(sdpeer.DEV, b"x", token=TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "old"))
    error_then_notify(s, 3, "a legacy frame, legacy off")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def ext_session(tls, pki, key):
    s = sdtls.connect(tls, pki)
    try:
        s.sendall(sdwire.hello(sdpeer.DEV, b"fault") +
                  sdwire.msg(1, b"hello") + sdwire.ping(7) +
                  sdwire.sensor_batch(1, sdpeer.DEV, [(0, 1.5, b"")]) +
                  sdwire.file_offer(1, len(DATA), key, b"f.bin"))
        sdpeer.recv_some(s)
        s.sendall(sdwire.file_chunk(1, 0, DATA) +
                  sdwire.file_end(1, len(DATA), sdwire.xxh3_64(DATA)) +
                  sdwire.frame(0x53ff, b"??"))
        sdpeer.recv_some(s)
    finally:
        s.close()


def legacy_session(tls, pki):
    s = sdtls.connect(tls, pki)
    try:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "one") +
                  sdwire.legacy_file(sdpeer.DEV, 1, DATA) +
                  sdwire.legacy_msg(sdpeer.DEV, "two"))
        sdpeer.recv_some(s, 0.5)
    finally:
        s.close()


def faults(pki, n):
    srv, plain, tls = sdtls.server(
        pki, env={"SD_FAULT_CLOSE_WRITE": str(n)})
    idle = [sdtls.connect(tls, pki) for _ in range(2)]
    for i in range(3):
        sdpeer.quietly(lambda: ext_session(tls, pki, 1000 * n + i))
        sdpeer.quietly(lambda: legacy_session(tls, pki))
        check(srv.ctl({"cmd": "broadcast", "text": "all"}).get("ok"),
              "run %d: broadcast" % n)
    time.sleep(0.1)
    check(srv.alive(), "run %d: server died" % n)
    hits = srv.find_events("disconnect", lambda e: e.get("reason") ==
                           "fault injected")
    check(len(hits) >= 2, "run %d: %d injected closes" % (n, len(hits)))
    sdpeer.log("run %d: %d injected closes over TLS" % (n, len(hits)))
    s = sdtls.connect(tls, pki)
    s.close()
    for s in idle:
        s.close()
    check(srv.stop() == 0, "run %d: exit status after SIGTERM" % n)


def shutdown_open(pki):
    """SIGTERM with a TLS client and a handshake open: exit 0 at once."""
    srv, plain, tls = sdtls.server(pki)
    s = sdtls.connect(tls, pki)
    srv.client_event(s)
    half = srv.connect(tls)
    half.sendall(sdtls.client_hello(pki)[:30])
    sdtls.wait_tls(srv, "handshaking", 1)
    t0 = time.monotonic()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    check(time.monotonic() - t0 < 4, "shutdown waited %.1f s"
          % (time.monotonic() - t0))
    s.close()
    half.close()


def test():
    pki = sdtls.Pki()
    closes(pki)
    legacy_off(pki)
    for n in (1, 2, 3, 5):
        faults(pki, n)
    shutdown_open(pki)


sdpeer.run(test, deadline=85)
