#!/usr/bin/env python3
"""--control naming something that is not a socket (a regular file, a
directory) is refused with one line and exit status 2, and the file is
left as it was (it used to be deleted); a live socket (connect works)
is refused the same way and keeps serving its owner; a stale socket
file (nobody listening) is replaced, and the server answers on it."""
import os
import socket
import subprocess
import tempfile

import sdpeer
from sdpeer import check


def start(d, control):
    return sdpeer.run_cli(["--headless", "--bind", "127.0.0.1", "--ports",
                           str(sdpeer.free_port()), "--data-dir", d,
                           "--control", control], timeout=20)


def refused(res, what, path):
    rc, out, err = res
    check(rc == 2 and err.count("\n") == 1 and path in err,
          "%s: want one line and status 2: %r" % (what, res))


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    plain = os.path.join(d, "notes.txt")
    with open(plain, "w") as f:
        f.write("precious\n")
    refused(start(d, plain), "regular file", plain)
    with open(plain) as f:
        check(f.read() == "precious\n", "the file was changed")
    check("not a socket" in start(d, plain)[2], "reason")

    sub = os.path.join(d, "subdir")
    os.mkdir(sub)
    refused(start(d, sub), "directory", sub)
    check(os.path.isdir(sub), "the directory is gone")

    live = os.path.join(d, "live.sock")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(live)
    ls.listen(4)
    refused(start(d, live), "live socket", live)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(live)             # still its owner's
    c.close()
    ls.close()

    stale = os.path.join(d, "stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(stale)
    s.close()
    srv = sdpeer.Server(extra=["--control", stale]).start()
    r = srv.ctl({"cmd": "status"})
    check(r.get("ok") is True, "stale socket not replaced: %r" % r)


if __name__ == "__main__":
    sdpeer.run(test)
