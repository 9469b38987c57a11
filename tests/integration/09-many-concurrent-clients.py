#!/usr/bin/env python3
"""500 concurrent legacy clients each send a message and each gets its own
reply with its own fd."""
import resource
import select
import time

import sdpeer
import sdwire
from sdpeer import check

N = 500


def test():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * N + 64
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    # Hundreds of devices behind one address: no per-address cap.
    srv = sdpeer.Server(nports=2, extra=["--max-clients-per-ip", "0"]).start()
    socks = []
    for i in range(N):
        socks.append(srv.connect(srv.ports[i % 2]))
    evs = srv.wait_events("connect", N, timeout=15)
    # two sockets to different server ports may share a local port
    fd_of = {(e["port"], e["peer_port"]): e["fd"] for e in evs}
    for i, s in enumerate(socks):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "client-%d" % i))
    want = {}
    for i, s in enumerate(socks):
        lp = (s.getpeername()[1], s.getsockname()[1])
        check(lp in fd_of, "no connect event for client %d" % i)
        want[s.fileno()] = sdpeer.reply_for(fd_of[lp], "client-%d" % i)
    got = {s.fileno(): b"" for s in socks}
    by_fd = {s.fileno(): s for s in socks}
    pending = set(by_fd)

    deadline = time.monotonic() + 15
    while pending and time.monotonic() < deadline:
        r, _, _ = select.select(list(pending), [], [], 0.5)
        for f in r:
            data = by_fd[f].recv(4096)
            if not data:
                pending.discard(f)
                continue
            got[f] += data
            if len(got[f]) >= len(want[f]):
                pending.discard(f)
    bad = [f for f in want if got[f] != want[f]]
    check(not bad, "%d of %d clients got a wrong or no reply, e.g. %r "
          "instead of %r" % (len(bad), N, got[bad[0]] if bad else b"",
                             want[bad[0]] if bad else b""))
    fds = set(fd_of.values())
    check(len(fds) == N, "%d distinct fds among %d clients" % (len(fds), N))
    r = srv.ctl({"cmd": "status"})
    check(r.get("ok") and r["status"].get("clients") == N,
          "status clients %r, expected %d" % (r.get("status", {})
                                               .get("clients"), N))
    for s in socks:
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
