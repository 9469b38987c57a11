#!/usr/bin/env python3
"""Extension file transfer: offer -> accept 0, chunks, end -> RESULT status
0 with the matching XXH3-64, stored under its name, `file-done` with the
xxh3; a wrong checksum -> status 1 and no final file; a short transfer ->
status 2; FILE_CANCEL -> status 4; a chunk at the wrong offset -> ERROR
code 9 and the connection goes on."""
import os
import struct

import sdpeer
import sdwire
from sdpeer import check


def offer(s, xfer, size, key, name):
    s.sendall(sdwire.file_offer(xfer, size, key, name))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    check(a["xfer"] == xfer, "FILE_ACCEPT for xfer %d, expected %d"
          % (a["xfer"], xfer))
    return a["offset"]


def send_chunks(s, xfer, data, start, chunk):
    off = start
    while off < len(data):
        s.sendall(sdwire.file_chunk(xfer, off, data[off:off + chunk]))
        off += chunk


def result(s, xfer):
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT,
                                                     timeout=15))
    check(r["xfer"] == xfer, "FILE_RESULT for xfer %d, expected %d"
          % (r["xfer"], xfer))
    return r


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    ev = srv.client_event(s)
    w = sdpeer.hello(s)
    chunk = min(w["max_chunk"], 60000)

    data = os.urandom(1024 * 1024 + 17)
    h = sdwire.xxh3_64(data)
    check(offer(s, 1, len(data), 0x1111, b"report.dat") == 0,
          "new file not accepted at offset 0")
    send_chunks(s, 1, data, 0, chunk)
    s.sendall(sdwire.file_end(1, len(data), h))
    r = result(s, 1)
    check(r["status"] == 0, "status %d for a good transfer" % r["status"])
    check(r["size"] == len(data), "RESULT size %d" % r["size"])
    check(r["xxh3"] == h, "RESULT xxh3 0x%016x, expected 0x%016x"
          % (r["xxh3"], h))
    check(r["name"] == b"report.dat", "stored as %r" % r["name"])
    with open(os.path.join(srv.files_dir, "report.dat"), "rb") as f:
        check(f.read() == data, "stored bytes differ")
    fd = srv.wait_event("file-done", lambda e: e.get("id") == ev["id"])
    check(str(fd.get("xxh3", "")).lower().lstrip("0x").lstrip("0") ==
          ("%x" % h), "file-done xxh3 %r, expected %016x"
          % (fd.get("xxh3"), h))

    # the man page's 5-byte "hello" example, byte for byte
    s.sendall(sdwire.file_offer(2, 5, 0x1122334455667788, b"a.txt"))
    acc = sdpeer.recv_exact(s, 18)
    check(acc == bytes.fromhex("11 53 0c 00 00 00 02 00 00 00 00 00 00 00"
                               " 00 00 00 00"), "FILE_ACCEPT %s" % acc.hex())
    s.sendall(sdwire.file_chunk(2, 0, b"hello"))
    s.sendall(sdwire.file_end(2, 5, 0x9555e8555c62dcfd))
    res = sdpeer.recv_exact(s, 34)
    check(res == bytes.fromhex("14 53 1c 00 00 00 02 00 00 00 00 05 00 00 00"
                               " 00 00 00 00 fd dc 62 5c 55 e8 55 95 05 00"
                               " 61 2e 74 78 74"), "FILE_RESULT %s"
          % res.hex())

    # wrong checksum -> status 1, no final file
    bad = os.urandom(70000)
    check(offer(s, 3, len(bad), 0x3333, b"bad.dat") == 0, "offset not 0")
    send_chunks(s, 3, bad, 0, chunk)
    s.sendall(sdwire.file_end(3, len(bad), sdwire.xxh3_64(bad) ^ 1))
    r = result(s, 3)
    check(r["status"] == 1, "status %d for a wrong checksum, expected 1"
          % r["status"])
    check(r["xxh3"] == sdwire.xxh3_64(bad), "server's xxh3 0x%016x"
          % r["xxh3"])
    check(not os.path.exists(os.path.join(srv.files_dir, "bad.dat")),
          "bad.dat stored although its checksum was wrong")
    srv.wait_event("file-failed", lambda e: e.get("id") == ev["id"])

    # wrong only in the high bits: the whole 64 bits are compared
    for bit, xfer in ((63, 5), (32, 6)):
        bad = os.urandom(3000)
        name = b"high%d.dat" % bit
        check(offer(s, xfer, len(bad), 0x5500 + bit, name) == 0, "offset")
        send_chunks(s, xfer, bad, 0, chunk)
        s.sendall(sdwire.file_end(xfer, len(bad),
                                  sdwire.xxh3_64(bad) ^ (1 << bit)))
        r = result(s, xfer)
        check(r["status"] == 1, "status %d for a checksum wrong in bit %d,"
              " expected 1" % (r["status"], bit))
        check(not os.path.exists(os.path.join(srv.files_dir,
                                              name.decode())),
              "%s stored although its checksum was wrong" % name)

    # fewer bytes than offered -> status 2
    short = os.urandom(5000)
    check(offer(s, 4, len(short), 0x4444, b"short.dat") == 0, "offset")
    send_chunks(s, 4, short[:4000], 0, chunk)
    s.sendall(sdwire.file_end(4, len(short), sdwire.xxh3_64(short)))
    r = result(s, 4)
    check(r["status"] == 2, "status %d for a short transfer, expected 2"
          % r["status"])
    check(not os.path.exists(os.path.join(srv.files_dir, "short.dat")),
          "short.dat stored although it was short")

    # cancel -> status 4
    check(offer(s, 5, 100000, 0x5555, b"cancel.dat") == 0, "offset")
    s.sendall(sdwire.file_chunk(5, 0, os.urandom(1000)))
    s.sendall(sdwire.file_cancel(5))
    r = result(s, 5)
    check(r["status"] == 4, "status %d after FILE_CANCEL, expected 4"
          % r["status"])
    check(not os.path.exists(os.path.join(srv.files_dir, "cancel.dat")),
          "cancel.dat stored although cancelled")

    # a chunk at the wrong offset -> ERROR 9, transfer aborted, conn goes on
    check(offer(s, 6, 1000, 0x6666, b"order.dat") == 0, "offset")
    s.sendall(sdwire.file_chunk(6, 10, b"z" * 100))
    e = sdwire.parse_error(sdpeer.expect_frame(s, sdwire.T_ERROR))
    check(e["code"] == 9, "ERROR code %d for an out-of-order chunk, "
          "expected 9" % e["code"])
    check(e["ref_id"] == 6, "ERROR ref_id %d, expected the transfer 6"
          % e["ref_id"])
    s.sendall(sdwire.ping(77))
    check(sdpeer.expect_frame(s, sdwire.T_PONG) == struct.pack("<Q", 77),
          "PONG after the aborted transfer")
    check(not os.path.exists(os.path.join(srv.files_dir, "order.dat")),
          "order.dat stored")

    # a good transfer after all that
    small = os.urandom(3000)
    check(offer(s, 7, len(small), 0x7777, b"after.bin") == 0, "offset")
    send_chunks(s, 7, small, 0, chunk)
    s.sendall(sdwire.file_end(7, len(small), sdwire.xxh3_64(small)))
    check(result(s, 7)["status"] == 0, "later transfer not stored")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
