#!/usr/bin/env python3
"""File writes never run on the event loop: with a disk that takes
400 ms per write (tests/integration/sd_slowfs.c, preloaded), a 1 MiB
upload in flight does not delay another client's message, every write
to the file store runs on the helper thread, and the upload still ends
with RESULT status 0 and the right bytes. What waits for the disk is
bounded: with 20 ms a write, a 24 MiB upload sent flat out gets its
connection paused (ctl clients) and still arrives whole.
(sockdeckd(1): FILES, files/; the design's rule that the loop never
blocks.)"""
import os
import tempfile
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

MS = 400


def slow_server(ms, log):
    """sockdeckd with sd_slowfs preloaded: ms per write to the store."""
    shim = os.environ.get("SD_SLOWFS")
    check(shim and os.path.exists(shim), "SD_SLOWFS is not the shim: %r"
          % shim)
    env = {"LD_PRELOAD": shim, "SD_SLOWFS_LOG": log,
           "SD_SLOWFS_MS": str(ms)}
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "verify_asan_link_order=0"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return sdpeer.Server().start()
    finally:
        for k, v in saved.items():
            if v is None:
                del os.environ[k]
            else:
                os.environ[k] = v


def backlog_bounded(tmp):
    srv = slow_server(20, os.path.join(tmp, "writes-20ms"))
    up = srv.connect()
    sdpeer.hello(up)
    data = os.urandom(24 << 20)
    up.sendall(sdwire.file_offer(2, len(data), 0x36, b"big.bin"))
    sdpeer.expect_frame(up, sdwire.T_FILE_ACCEPT)

    def send():
        for off in range(0, len(data), 1 << 20):
            up.sendall(sdwire.file_chunk(2, off, data[off:off + (1 << 20)]))
        up.sendall(sdwire.file_end(2, len(data), sdwire.xxh3_64(data)))

    t = threading.Thread(target=send, daemon=True)
    t.start()
    paused = False
    deadline = time.monotonic() + 30
    while t.is_alive() and not paused and time.monotonic() < deadline:
        paused = any(c.get("paused") for c in
                     srv.ctl({"cmd": "clients"}).get("clients", []))
        time.sleep(0.01)
    check(paused, "the uploader was never paused while its bytes waited "
          "for a 20 ms-a-write disk")
    r = sdwire.parse_file_result(sdpeer.expect_frame(
        up, sdwire.T_FILE_RESULT, timeout=60))
    check(r["status"] == 0, "RESULT status %d after the pauses"
          % r["status"])
    with open(os.path.join(srv.files_dir, "big.bin"), "rb") as f:
        check(f.read() == data, "stored bytes differ after the pauses")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    tmp = tempfile.mkdtemp(prefix="sdslowfs-")
    log = os.path.join(tmp, "writes")
    srv = slow_server(MS, log)

    up = srv.connect()
    sdpeer.hello(up)
    data = os.urandom(1 << 20)
    up.sendall(sdwire.file_offer(1, len(data), 0x35, b"slow.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(up, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "accepted at %d" % a["offset"])
    for off in range(0, len(data), 256 * 1024):
        up.sendall(sdwire.file_chunk(1, off, data[off:off + 256 * 1024]))
    up.sendall(sdwire.file_end(1, len(data), sdwire.xxh3_64(data)))

    # Once the first write to the disk has begun (the shim logs it before
    # it waits), a message from another client.
    other = srv.connect()
    deadline = time.monotonic() + 10
    while not (os.path.exists(log) and os.path.getsize(log) > 0):
        check(time.monotonic() < deadline, "no write to the store began")
        time.sleep(0.005)
    t0 = time.monotonic()
    other.sendall(sdwire.legacy_msg(sdpeer.DEV, "still here?"))
    ev = srv.client_event(other)
    sdpeer.expect_bytes(other, sdpeer.reply_for(ev["fd"], "still here?"),
                        what="reply during the slow upload")
    took = time.monotonic() - t0
    check(took < MS * 0.75 / 1000, "a message took %.0f ms to answer while "
          "the disk took %d ms a write: the loop waited for the disk"
          % (took * 1000, MS))

    r = sdwire.parse_file_result(sdpeer.expect_frame(
        up, sdwire.T_FILE_RESULT, timeout=30))
    check(r["status"] == 0, "RESULT status %d" % r["status"])
    with open(os.path.join(srv.files_dir, "slow.bin"), "rb") as f:
        check(f.read() == data, "stored bytes differ")
    with open(log) as f:
        where = f.read().split()
    check(len(where) >= 4, "%d writes to the store logged, expected 4 or "
          "more" % len(where))
    check("main" not in where, "%d of %d writes to the store ran on the "
          "event loop's thread" % (where.count("main"), len(where)))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    backlog_bounded(tmp)


sdpeer.run(test, deadline=60)
