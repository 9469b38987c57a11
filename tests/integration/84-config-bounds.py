#!/usr/bin/env python3
"""Configuration that cannot be right is refused at start, each with one
line on stderr and exit status 2: a --config that is a directory, a
device (/dev/zero used to spin forever) or a FIFO, a file over 1 MiB, a
line longer than the parser takes, a NUL byte; an empty --token (which
meant no authentication); line-protocol names InfluxDB refuses (empty,
starting with _, a field or tag key `time`, a tag key the readings add
themselves). The error line never carries the file's raw control bytes
(C0, DEL, C1, bidi overrides): they are escaped."""
import os
import shutil
import subprocess
import tempfile

import sdpeer
from sdpeer import check

# Bytes a terminal acts on: C0 but newline, DEL, a raw C1 (CSI 0x9b),
# C1 and bidi overrides in UTF-8.
RAW = [bytes([c]) for c in range(0x20) if c != 0x0a] + \
    [b"\x7f", b"\x9b", "\u009b".encode(), "\u202e".encode()]


def run(args, timeout=5):
    p = subprocess.run([sdpeer.binary()] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    port = str(sdpeer.free_port())
    base = ["--headless", "--log-format", "json", "--bind", "127.0.0.1",
            "--data-dir", os.path.join(d, "data"), "--ports", port]

    def cfg(name, data):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    evil = b"ports = " + port.encode() + b"\nbind\x1b]0;pwn\x07\x9b2J" + \
        "\u202e\u009b".encode() + b" = 127.0.0.1\n"
    cases = [
        (["--config", d], "regular file"),
        (["--config", "/dev/zero"], "regular file"),
        (["--config", fifo], "regular file"),
        (["--config", cfg("big.ini", b"# x\n" * 300000)], "larger than"),
        (["--config", cfg("long.ini", b"reply-format = " + b"x" * 300 +
                          b"\n")], "long.ini:1"),
        (["--config", cfg("nul.ini", b"ports = 5000\nbind = 127\x000.0.1\n")],
         "nul.ini:2"),
        (["--config", cfg("evil.ini", evil)], "evil.ini:2"),
        (["--token", ""], "token"),
        (["--config", cfg("tok.ini", b"token =\n")], "token"),
        (["--measurement", ""], "measurement"),
        (["--measurement", "_m"], "measurement"),
        (["--device-tag", ""], "device-tag"),
        (["--device-tag", "time"], "device-tag"),
        (["--device-tag", "_tag"], "device-tag"),
        (["--device-tag", "channel"], "device-tag"),
        (["--field", ""], "field"),
        (["--field", "time"], "field"),
        (["--field", "_value"], "field"),
        (["--field", "a\x1bb"], "field"),
    ]
    try:
        for args, want in cases:
            what = " ".join(repr(a) for a in args)
            st, out, err = run(base + args)
            check(st == 2, "%s: exit status %r, expected 2 (stderr %r)"
                  % (what, st, err[:300]))
            lines = [l for l in err.split(b"\n") if l.strip()]
            check(len(lines) == 1, "%s: %d lines on stderr, expected one: "
                  "%r" % (what, len(lines), err[:500]))
            check(want.encode() in lines[0], "%s: stderr %r does not say %s"
                  % (what, lines[0], want))
            for r in RAW:
                check(r not in err, "%s: stderr carries raw %r: %r"
                      % (what, r, err))
        # The escaped form says what the bytes were.
        st, out, err = run(base + ["--config", os.path.join(d, "evil.ini")])
        check(b"\\x1b]0;pwn\\x07\\x9b2J\\u{202e}\\u{009b}" in err,
              "the bad key is not shown escaped: %r" % err)
        # The longest line the parser takes whole still works, and so do
        # names that merely look odd.
        ok = cfg("ok.ini", b"reply-format = " + b"y" * 183 + b"\n")
        check(len(open(ok, "rb").readline()) == 199, "test setup")
        srv = sdpeer.Server(extra=["--config", ok, "--measurement", "m-1",
                                   "--field", "v_", "--device-tag", "mac"])
        srv.start()
        check(srv.stop() == 0, "server with a 198-byte line did not run")
    finally:
        shutil.rmtree(d, ignore_errors=True)


sdpeer.run(test)
