#!/usr/bin/env python3
"""sockdeck send, send-file and sensor against a hostile server (a
Python fake): the server's text (replies, broadcasts, errors, legacy
answers) reaches stdout and stderr escaped, never raw: no OSC 52, OSC 0,
ESC[2J, C1 or bidi control gets to the terminal, and valid UTF-8 stays
readable."""
import os
import struct
import subprocess
import tempfile

import sdpeer
import sdwire as w
from sdpeer import check
from sdterm import ESCAPED, HOSTILE, FakeServer, raw_controls


def ext_handler(conn):
    buf = b""
    while True:
        d = conn.recv(65536)
        if not d:
            return
        frames, buf = w.split_frames(buf + d)
        for t, p in frames:
            if t == w.T_HELLO:
                conn.sendall(w.welcome(1, 1 << 20, 65536, 1 << 30))
            elif t == w.T_MSG:
                mid = struct.unpack_from("<I", p)[0]
                conn.sendall(w.text(2, 0, HOSTILE) +
                             w.text(1, mid, HOSTILE))
            elif t in (w.T_FILE_OFFER, w.T_SENSOR_BATCH):
                conn.sendall(w.error(5, t, 0, HOSTILE))


def legacy_handler(conn):
    if conn.recv(65536):
        conn.sendall(HOSTILE)
    conn.recv(65536)


def run(*args):
    b = os.environ.get("SOCKDECK")
    return subprocess.run([b, "--device", "aa:bb:cc:dd:ee:77"] + list(args),
                          capture_output=True, timeout=30)


def check_out(what, data):
    bad = raw_controls(data)
    check(not bad, "%s reached the terminal raw: %s in %r"
          % (what, bad[:6], data))
    text = data.decode("utf-8", "replace")
    for e in ESCAPED:
        check(e in text, "%s: %r is not in %r" % (what, e, text))


def test():
    ext = FakeServer(ext_handler)
    hp = "127.0.0.1:%d" % ext.port
    r = run("send", hp, "hi")
    check(r.returncode == 0, "send: %r" % (r,))
    check(r.stdout.count(b"\n") == 2, "send: two lines: %r" % r.stdout)
    check_out("send's stdout", r.stdout)

    with tempfile.NamedTemporaryFile() as f:
        f.write(b"x" * 100)
        f.flush()
        r = run("send-file", hp, f.name)
    check(r.returncode == 1, "send-file: %r" % (r,))
    check_out("send-file's stderr", r.stderr)

    r = run("sensor", hp, "1.5")
    check(r.returncode == 1, "sensor: %r" % (r,))
    check_out("sensor's stderr", r.stderr)

    leg = FakeServer(legacy_handler)
    r = run("--legacy", "send", "127.0.0.1:%d" % leg.port, "hi")
    check(r.returncode == 0, "legacy send: %r" % (r,))
    check_out("legacy send's stdout", r.stdout)
    check(not ext.errors and not leg.errors, "fake server: %r"
          % (ext.errors + leg.errors))
    ext.close()
    leg.close()


if __name__ == "__main__":
    sdpeer.run(test)
