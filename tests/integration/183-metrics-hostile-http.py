#!/usr/bin/env python3
"""Hostile HTTP at --metrics-listen neither hurts the device ports nor
grows without bound: with 40 idle connections held open, sockdeckd
accepts at most 16 (SD_METRICS_CONNS; the rest wait in the kernel's
backlog, or are dropped there) and a device on its port still gets
its reply at once; a header over 4 KiB is refused (400) and the
connection closed, and one that never ends is not read into memory
(RSS grows less than 4 MiB;
some 15 MiB without the read watermark); POST is refused (501), a body
too (413 or 501); a slowloris sending a header byte a second is cut
off by the deadline (10 s), not kept for ever; and after all that a
scrape answers again. (sockdeckd(1) METRICS.)"""
import socket
import subprocess
import threading
import time

import sdmetrics
import sdpeer
import sdwire
from sdpeer import check

CAP = 16


def accepted(pid, port):
    """HTTP connections sockdeckd holds on port (ss -p names the owner
    only of accepted sockets)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established",
                          "( sport = :%d )" % port], capture_output=True,
                         text=True, timeout=10).stdout
    return sum(1 for ln in out.splitlines() if "pid=%d," % pid in ln)


def idle_connect(port):
    """A connection that sends nothing, begun without waiting: past
    the cap and the backlog the kernel may drop the SYN, and a
    blocking connect would then wait on its retries, which is not what
    this test is about."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s


def slowloris(port, result):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = time.monotonic()
    s.sendall(b"GET /metrics HTTP/1.1\r\n")
    try:
        for i in range(30):
            time.sleep(1)
            s.sendall(b"X")
    except OSError:
        pass
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    result.append(time.monotonic() - t0)
    s.close()


def test():
    srv = sdmetrics.server()
    port = srv.metrics_port
    pid = srv.pid

    code, _, _ = sdmetrics.request(port, b"GET /metrics HTTP/1.1\r\nHost: x"
                                   b"\r\nX-Big: " + b"a" * 8000 +
                                   b"\r\n\r\n")
    check(code in (400, 413, 431, None), "huge header answered %r" % code)
    code = sdmetrics.get(port, "/metrics", method="POST")[0]
    check(code == 501, "POST answered %r" % code)
    code, _, body = sdmetrics.request(port, b"GET /metrics HTTP/1.1\r\n"
                                      b"Host: x\r\nContent-Length: 5\r\n"
                                      b"Connection: close\r\n\r\nhello")
    check(code in (413, 400), "GET with a body answered %r" % code)

    # A header that never ends, pushed as fast as the socket takes it:
    # refused at 4 KiB, and what follows is not read into memory.
    rss0 = srv.rss_kb()
    flood = socket.create_connection(("127.0.0.1", port), timeout=5)
    sent = 0
    try:
        flood.sendall(b"GET /metrics HTTP/1.1\r\nX: ")
        chunk = b"a" * 65536
        t0 = time.monotonic()
        while sent < (256 << 20) and time.monotonic() - t0 < 5:
            flood.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    flood.close()
    grew = srv.rss_kb() - rss0
    sdpeer.log("a never-ending header: %d KiB sent, RSS grew %d KiB"
               % (sent >> 10, grew))
    check(grew < 4096, "RSS grew %d KiB under a never-ending header"
          % grew)

    slow = []
    st = threading.Thread(target=slowloris, args=(port, slow), daemon=True)
    st.start()
    time.sleep(0.3)
    idle = [idle_connect(port) for _ in range(40)]
    time.sleep(1)
    n = accepted(pid, port)
    sdpeer.log("40 idle connections and a slowloris: %d accepted" % n)
    check(0 < n <= CAP, "%d HTTP connections accepted, cap %d" % (n, CAP))

    dev = srv.connect()
    fd = srv.client_event(dev)["fd"]
    t0 = time.monotonic()
    dev.sendall(sdwire.legacy_msg(sdwire.mac("02:00:00:00:00:01"), "ping"))
    sdpeer.expect_bytes(dev, sdpeer.reply_for(fd, "ping"), timeout=2,
                        what="a device's reply beside the HTTP flood")
    sdpeer.log("device answered in %.3f s" % (time.monotonic() - t0))

    st.join(timeout=40)
    check(slow, "the slowloris was never cut off")
    check(8 <= slow[0] <= 16, "the slowloris lasted %.1f s, deadline 10 s"
          % slow[0])
    for s in idle:
        s.close()
    deadline = time.monotonic() + 15
    code = None
    while time.monotonic() < deadline and code != 200:
        code = sdmetrics.get(port, "/healthz", timeout=3)[0]
    check(code == 200, "no scrape after the flood: %r" % code)
    time.sleep(0.5)
    s = sdmetrics.parse(sdmetrics.scrape(port))
    check(sdmetrics.value(s, "sockdeck_metrics_http_connections") <= 2,
          "HTTP connections %r after the flood ended" %
          sdmetrics.value(s, "sockdeck_metrics_http_connections"))
    check(sdmetrics.value(s, "sockdeck_clients") == 1, "clients %r: the "
          "HTTP connections are not clients" %
          sdmetrics.value(s, "sockdeck_clients"))
    dev.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=100)
