#!/usr/bin/env python3
"""File writes never run on the event loop: with a disk that takes
400 ms per write (tests/integration/sd_slowfs.c, preloaded), a 1 MiB
upload in flight does not delay another client's message, every write
to the file store runs on the helper thread, and the upload still ends
with RESULT status 0 and the right bytes. What waits for the disk is
bounded: with 100 ms a write, a 24 MiB upload sent flat out gets its
connection paused (ctl clients) and still arrives whole. A legacy upload
whose last piece finds the queue full is still answered (it sends
nothing more until then), and a SIGTERM while files are being put in
place still answers both kinds of sender before the server exits.
(sockdeckd(1): FILES, files/; the design's rule that the loop never
blocks.)"""
import os
import signal
import tempfile
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

MS = 400


def offered(srv, xfer, data, name):
    """A new extension client whose offer of data was accepted at 0."""
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.file_offer(xfer, len(data), 0x30 + xfer, name))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "accepted at %d" % a["offset"])
    return s


def send_file(s, xfer, data, piece):
    for off in range(0, len(data), piece):
        s.sendall(sdwire.file_chunk(xfer, off, data[off:off + piece]))
    s.sendall(sdwire.file_end(xfer, len(data), sdwire.xxh3_64(data)))


def backlog_bounded(tmp):
    # 100 ms a write: the queue must pass its 16 MiB mark before the
    # disk drains it, even from a server slowed by TSan on a loaded
    # machine (at 20 ms it once never did: the disk kept up).
    srv = sdpeer.slow_server(100, os.path.join(tmp, "writes-100ms"))
    data = os.urandom(24 << 20)
    up = offered(srv, 2, data, b"big.bin")
    t = threading.Thread(target=send_file, args=(up, 2, data, 1 << 20),
                         daemon=True)
    t.start()
    paused = False
    deadline = time.monotonic() + 30
    while t.is_alive() and not paused and time.monotonic() < deadline:
        paused = any(c.get("paused") for c in
                     srv.ctl({"cmd": "clients"}).get("clients", []))
        time.sleep(0.01)
    check(paused, "the uploader was never paused while its bytes waited "
          "for a 100 ms-a-write disk")
    r = sdwire.parse_file_result(sdpeer.expect_frame(
        up, sdwire.T_FILE_RESULT, timeout=60))
    check(r["status"] == 0, "RESULT status %d after the pauses"
          % r["status"])
    with open(os.path.join(srv.files_dir, "big.bin"), "rb") as f:
        check(f.read() == data, "stored bytes differ after the pauses")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def legacy_last_piece(tmp):
    """The first write takes a second: the whole upload is queued when
    its last piece comes, so the queue is full right then."""
    srv = sdpeer.slow_server(1000, os.path.join(tmp, "writes-first"), count=1)
    dev = sdpeer.DEV
    s = srv.connect()
    data = os.urandom((16 << 20) + 4096)
    s.sendall(sdwire.legacy_file(dev, 10, data))
    ev = srv.wait_event("file-done", timeout=20)
    text = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=10)
    check(b"file upload successful" in text, "a legacy upload whose last "
          "piece found the queue full: answer %r" % text[:200])
    with open(os.path.join(srv.files_dir, ev["name"]), "rb") as f:
        check(f.read() == data, "stored bytes differ (legacy)")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def shutdown_answers(tmp):
    """SIGTERM after FILE_END and after a legacy body, while the files
    still wait for the disk: both senders get their answer."""
    srv = sdpeer.slow_server(300, os.path.join(tmp, "writes-stop"))
    data = os.urandom(1 << 20)
    up = offered(srv, 3, data, b"late.bin")
    send_file(up, 3, data, 256 * 1024)
    old = srv.connect()
    old.sendall(sdwire.legacy_file(sdpeer.DEV, 5, b"x" * 300000))
    srv.wait_event("file-progress")
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGTERM)
    r = sdwire.parse_file_result(sdpeer.expect_frame(
        up, sdwire.T_FILE_RESULT, timeout=20))
    check(r["status"] == 0, "RESULT status %d after SIGTERM" % r["status"])
    srv.wait_event("file-done", lambda e: e.get("name", "").endswith(
        ".txt"), timeout=20)
    text = sdpeer.recv_until_quiet(old, quiet=0.3, timeout=10)
    check(b"file upload successful" in text, "the legacy sender's answer "
          "after SIGTERM: %r" % text[:200])
    srv.proc.wait(timeout=20)   # a second SIGTERM would hurry it
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    tmp = tempfile.mkdtemp(prefix="sdslowfs-")
    log = os.path.join(tmp, "writes")
    srv = sdpeer.slow_server(MS, log)

    data = os.urandom(1 << 20)
    up = offered(srv, 1, data, b"slow.bin")
    send_file(up, 1, data, 256 * 1024)

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
    # Blocked, the loop would finish the upload's 8 writes first (3.2 s
    # seen); free, it answers in a millisecond. 1.2 s leaves room for a
    # loaded machine either way.
    check(took < 3 * MS / 1000, "a message took %.0f ms to answer while "
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
    legacy_last_piece(tmp)
    shutdown_answers(tmp)


sdpeer.run(test, deadline=60)
