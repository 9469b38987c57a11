#!/usr/bin/env python3
"""Whatever has the name DATA_DIR/fleet.tmp when the fleet is written is
replaced, never written through nor waited on: a FIFO there (whose open
for writing would wait for a reader for ever, the writer thread with
it, and so the stop, which waits for the last write) or a symbolic link
to a file elsewhere (left as it was; the write used to fail at every
try) do not keep DATA_DIR/fleet from being written, and SIGTERM ends
the server within seconds. (sockdeckd(1) FILES, DATA_DIR/fleet.)"""
import os
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:02:01")


def run(d, what):
    srv = sdpeer.Server(data_dir=d, extra=["--device-save", "1"]).start()
    s = srv.connect()
    srv.client_event(s)
    s.sendall(sdwire.legacy_sensor(A, 1.0))
    path = os.path.join(d, "fleet")
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        if os.path.exists(path) and "00:11:22:33:02:01" in open(path).read():
            break
        time.sleep(0.1)
    else:
        sdpeer.fail("%s: DATA_DIR/fleet not written" % what)
    s.close()
    t0 = time.monotonic()
    rc = srv.stop(timeout=10)
    check(rc == 0, "%s: exit status %r" % (what, rc))
    check(time.monotonic() - t0 < 5, "%s: the stop took %.1f s"
          % (what, time.monotonic() - t0))
    os.unlink(path)


def test():
    d = sdpeer.Server().dir       # removed at the end, with its server
    tmp = os.path.join(d, "fleet.tmp")
    os.mkfifo(tmp)
    run(d, "a FIFO")
    check(not os.path.exists(tmp), "fleet.tmp left")
    other = tempfile.NamedTemporaryFile(prefix="sdtest-", delete=False)
    other.write(b"not the fleet\n")
    other.close()
    try:
        os.symlink(other.name, tmp)
        run(d, "a link")
        check(open(other.name).read() == "not the fleet\n",
              "the link's target written")
    finally:
        os.unlink(other.name)


sdpeer.run(test)
