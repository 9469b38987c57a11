#!/usr/bin/env python3
"""A transfer cut by a dropped connection resumes: the same device (from
HELLO) offering the same key and size again gets FILE_ACCEPT with the
offset the server holds (> 0); finishing gives a verified file; a
different key or size starts at 0."""
import os
import time

import sdpeer
import sdwire
from sdpeer import check

SIZE = 600 * 1024
HALF = 300 * 1024
KEY = 0xDEADBEEFCAFEF00D
DEV2 = sdwire.mac("02:00:00:00:00:07")


def test():
    srv = sdpeer.Server().start()
    data = os.urandom(SIZE)
    s = srv.connect()
    ev = srv.client_event(s)
    w = sdpeer.hello(s, dev=DEV2, name=b"resumer")
    chunk = min(w["max_chunk"], 50 * 1024)
    s.sendall(sdwire.file_offer(1, SIZE, KEY, b"big.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "first offer accepted at %d" % a["offset"])
    off = 0
    while off < HALF:
        s.sendall(sdwire.file_chunk(1, off, data[off:off + chunk]))
        off += chunk
    # wait until the server holds all of it (clients: transfer.bytes)
    deadline = time.monotonic() + 10
    held = None
    while time.monotonic() < deadline:
        cl = srv.ctl({"cmd": "clients"})
        me = [c for c in cl.get("clients", []) if c.get("id") == ev["id"]]
        tr = me[0].get("transfer") if me else None
        if tr:
            check(tr.get("size") == SIZE, "clients transfer %r" % tr)
            held = tr.get("bytes")
            if held == HALF:
                break
        time.sleep(0.05)
    check(held == HALF, "clients shows %r bytes held, expected %d"
          % (held, HALF))
    s.close()
    srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    check(not os.path.exists(os.path.join(srv.files_dir, "big.bin")),
          "big.bin looks complete after a cut")

    # another device's offer of the same key does not resume
    o = srv.connect()
    sdpeer.hello(o, dev=sdpeer.DEV)
    o.sendall(sdwire.file_offer(5, SIZE, KEY, b"other.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(o, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "another device's offer resumed at %d"
          % a["offset"])
    o.sendall(sdwire.file_cancel(5))
    sdpeer.expect_frame(o, sdwire.T_FILE_RESULT)
    o.close()

    # reconnect, same device, key and size: resume from what is held
    s = srv.connect()
    ev2 = srv.client_event(s)
    sdpeer.hello(s, dev=DEV2, name=b"resumer")
    mark = srv.mark()
    s.sendall(sdwire.file_offer(9, SIZE, KEY, b"big.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["xfer"] == 9, "accept for xfer %d" % a["xfer"])
    check(a["offset"] == HALF, "resumed offer accepted at %d, expected %d"
          % (a["offset"], HALF))
    fs = srv.wait_event("file-start", lambda e: e.get("id") == ev2["id"],
                        since=mark)
    check(fs.get("offset") == HALF, "file-start offset %r" % fs.get("offset"))
    off = a["offset"]
    while off < SIZE:
        s.sendall(sdwire.file_chunk(9, off, data[off:off + chunk]))
        off += chunk
    h = sdwire.xxh3_64(data)
    s.sendall(sdwire.file_end(9, SIZE, h))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT,
                                                     timeout=15))
    check(r["status"] == 0 and r["xxh3"] == h and r["size"] == SIZE,
          "resumed transfer result %r" % r)
    check(r["name"] == b"big.bin", "resumed file stored as %r" % r["name"])
    with open(os.path.join(srv.files_dir, "big.bin"), "rb") as f:
        check(f.read() == data, "resumed file differs")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
