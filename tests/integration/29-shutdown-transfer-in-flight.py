#!/usr/bin/env python3
"""SIGTERM stops accepting at once but lets a transfer in flight finish
within --shutdown-timeout: the extension client completes its file and
gets RESULT status 0, then the server exits 0 with a `shutdown` event."""
import os
import signal
import socket
import time

import sdpeer
import sdwire
from sdpeer import check


def test():
    srv = sdpeer.Server(extra=["--shutdown-timeout", "8"]).start()
    s = srv.connect()
    sdpeer.hello(s)
    data = os.urandom(400 * 1024)
    s.sendall(sdwire.file_offer(1, len(data), 0x99, b"late.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 0, "offset %d" % a["offset"])
    half = len(data) // 2
    s.sendall(sdwire.file_chunk(1, 0, data[:half]))
    time.sleep(0.2)
    mark = srv.mark()
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    check(srv.alive(), "server exited with a transfer in flight")
    # no new clients
    c = socket.socket()
    c.settimeout(2)
    try:
        c.connect(("127.0.0.1", srv.ports[0]))
        c.sendall(sdwire.legacy_msg(sdpeer.DEV, "late"))
        got = sdpeer.recv_until_quiet(c, quiet=0.5, timeout=2)
        check(b"return data" not in got, "a new client was served after "
              "SIGTERM: %r" % got)
    except OSError:
        pass
    finally:
        c.close()
    s.sendall(sdwire.file_chunk(1, half, data[half:]))
    s.sendall(sdwire.file_end(1, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "status %d for a transfer finished during "
          "shutdown" % r["status"])
    rc = srv.wait_exit(timeout=10)
    check(rc == 0, "exit status %r" % rc)
    srv.wait_event("shutdown", since=mark, timeout=1)
    with open(os.path.join(srv.files_dir, "late.bin"), "rb") as f:
        check(f.read() == data, "late.bin differs")
    s.close()


sdpeer.run(test)
