#!/usr/bin/env python3
"""The connection scenario's load generators work (not a benchmark: the
meson test bench-idle-smoke). Three sd_loadgen --mode idle, one after
another, hold 600 connections to sd_benchsrv spread over 127.0.0.2-4
(the server's end of each, in /proc/net/tcp, shows its source address);
round trips on connections drawn at random are answered (the sockets
counted are the load generators' own, by inode: another test's
connection can never count); and a fleet
whose connections the server drops (sockdeckd --idle-timeout 1) is a
BenchError, never a figure.
Usage: bench_idle_smoke.py BUILD_DIR"""
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sdbench as B  # noqa: E402

N, PER, SOURCES = 600, 250, 3


def socket_inodes(pids):
    """The inodes of the sockets the processes pids hold."""
    out = set()
    for pid in pids:
        d = "/proc/%d/fd" % pid
        for fd in os.listdir(d):
            try:
                t = os.readlink(os.path.join(d, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                out.add(t[8:-1])
    return out


def sources_seen(port, pids):
    """The processes pids' established connections to 127.0.0.1:port,
    by their local (source) address."""
    mine, seen = socket_inodes(pids), {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, state = parts[1], parts[2], parts[3]
            if state != "01" or remote != "0100007F:%04X" % port or \
                    parts[9] not in mine:
                continue
            addr = socket.inet_ntoa(struct.pack("<I", int(local[:8], 16)))
            seen[addr] = seen.get(addr, 0) + 1
    return seen


def main():
    B.setup(sys.argv[1])
    rc = 1
    with B.session():
        bs = B.BenchSrv(many_fds=True).start()
        fleet = B.IdleFleet(bs.port, N, PER, SOURCES)
        try:
            fleet.open()
            seen = sources_seen(bs.port,
                                [ld.proc.pid for ld in fleet.loads])
            want = {"127.0.0.%d" % (2 + k): N // SOURCES
                    for k in range(SOURCES)}
            lat = fleet.sample(30)
            if seen != want:
                print("FAIL: connections by source %r, want %r"
                      % (seen, want))
            elif len(lat) != 30 or min(lat) < 0:
                print("FAIL: round trips %r" % lat)
            else:
                rc = 0
        finally:
            fleet.release()
            bs.stop()
        if rc:
            return rc
        srv = B.Sockdeckd(["--idle-timeout", "1"], idle_timeout=False)
        srv.start()
        fleet = B.IdleFleet(srv.port, 100, 100, 2)
        try:
            fleet.open()
            B.until(lambda: srv.status()["clients"] == 0, 30,
                    "the server dropping the idle connections")
            time.sleep(0.1)
            try:
                fleet.sample(10)
                print("FAIL: a fleet the server dropped gave figures")
                rc = 1
            except B.BenchError as e:
                print("ok: dropped fleet: %s" % e)
        finally:
            fleet.release()
            srv.stop()
    if rc == 0:
        print("ok: %d connections over %d sources, round trips answered"
              % (N, SOURCES))
    return rc


if __name__ == "__main__":
    sys.exit(main())
