#!/usr/bin/env python3
"""A client claiming a device id cannot take over another connection's
parked transfer unless it comes from the same address or presented the
server's --token: from 127.0.0.2 the same device, key and size get a
fresh transfer at offset 0 (stored under another name, the parked bytes
untouched, even while it is still sending); from 127.0.0.1 the owner
resumes at the byte the server holds. With --token, a client from
another address that presented it resumes."""
import os
import socket

import sdpeer
import sdwire
from sdpeer import check

SIZE = 96 * 1024
HALF = 48 * 1024
KEY = 0x4848484848484848
DEV = sdwire.mac("02:00:00:00:48:01")
CHUNK = 16 * 1024


def connect_from(srv, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", srv.ports[0]))
    return s


def send_range(s, xfer, data, start, end):
    off = start
    while off < end:
        n = min(CHUNK, end - off)
        s.sendall(sdwire.file_chunk(xfer, off, data[off:off + n]))
        off += n


def offer(s, xfer, name):
    s.sendall(sdwire.file_offer(xfer, SIZE, KEY, name))
    return sdwire.parse_file_accept(
        sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))["offset"]


def end(s, xfer, data):
    h = sdwire.xxh3_64(data)
    s.sendall(sdwire.file_end(xfer, SIZE, h))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0 and r["xxh3"] == h, "result %r" % r)
    return r["name"].decode()


def park(srv, src, data, token=b""):
    """Send half of data from src, then drop the connection."""
    s = connect_from(srv, src)
    ev = srv.client_event(s)
    s.sendall(sdwire.hello(DEV, b"owner", token=token))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    check(offer(s, 1, b"cam.bin") == 0, "first offer not at 0")
    send_range(s, 1, data, 0, HALF)
    s.close()
    srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])


def without_token():
    srv = sdpeer.Server().start()
    mine = os.urandom(SIZE)
    theirs = os.urandom(SIZE)
    park(srv, "127.0.0.1", mine)

    b = connect_from(srv, "127.0.0.2")
    sdpeer.hello(b, dev=DEV, name=b"claimer")
    off = offer(b, 7, b"cam.bin")
    check(off == 0, "a client from 127.0.0.2 took over the parked "
          "transfer of 127.0.0.1 at byte %d" % off)
    send_range(b, 7, theirs, 0, HALF)

    # the owner comes back while the other still sends
    a = connect_from(srv, "127.0.0.1")
    sdpeer.hello(a, dev=DEV, name=b"owner")
    off = offer(a, 2, b"cam.bin")
    check(off == HALF, "the owner resumed at %d, expected %d" % (off, HALF))
    send_range(a, 2, mine, HALF, SIZE)
    na = end(a, 2, mine)
    send_range(b, 7, theirs, HALF, SIZE)
    nb = end(b, 7, theirs)
    check(na != nb, "both stored as %r" % na)
    for n, d in ((na, mine), (nb, theirs)):
        with open(os.path.join(srv.files_dir, n), "rb") as f:
            check(f.read() == d, "%s holds the other's bytes" % n)
    a.close()
    b.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def with_token():
    srv = sdpeer.Server(extra=["--token", "s3cret"]).start()
    mine = os.urandom(SIZE)
    park(srv, "127.0.0.1", mine, token=b"s3cret")
    b = connect_from(srv, "127.0.0.2")
    b.sendall(sdwire.hello(DEV, b"moved", token=b"s3cret"))
    sdpeer.expect_frame(b, sdwire.T_WELCOME)
    off = offer(b, 3, b"cam.bin")
    check(off == HALF, "a client with the token resumed at %d, expected %d"
          % (off, HALF))
    send_range(b, 3, mine, HALF, SIZE)
    n = end(b, 3, mine)
    with open(os.path.join(srv.files_dir, n), "rb") as f:
        check(f.read() == mine, "%s differs" % n)
    b.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def test():
    without_token()
    with_token()


sdpeer.run(test)
