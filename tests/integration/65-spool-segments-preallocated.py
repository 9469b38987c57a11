#!/usr/bin/env python3
"""The segment being written takes its blocks at once (fallocate with
the file's size kept: readers see only what was written), and gives
back what it did not use: a closed segment, every segment once the
server stops, and the last one of a killed run once the next run starts
hold no blocks past their end. (sockdeckd(1): FILES, readings-*.lp.)

Segments of 32 KiB (--spool-max 256k); readings in bursts apart in
time, so they spread over several segments. Where the filesystem of the
test's directory has no fallocate, only the giving back is checked."""
import ctypes
import ctypes.util
import os
import signal
import time

import sdinflux
import sdpeer
from sdpeer import check

SEG = 32 * 1024
FALLOC_FL_KEEP_SIZE = 1


def can_preallocate(d):
    """Whether fallocate(FALLOC_FL_KEEP_SIZE) works in directory d."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    path = os.path.join(d, "falloc-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        return libc.fallocate(fd, FALLOC_FL_KEEP_SIZE, ctypes.c_long(0),
                              ctypes.c_long(SEG)) == 0
    finally:
        os.close(fd)
        os.unlink(path)


def segments(srv):
    d = srv.sensors_dir
    return [(n, os.stat(os.path.join(d, n)))
            for n in sorted(os.listdir(d)) if n.startswith("readings-")]


def check_trimmed(segs, what):
    for name, st in segs:
        used = st.st_blocks * 512
        room = -(-st.st_size // 4096) * 4096 + 4096
        check(used <= room, "%s %s: %d bytes long, %d bytes of blocks "
              "(a preallocation not given back)"
              % (what, name, st.st_size, used))


def test():
    srv = sdpeer.Server(extra=["--spool-max", "256k"]).start()
    prealloc = can_preallocate(srv.dir)
    n = 0
    for k in range(8):
        n += len(sdinflux.send_legacy(srv, 1, 500, first_dev=k))
        time.sleep(0.06)
    sdinflux.wait_spool(srv, n)
    segs = segments(srv)
    check(len(segs) >= 4, "%d segments, expected several" % len(segs))
    check(len(srv.readings_lines()) == n, "spool lines %d, readings %d"
          % (len(srv.readings_lines()), n))
    check_trimmed(segs[:-1], "closed segment")
    name, st = segs[-1]
    if prealloc:
        check(st.st_blocks * 512 >= SEG, "segment being written %s: %d "
              "bytes long, only %d bytes of blocks: not preallocated"
              % (name, st.st_size, st.st_blocks * 512))
    else:
        print("note: no fallocate here, preallocation not checked")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    check_trimmed(segments(srv), "after stop, segment")

    # Killed: the segment being written keeps its blocks until the next
    # run starts.
    srv2 = sdpeer.Server(extra=["--spool-max", "256k"],
                         data_dir=srv.dir).start()
    n += len(sdinflux.send_legacy(srv2, 1, 100, first_dev=9))
    sdinflux.wait_spool(srv2, n)
    srv2.stop(signal.SIGKILL)
    killed = segments(srv2)[-1]
    if prealloc:
        # The run's first segment, opened before --spool-max was read,
        # holds a segment's size of blocks, not the 64 MiB default's.
        used = killed[1].st_blocks * 512
        check(SEG <= used <= 2 * SEG, "killed run's segment %s has %d "
              "bytes of blocks, expected %d" % (killed[0], used, SEG))
    srv3 = sdpeer.Server(extra=["--spool-max", "256k"],
                         data_dir=srv.dir).start()
    check_trimmed([s for s in segments(srv3) if s[0] == killed[0]],
                  "the killed run's segment, at the next start,")
    check(len(srv3.readings_lines()) == n, "spool lines %d, readings %d"
          % (len(srv3.readings_lines()), n))
    check(srv3.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
