#!/usr/bin/env python3
"""sockdeck --legacy writes exactly the bytes of the original client
(legacy-wire-format.md's examples), captured by a plain TCP listener
that answers like the original server: the message "hi" and the sensor
reading 21.5 from aa:bb:cc:dd:ee:ff."""
import os
import socket
import subprocess
import threading

import sdpeer
from sdpeer import check

MSG = bytes.fromhex("00000e00000022aabbccddeeff01020000006869")
SENSOR = bytes.fromhex("ffff0b00000011aabbccddeeff0000ac41")


def capture(answer):
    """A listener that records one connection's bytes."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    got = bytearray()

    def run():
        c, _ = ls.accept()
        c.settimeout(5)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got.extend(b)
                if answer:
                    c.sendall(answer)
                    answer_sent.set()
        except OSError:
            pass
        c.close()
    answer_sent = threading.Event()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return ls, got, t


def sockdeck(*args):
    return subprocess.run([os.environ["SOCKDECK"]] + list(args),
                          capture_output=True, text=True, timeout=30)


def test():
    ls, got, t = capture(b"[7 socket] return data => hi")
    r = sockdeck("--legacy", "--device", "aa:bb:cc:dd:ee:ff", "send",
                 "127.0.0.1:%d" % ls.getsockname()[1], "hi")
    t.join(5)
    check(r.returncode == 0 and "return data => hi" in r.stdout,
          "send: %r" % (r,))
    check(bytes(got) == MSG, "sent %s, expected %s" % (bytes(got).hex(),
                                                       MSG.hex()))
    ls.close()

    ls, got, t = capture(None)
    r = sockdeck("--legacy", "--device", "aa:bb:cc:dd:ee:ff", "sensor",
                 "127.0.0.1:%d" % ls.getsockname()[1], "21.5")
    t.join(5)
    check(r.returncode == 0, "sensor: %r" % (r,))
    check(bytes(got) == SENSOR, "sent %s, expected %s"
          % (bytes(got).hex(), SENSOR.hex()))
    ls.close()


sdpeer.run(test)
