#!/usr/bin/env python3
"""Extension frames over TLS (Python's ssl module as the peer): HELLO,
a message, a ping, the man page's 5-byte file, a sensor batch, a 2 MiB
file in chunks and a legacy message get the same answers, byte for
byte, as on a plain port of the same server (the WELCOME's client id
aside), and the files are stored whole."""
import os

import sdpeer
import sdtls
import sdwire
from sdpeer import check

MSG = bytes.fromhex("03 53 0f 00 00 00 07 00 00 00 64 6f 6f 72 20 33"
                    " 20 6f 70 65 6e")
BATCH = bytes.fromhex(
    "20 53 39 00 00 00 01 00 00 00 00 00 00 00 aa bb"
    " cc dd ee ff 02 00 00 00 2a 36 fe 9c 97 17 00 00"
    " 00 00 00 80 35 40 04 74 65 6d 70 00 00 00 00 00"
    " 00 00 00 00 00 00 00 00 00 0a c0 03 68 75 6d")
BIG = os.urandom(2 * 1024 * 1024 + 17)


def frame_bytes(s):
    """One whole answer frame, as its bytes."""
    hdr = sdpeer.recv_exact(s, 6)
    _, n = sdwire.HDR.unpack(hdr)
    return hdr + sdpeer.recv_exact(s, n)


def session(s, tag):
    """The script; the answers' bytes, in order."""
    out = []
    s.sendall(sdwire.hello(sdpeer.DEV, b"cam-" + tag))
    w = frame_bytes(s)
    check(sdwire.HDR.unpack(w[:6])[0] == sdwire.T_WELCOME, "%s: first "
          "answer %r" % (tag, w[:20]))
    out.append(("welcome", sdwire.parse_welcome(w[6:])))
    s.sendall(MSG)
    out.append(("text", frame_bytes(s)))
    s.sendall(sdwire.ping(0x0102030405060708))
    out.append(("pong", frame_bytes(s)))
    name = b"a-" + tag + b".txt"
    s.sendall(sdwire.file_offer(2, 5, 0x1122334455667788, name))
    out.append(("accept", frame_bytes(s)))
    s.sendall(sdwire.file_chunk(2, 0, b"hello") +
              sdwire.file_end(2, 5, 0x9555e8555c62dcfd))
    got = frame_bytes(s)
    check(got == sdwire.file_result(2, 0, 5, 0x9555e8555c62dcfd, name),
          "%s: FILE_RESULT %s" % (tag, got.hex()))
    out.append(("result", got.replace(name, b"NAME")))
    s.sendall(BATCH)
    out.append(("ack", frame_bytes(s)))
    big = b"big-" + tag + b".dat"
    s.sendall(sdwire.file_offer(3, len(BIG), 0x3333, big))
    out.append(("accept big", frame_bytes(s)))
    for off in range(0, len(BIG), 60000):
        s.sendall(sdwire.file_chunk(3, off, BIG[off:off + 60000]))
    s.sendall(sdwire.file_end(3, len(BIG), sdwire.xxh3_64(BIG)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(
        s, sdwire.T_FILE_RESULT, timeout=30))
    check(r["status"] == 0 and r["name"] == big, "%s: big file %r"
          % (tag, r))
    out.append(("big", (r["status"], r["size"], r["xxh3"])))
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "old style"))
    out.append(("legacy", frame_bytes(s)))
    sdpeer.expect_quiet(s, 0.3, "%s: after the answers" % tag)
    return out


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki, "--server-name", "srv",
                                   "--reply-format", "ok {text}")
    p = srv.connect(plain)
    want = session(p, b"pln")
    t = sdtls.connect(tls, pki)
    got = session(t, b"tls")
    ids = (want[0][1].pop("client_id"), got[0][1].pop("client_id"))
    check(ids[0] != ids[1], "two clients, one id: %r" % (ids,))
    for (kind, w), (_, g) in zip(want, got):
        check(w == g, "%s over TLS: %r; on the plain port: %r"
              % (kind, g, w))
    for tag in ("pln", "tls"):
        with open(os.path.join(srv.files_dir, "big-%s.dat" % tag),
                  "rb") as f:
            check(f.read() == BIG, "big-%s.dat stored differs" % tag)
    lines = srv.readings_lines()
    check(len(lines) == 4, "readings after two batches: %r" % lines)
    p.close()
    t.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
