#!/usr/bin/env python3
"""A legacy client that leaves mid-file (FIN, and RST) leaves no
complete-looking file: the .part is deleted, `file-failed` is logged, and
other clients (a message sender during the upload, an uploader after it)
are unaffected."""
import os
import socket
import struct
import time

import sdpeer
import sdwire
from sdpeer import check


def files(srv):
    if not os.path.isdir(srv.files_dir):
        return []
    return sorted(os.listdir(srv.files_dir))


def cut(srv, other, efo, rst):
    s = srv.connect()
    ev = srv.client_event(s)
    size = 1 << 20
    s.sendall(sdwire.legacy_file_head(sdpeer.DEV, 5, size))
    s.sendall(os.urandom(300 * 1024))
    srv.wait_event("file-start", lambda e: e.get("id") == ev["id"])
    # the other client is served during the upload
    other.sendall(sdwire.legacy_msg(sdpeer.DEV, "during"))
    sdpeer.expect_bytes(other, sdpeer.reply_for(efo["fd"], "during"),
                        what="other client's reply during an upload")
    fl = files(srv)
    check(all(n.endswith(".part") for n in fl),
          "complete-looking file while the upload is in flight: %r" % fl)
    if rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    s.close()
    f = srv.wait_event("file-failed", lambda e: e.get("id") == ev["id"])
    check(f.get("reason"), "file-failed without a reason: %r" % f)
    deadline = time.monotonic() + 5
    while files(srv) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not files(srv), "files left after a cut-short upload: %r"
          % files(srv))


def test():
    srv = sdpeer.Server(extra=["--file-reply-format", "file upload successful!! saved as {name}"]).start()
    other = srv.connect()
    efo = srv.client_event(other)
    cut(srv, other, efo, rst=False)
    cut(srv, other, efo, rst=True)

    # an upload afterwards works
    u = srv.connect()
    eu = srv.client_event(u)
    u.sendall(sdwire.legacy_file(sdpeer.DEV, 5, b"fine"))
    got = sdpeer.recv_until_quiet(u, quiet=0.5, timeout=5)
    check(got.startswith(b"file upload successful!! saved as "),
          "later upload answered %r" % got)
    check(files(srv) == [got.split(b" as ", 1)[1].decode()],
          "files after the good upload: %r" % files(srv))
    other.sendall(sdwire.legacy_msg(sdpeer.DEV, "after"))
    sdpeer.expect_bytes(other, sdpeer.reply_for(efo["fd"], "after"),
                        what="other client's reply after the failures")
    u.close()
    other.close()
    check(eu["id"] != efo["id"], "two clients share an id")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
