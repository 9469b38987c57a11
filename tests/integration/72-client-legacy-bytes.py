#!/usr/bin/env python3
"""sockdeck --legacy writes exactly the bytes of the original client
(legacy-wire-format.md's examples), captured by a plain TCP listener
that answers like the original v2.9 server: the message "hi" and the
sensor reading 21.5 from aa:bb:cc:dd:ee:ff; files, with the extension
code the original client sent: its eight extensions (case ignored) have
theirs, anything else is 10, and the extension is what follows the
name's first dot ("a.json.gz" is json's 6, "a.tar.gz" 10)."""
import os
import struct
import subprocess
import tempfile

import sdpeer
from sdpeer import check

MSG = bytes.fromhex("00000e00000022aabbccddeeff01020000006869")
SENSOR = bytes.fromhex("ffff0b00000011aabbccddeeff0000ac41")


def sockdeck(*args):
    return subprocess.run([os.environ["SOCKDECK"]] + list(args),
                          capture_output=True, text=True, timeout=30)


def test():
    ls, got, t = sdpeer.capture(b"[7 socket] message return success")
    r = sockdeck("--legacy", "--device", "aa:bb:cc:dd:ee:ff", "send",
                 "127.0.0.1:%d" % ls.getsockname()[1], "hi")
    t.join(5)
    check(r.returncode == 0 and "message return success" in r.stdout,
          "send: %r" % (r,))
    check(bytes(got) == MSG, "sent %s, expected %s" % (bytes(got).hex(),
                                                       MSG.hex()))
    ls.close()

    ls, got, t = sdpeer.capture(None)
    r = sockdeck("--legacy", "--device", "aa:bb:cc:dd:ee:ff", "sensor",
                 "127.0.0.1:%d" % ls.getsockname()[1], "21.5")
    t.join(5)
    check(r.returncode == 0, "sensor: %r" % (r,))
    check(bytes(got) == SENSOR, "sent %s, expected %s"
          % (bytes(got).hex(), SENSOR.hex()))
    ls.close()

    tmp = tempfile.mkdtemp(prefix="sdtest-")
    for name, code in (("a.jpg", 2), ("A.PNG", 3), ("a.gif", 4),
                       ("a.txt", 5), ("a.json", 6), ("a.xml", 7),
                       ("a.mp4", 8), ("a.avi", 9), ("a.zip", 10),
                       ("a.pdf", 10), ("a.jpeg", 10), ("noext", 10),
                       ("a.tar.gz", 10), ("a.json.gz", 6), (".jpg", 2)):
        data = ("%s's bytes" % name).encode()
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        want = (struct.pack("<HIB6sBI", 0xFFFF, 12 + len(data), 0x22,
                            bytes.fromhex("aabbccddeeff"), code, len(data))
                + data)
        ls, got, t = sdpeer.capture(b"file upload successful!!", len(want))
        r = sockdeck("--legacy", "--device", "aa:bb:cc:dd:ee:ff",
                     "send-file", "127.0.0.1:%d" % ls.getsockname()[1],
                     path)
        t.join(5)
        check(r.returncode == 0, "send-file %s: %r" % (name, r))
        check(bytes(got) == want, "send-file %s: sent %s, expected %s "
              "(code %d)" % (name, bytes(got).hex(), want.hex(), code))
        ls.close()


sdpeer.run(test)
