#!/usr/bin/env python3
"""A disk that refuses writes loses nothing and stops nobody else.

The server runs with a 256 KiB file size limit (RLIMIT_FSIZE, inherited):
writes past it fail with EFBIG as on a full disk. A legacy file over the
limit is refused with "file upload failed" and no file is left behind; the
same connection and another client are still served; an extension
transfer over the limit gets an I/O ERROR frame. Readings past the limit
stay buffered (a `store` event says the store is failing); once the limit
is lifted (prlimit on the running server) every reading reaches the disk,
in order, exactly once. An extension batch sent meanwhile gets its
SENSOR_ACK only then, once written."""
import os
import resource
import struct
import time

import sdpeer
import sdwire
from sdpeer import check

LIMIT = 256 * 1024


def test():
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))
    try:
        srv = sdpeer.Server().start()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    # A legacy file larger than the disk takes.
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_file(sdpeer.DEV, 5, os.urandom(LIMIT * 2)))
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=10)
    check(got.startswith(b"file upload failed: "),
          "legacy upload over the limit answered %r" % got[:200])
    srv.wait_event("file-failed", lambda e: e.get("id") == ev["id"])
    left = os.listdir(srv.files_dir)
    check(left == [], "files left after a failed upload: %r" % left)
    # The connection goes on, and so does everyone else.
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "still here"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "still here"))
    o = srv.connect()
    oe = srv.client_event(o)
    o.sendall(sdwire.legacy_msg(sdpeer.DEV, "other"))
    sdpeer.expect_bytes(o, sdpeer.reply_for(oe["fd"], "other"))

    # An extension transfer over the limit: an I/O error frame.
    x = srv.connect()
    sdpeer.hello(x)
    data = os.urandom(LIMIT + 4096)
    x.sendall(sdwire.file_offer(3, len(data), 77, b"big.bin"))
    sdpeer.expect_frame(x, sdwire.T_FILE_ACCEPT)
    for off in range(0, len(data), 65536):
        x.sendall(sdwire.file_chunk(3, off, data[off:off + 65536]))
    err = sdwire.parse_error(sdpeer.expect_frame(x, sdwire.T_ERROR))
    check(err["code"] == 7, "I/O error code 7 expected, got %r" % (err,))
    check(not os.path.exists(os.path.join(srv.files_dir, "big.bin")),
          "big.bin stored despite the write error")

    # Readings past the limit wait in memory, then all reach the disk.
    n = 6000
    r = srv.connect()
    batch = b"".join(sdwire.legacy_sensor(sdpeer.DEV, float(i))
                     for i in range(n))
    r.sendall(batch)
    srv.wait_event("store", lambda e: e.get("state") == "failing",
                   timeout=10)
    st = srv.ctl({"cmd": "status"})["status"]["store"]
    check(st["state"] == "failing" and st["pending"] > 0,
          "status store %r" % st)
    # A batch is acknowledged once written, not before: no SENSOR_ACK
    # while the disk refuses it, the ACK once the disk takes it.
    b = srv.connect()
    sdpeer.hello(b)
    b.sendall(sdwire.sensor_batch(9, sdpeer.DEV,
                                  [(time.time_ns(), -1.0, b"")]))
    sdpeer.expect_quiet(b, 1.0, "a batch the disk refused (acknowledged)")
    resource.prlimit(srv.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    srv.wait_event("store", lambda e: e.get("state") == "ok", timeout=10)
    ack = sdpeer.expect_frame(b, sdwire.T_SENSOR_ACK, timeout=10)
    check(struct.unpack("<Q", ack) == (9,), "SENSOR_ACK %r" % ack)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = srv.readings_lines()
        if len(lines) >= n + 1:
            break
        time.sleep(0.1)
    values = [sdpeer.parse_reading(l)["value"] for l in lines]
    check(values.count(-1.0) == 1, "the batch's reading stored %d times"
          % values.count(-1.0))
    values = [v for v in values if v != -1.0]
    check(values == [float(i) for i in range(n)],
          "%d readings on disk, expected %d in order" % (len(values), n))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
