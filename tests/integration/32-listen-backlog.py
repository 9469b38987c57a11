#!/usr/bin/env python3
"""Every port listens with a backlog of at least 1024 (what `ss -lt`
shows as Send-Q for a listening socket), so a burst of devices that all
reconnect after an outage is queued by the kernel, not dropped to wait
out TCP's SYN retries (1 s, 3 s, 7 s). Then 2,000 connections opened at
once are all accepted (2,000 connect events) and a message on the last
one is still answered. (SPEC.md: ports; limits.)"""
import shutil
import socket
import subprocess

import sdpeer
import sdwire
from sdpeer import check

N = 2000


def test():
    srv = sdpeer.Server(nports=2, extra=["--reply-format", sdpeer.ECHO_FMT, "--max-clients", "5000",
                                         "--max-clients-per-ip", "0"]).start()
    ss = shutil.which("ss")
    check(ss is not None, "ss (iproute2) is not installed")
    for port in srv.ports:
        out = subprocess.run([ss, "-ltnH", "sport = :%d" % port],
                             capture_output=True, text=True).stdout
        rows = [l.split() for l in out.splitlines() if l.strip()]
        check(rows, "ss shows no listening socket on port %d" % port)
        for r in rows:
            check(int(r[2]) >= 1024, "port %d listens with a backlog of "
                  "%s (Send-Q), expected at least 1024: %r"
                  % (port, r[2], out))

    socks = []
    for i in range(N):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", srv.ports[0]))
        socks.append(s)
    srv.wait_events("connect", N, timeout=30)
    last = socks[-1]
    last.setblocking(True)
    last.settimeout(10)
    last.sendall(sdwire.legacy_msg(sdpeer.DEV, "still there"))
    got = b""
    while not got.endswith(b"return data => still there"):
        chunk = last.recv(4096)
        check(chunk, "the 2000th client was closed; got %r" % got)
        got += chunk
    # The server closes first, so the TIME_WAITs stay on its one port
    # rather than on 2,000 ephemeral ones that later tests look for.
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    for s in socks:
        s.close()


sdpeer.run(test, deadline=60)
