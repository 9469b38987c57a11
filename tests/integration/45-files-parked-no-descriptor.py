#!/usr/bin/env python3
"""A parked (interrupted) extension transfer holds no descriptor: with
the server's descriptors limited to 256, 400 offer-and-disconnect cycles
leave the descriptor count where it was, accept still works and a full
upload succeeds. A transfer cut half way still resumes at the byte the
server holds, its .part not open meanwhile, and ends with the right
checksum."""
import os
import resource
import subprocess
import time

import sdpeer
import sdwire
from sdpeer import check

CYCLES = 420
LIMIT = 256
SIZE = 256 * 1024
HALF = 128 * 1024
KEY = 0x4545454545454545
DEV2 = sdwire.mac("02:00:00:00:45:01")


def limited_start(srv):
    """Start srv with RLIMIT_NOFILE 256 (soft and hard: a server that
    raises its soft limit to the hard one stays at 256)."""
    popen = subprocess.Popen

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))

    def wrapped(*a, **kw):
        kw["preexec_fn"] = limit
        return popen(*a, **kw)

    subprocess.Popen = wrapped
    try:
        srv.start()
    finally:
        subprocess.Popen = popen


def fds(pid):
    d = "/proc/%d/fd" % pid
    out = []
    for n in os.listdir(d):
        try:
            out.append(os.readlink(os.path.join(d, n)))
        except OSError:
            pass
    return out


def wait_fds(srv, at_most, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        n = len(fds(srv.pid))
        if n <= at_most:
            return n
        if time.monotonic() > deadline:
            sdpeer.fail("server holds %d descriptors (at most %d wanted): "
                        "%r" % (n, at_most, sorted(fds(srv.pid))[-20:]))
        time.sleep(0.05)


def offer_and_drop(srv, i):
    s = srv.connect(timeout=5)
    dev = sdwire.mac("02:45:00:00:%02x:%02x" % (i >> 8, i & 0xff))
    sdpeer.hello(s, dev=dev, timeout=5)
    s.sendall(sdwire.file_offer(1, 1 << 20, 0x4500 + i, b"drop.bin"))
    t, p = sdpeer.recv_frame(s, timeout=5)
    check(t == sdwire.T_FILE_ACCEPT, "cycle %d: offer answered 0x%04x %r"
          % (i, t, sdwire.parse_error(p) if t == sdwire.T_ERROR else p))
    s.sendall(sdwire.file_chunk(1, 0, b"x" * 1000))
    s.close()


def send_chunks(s, xfer, data, start, end, chunk=32 * 1024):
    off = start
    while off < end:
        n = min(chunk, end - off)
        s.sendall(sdwire.file_chunk(xfer, off, data[off:off + n]))
        off += n


def part_open(srv):
    return [f for f in fds(srv.pid) if f.endswith(".part")]


def test():
    srv = sdpeer.Server()
    limited_start(srv)
    with open("/proc/%d/limits" % srv.pid) as f:
        line = [x for x in f if x.startswith("Max open files")][0]
    check(int(line.split()[3]) == LIMIT, "server limits: %r" % line)
    base = len(fds(srv.pid))
    sdpeer.log("server holds %d descriptors at start" % base)

    mark = srv.mark()
    t0 = time.monotonic()
    for i in range(CYCLES):
        offer_and_drop(srv, i)
    srv.wait_events("disconnect", CYCLES, since=mark, timeout=30)
    sdpeer.log("%d offer-and-disconnect cycles in %.2fs"
               % (CYCLES, time.monotonic() - t0))
    n = wait_fds(srv, base + 4)
    sdpeer.log("server holds %d descriptors after the cycles" % n)
    check(not part_open(srv), ".part files still open: %r"
          % part_open(srv)[:5])

    # accept works and a whole upload succeeds
    data = os.urandom(SIZE)
    s = srv.connect(timeout=5)
    sdpeer.hello(s, dev=DEV2)
    s.sendall(sdwire.file_offer(3, SIZE, 0x45FF, b"whole.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "whole.bin accepted at %d" % a["offset"])
    send_chunks(s, 3, data, 0, SIZE)
    s.sendall(sdwire.file_end(3, SIZE, sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "whole upload: %r" % r)
    s.close()

    # a transfer cut half way is parked with no descriptor and resumes
    s = srv.connect()
    ev = srv.client_event(s)
    sdpeer.hello(s, dev=DEV2)
    s.sendall(sdwire.file_offer(4, SIZE, KEY, b"resumed.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    send_chunks(s, 4, data, 0, HALF)
    s.close()
    srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    deadline = time.monotonic() + 10
    while part_open(srv) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not part_open(srv), "the parked transfer keeps %r open"
          % part_open(srv))
    part = os.path.join(srv.files_dir, "resumed.bin.part")
    check(os.path.getsize(part) == HALF, "%s holds %d bytes"
          % (part, os.path.getsize(part)))

    s = srv.connect()
    sdpeer.hello(s, dev=DEV2)
    s.sendall(sdwire.file_offer(5, SIZE, KEY, b"resumed.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == HALF, "resumed at %d, expected %d"
          % (a["offset"], HALF))
    send_chunks(s, 5, data, HALF, SIZE)
    h = sdwire.xxh3_64(data)
    s.sendall(sdwire.file_end(5, SIZE, h))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0 and r["xxh3"] == h and r["size"] == SIZE,
          "resumed transfer: %r" % r)
    with open(os.path.join(srv.files_dir, r["name"].decode()), "rb") as f:
        check(f.read() == data, "the resumed file differs")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
