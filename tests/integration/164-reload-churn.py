#!/usr/bin/env python3
"""Reloads under traffic, under the sanitizers: 40 reloads in a row
move a port between plain and TLS, remove and add ports and narrow and
widen the allow list, while threads keep connecting (plain, TLS, and
half handshakes) and sending messages to whichever ports listen. The
server answers a status after each reload, serves a client at the end
and exits 0 with no sanitizer report (a listener freed under a
connection, a context freed under a session would show here)."""
import os
import ssl
import threading
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check


def write_conf(path, text):
    with open(path, "w") as f:
        f.write(text)


def pound(ports, pki, stop):
    """Connect to each port in turn until stop is set; each try is one
    session, whatever the server makes of it."""
    i = 0
    while not stop.is_set():
        port = ports[i % len(ports)]
        i += 1
        try:
            s = sdpeer.connect(port, timeout=2)
        except OSError:
            continue
        try:
            if i % 3 == 0:
                s = sdtls.context(pki).wrap_socket(
                    s, server_hostname="127.0.0.1")
            if i % 5 != 0:      # else a half handshake, left open a bit
                s.sendall(sdwire.legacy_msg(sdpeer.DEV, "m%d" % i))
            sdpeer.recv_some(s, 0.02)
        except (OSError, ssl.SSLError):
            pass
        finally:
            s.close()


def test():
    pki = sdtls.Pki()
    p1, p2, p3 = sdpeer.free_ports(3)
    conf = os.path.join(pki.dir, "sockdeckd.conf")
    tls = "tls-cert = %s\ntls-key = %s\n" % (pki.chain, pki.key)
    variants = [
        "ports = %d,%d\n" % (p1, p2),
        "ports = %d,%d\ntls-ports = %d\n" % (p1, p2, p2),
        "ports = %d,%d\ntls-ports = %d\nallow = 127.0.0.2\n" % (p2, p3, p3),
        "ports = %d\ntls-ports = %d\n" % (p3, p3),
        "ports = %d,%d,%d\ntls-ports = %d,%d\n" % (p1, p2, p3, p1, p3),
    ]
    write_conf(conf, variants[0] + tls)
    srv = sdpeer.Server(ports=[p1, p2], with_ports=False,
                        extra=["--config", conf]).start()
    stop = threading.Event()
    threads = [threading.Thread(target=pound, args=([p1, p2, p3], pki, stop),
                                daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(40):
        write_conf(conf, variants[i % len(variants)] + tls)
        r = srv.ctl({"cmd": "reload"})
        check(r.get("ok") is True, "reload %d: %r" % (i, r))
        st = srv.ctl({"cmd": "status"})
        check(st.get("ok"), "status after reload %d: %r" % (i, st))
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(10)
    write_conf(conf, variants[0] + tls)
    check(srv.ctl({"cmd": "reload"}).get("ok") is True, "the last reload")
    s = srv.connect(p1)
    fd = srv.client_event(s)["fd"]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "end"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "end"), what="end")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0: %s"
          % srv.stderr_text()[-2000:])


sdpeer.run(test)
