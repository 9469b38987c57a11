#!/usr/bin/env python3
"""sockdeckd attach does not wait for ever before its dashboard: a
control socket that accepts and never answers the subscription, and one
whose backlog is full (connect cannot finish), each end in --timeout
seconds (default 5) with one line and status 1, before the terminal is
looked at; one that closes without answering says so at once. (After
the first answer there is no limit: tests/tui/18.)"""
import os
import subprocess
import tempfile
import threading
import time

import sdpeer
from sdpeer import check
from sdterm import FakeServer, full_backlog


def attach(path, *args, timeout=30):
    t0 = time.monotonic()
    r = subprocess.run([sdpeer.binary(), "attach", "--control", path] +
                       list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    took = time.monotonic() - t0
    sdpeer.log("attach %s: %d in %.2fs %r %r" % (args, r.returncode, took,
                                                  r.stdout, r.stderr))
    return r, took


def silent(conn):
    conn.recv(4096)
    threading.Event().wait(30)


def hangs_up(conn):
    conn.recv(4096)
    conn.close()


def one_line(r, why):
    return (r.returncode == 1 and why in r.stderr and r.stdout == "" and
            r.stderr.count("\n") == 1 and "terminal" not in r.stderr)


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    p1 = os.path.join(d, "silent.sock")
    FakeServer(silent, path=p1)
    r, took = attach(p1, "--timeout", "1")
    check(one_line(r, "no answer in 1 s") and 0.9 < took < 4,
          "silent socket, --timeout 1: %r in %.1fs" % (r, took))
    r, took = attach(p1)
    check(one_line(r, "no answer in 5 s") and 4.5 < took < 9,
          "silent socket, default: %r in %.1fs" % (r, took))

    # A backlog that is full: the connect itself cannot complete.
    p2 = os.path.join(d, "full.sock")
    held = full_backlog(p2)
    r, took = attach(p2, "--timeout", "1")
    check(one_line(r, "connect") and 0.9 < took < 4,
          "full backlog: %r in %.1fs" % (r, took))

    p3 = os.path.join(d, "hangs-up.sock")
    FakeServer(hangs_up, path=p3)
    r, took = attach(p3, "--timeout", "0")
    check(one_line(r, "closed the connection") and took < 3,
          "a server that hangs up: %r in %.1fs" % (r, took))

    r, _ = attach(p1, "--timeout", "x")
    check(r.returncode == 2 and "--timeout" in r.stderr,
          "bad --timeout: %r" % (r,))


if __name__ == "__main__":
    sdpeer.run(test)
