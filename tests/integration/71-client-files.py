#!/usr/bin/env python3
"""sockdeck send-file: files stored byte for byte with the checksum
verified (the server's XXH3-64 printed), several in one run, the legacy
format's answer, a missing file as one line and status 1; and a transfer
cut by a killed client resumes when the same file is sent again (the
server accepts it at the offset it holds)."""
import os
import signal
import subprocess
import time

import sdpeer
import sdwire
from sdpeer import check, sockdeck


def test():
    srv = sdpeer.Server(extra=["--file-reply-format", "file upload successful!! saved as {name}"]).start()
    hp = "127.0.0.1:%d" % srv.ports[0]
    tmp = srv.dir + "-src"
    os.makedirs(tmp)
    a, b = os.path.join(tmp, "a.bin"), os.path.join(tmp, "b photo.jpg")
    da, db = os.urandom(3 << 20), os.urandom(12345)
    open(a, "wb").write(da)
    open(b, "wb").write(db)

    r = sockdeck("send-file", hp, a, b)
    check(r.returncode == 0, "send-file: %r" % (r,))
    out = r.stdout.splitlines()
    check(len(out) == 2 and "stored as a.bin" in out[0] and
          "%016x" % sdwire.xxh3_64(da) in out[0] and
          "stored as b photo.jpg" in out[1], "printed %r" % out)
    for name, data in (("a.bin", da), ("b photo.jpg", db)):
        with open(os.path.join(srv.files_dir, name), "rb") as f:
            check(f.read() == data, "%s differs" % name)

    r = sockdeck("--legacy", "send-file", hp, b)
    check(r.returncode == 0 and "file upload successful" in r.stdout,
          "legacy send-file: %r" % (r,))
    check(r.stdout.strip().endswith(".jpg"), "legacy name %r" % r.stdout)

    r = sockdeck("send-file", hp, os.path.join(tmp, "missing"))
    check(r.returncode == 1 and "No such file" in r.stderr,
          "missing file: %r" % (r,))

    # Cut a transfer by killing the client, then send the file again.
    big = os.path.join(tmp, "big.bin")
    dbig = os.urandom(64 << 20)
    open(big, "wb").write(dbig)
    p = subprocess.Popen([os.environ["SOCKDECK"], "send-file", hp, big],
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    ev = srv.wait_event("file-progress",
                        lambda e: e.get("name") == "big.bin" and
                        e.get("bytes", 0) > 0, timeout=20)
    p.send_signal(signal.SIGKILL)
    p.wait()
    srv.wait_event("file-failed", lambda e: e.get("name") == "big.bin")
    mark = srv.mark()
    r = sockdeck("send-file", hp, big)
    check(r.returncode == 0 and "stored as big.bin" in r.stdout,
          "resumed send-file: %r" % (r,))
    st = srv.wait_event("file-start", lambda e: e.get("name") == "big.bin",
                        since=mark)
    check(st.get("offset", 0) > 0, "the second run started at offset %r, "
          "not where the server was" % st.get("offset"))
    with open(os.path.join(srv.files_dir, "big.bin"), "rb") as f:
        check(f.read() == dbig, "the resumed big.bin differs")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=120)
