#!/usr/bin/env python3
"""A file past the legacy format's 4 GiB (sparse: no disk to fill on the
sending side) goes through the extension protocol whole and verified;
--legacy refuses it with one clear line. Skipped (77) where the data
directory has less than 10 GiB free."""
import os
import shutil
import subprocess
import sys

import sdpeer
from sdpeer import check

SIZE = (4 << 30) + 4097


def test():
    srv = sdpeer.Server().start()
    if shutil.disk_usage(srv.dir).free < (10 << 30):
        print("SKIP: less than 10 GiB free")
        srv.stop()
        sys.exit(77)
    hp = "127.0.0.1:%d" % srv.ports[0]
    path = srv.dir + "-big.bin"
    with open(path, "wb") as f:
        f.seek(SIZE - 5)
        f.write(b"tail!")
    try:
        r = subprocess.run([os.environ["SOCKDECK"], "--timeout", "120",
                            "send-file", hp, path], capture_output=True,
                           text=True, timeout=600)
        check(r.returncode == 0 and "stored as" in r.stdout and
              "(%d bytes" % SIZE in r.stdout, "send-file: %r" % (r,))
        stored = os.path.join(srv.files_dir, os.path.basename(path))
        check(os.path.getsize(stored) == SIZE, "stored size %d"
              % os.path.getsize(stored))
        with open(stored, "rb") as f:
            f.seek(SIZE - 5)
            check(f.read() == b"tail!", "the stored file's tail differs")
        os.unlink(stored)
        r = subprocess.run([os.environ["SOCKDECK"], "--legacy",
                            "send-file", hp, path], capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 1 and "4 GiB" in r.stderr and
              r.stderr.count("\n") == 1, "legacy over 4 GiB: %r" % (r,))
    finally:
        os.unlink(path)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=600)
