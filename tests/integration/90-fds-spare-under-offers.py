#!/usr/bin/env python3
"""Peers cannot take the descriptors the server keeps for itself. Under
a limit of 96, 56 clients from four addresses each offer a file (every open offer holds a
`.part` descriptor): offers past the spare are refused with ERROR 7,
the process never holds more than the limit less the spare plus the few
it uses itself, `ctl status` answers, and readings written across new
spool segments are still acknowledged."""
import os
import resource
import socket

import sdpeer
import sdwire
from sdpeer import check

LIMIT = 96
SPARE = 16


def lim():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def connect_from(srv, addr):
    s = socket.create_connection(("127.0.0.1", srv.ports[0]), timeout=10,
                                 source_address=(addr, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class LimitedServer(sdpeer.Server):
    def start(self, wait=True, timeout=10.0):
        real = sdpeer.subprocess.Popen

        def popen(*a, **kw):
            kw["preexec_fn"] = lim
            return real(*a, **kw)
        sdpeer.subprocess.Popen = popen
        try:
            return super().start(wait, timeout)
        finally:
            sdpeer.subprocess.Popen = real


def test():
    srv = LimitedServer(extra=["--spool-max", "64k"]).start()
    base = fds(srv.pid)
    socks, refused, accepted = [], 0, 0
    for i in range(56):
        addr = "127.0.0.%d" % (2 + i % 4)
        try:
            s = connect_from(srv, addr)
            s.sendall(sdwire.hello(sdwire.mac("02:00:00:00:00:%02x" % i),
                                   b"hog"))
            t, _ = sdpeer.recv_frame(s, timeout=2)
        except (OSError, sdpeer.TestFailure):
            break               # the listeners refuse: enough clients
        if t != sdwire.T_WELCOME:
            break
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(sdwire.file_offer(1, 1 << 20, 1000 + i, b"hog.bin"))
        t, p = sdpeer.recv_frame(s)
        if t == sdwire.T_FILE_ACCEPT:
            accepted += 1
        else:
            check(t == sdwire.T_ERROR and sdwire.parse_error(p)["code"] == 7,
                  "offer %d: frame 0x%04x %r" % (i, t, p[:80]))
            refused += 1
    sdpeer.log("%d clients, %d offers accepted, %d refused, fds %d -> %d"
               % (len(socks), accepted, refused, base, fds(srv.pid)))
    check(accepted > 0 and refused > 0, "%d offers accepted, %d refused:"
          " expected some of each" % (accepted, refused))
    check(fds(srv.pid) <= LIMIT - SPARE + 1,
          "the server holds %d descriptors, past the spare of %d" %
          (fds(srv.pid), SPARE))
    st = srv.ctl({"cmd": "status"})
    check(st.get("ok"), "ctl status at the limit: %r" % st)
    # Readings enough for several segments, each batch acknowledged.
    s = socks[0]
    for seq in range(1, 41):
        s.sendall(sdwire.sensor_batch(seq, sdwire.mac("02:00:00:00:00:00"),
                                      [(0, float(k), b"t" * 40)
                                       for k in range(60)]))
        p = sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
        check(sdwire.parse_u64(p) == seq, "ack %r for batch %d" % (p, seq))
    check(not srv.find_events("store", lambda e: e.get("state") ==
                              "failing"), "the spool failed: %r" %
          srv.find_events("store"))
    for s in socks:
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
