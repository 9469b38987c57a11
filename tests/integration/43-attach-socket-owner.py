#!/usr/bin/env python3
"""sockdeckd attach talks only to a socket of its own user, as ctl does
(80): a path that is not a socket, a socket file owned by another user,
and a socket owned by us but served by another user's process are each
refused with one line and status 1, before the terminal is looked at
and with nothing sent; --owner names the user a server runs as, and
then attach subscribes (and, with no terminal here, stops there). The
parts with another user need root (the suite runs as root)."""
import os
import subprocess
import sys
import tempfile

import sdpeer
from sdpeer import check
from sdterm import OtherUser

NOBODY = 65534


def attach(path, *args):
    r = subprocess.run([sdpeer.binary(), "attach", "--control", path] +
                       list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=20)
    sdpeer.log("attach %s: %d %r %r" % (args, r.returncode, r.stdout,
                                         r.stderr))
    return r


def refused(r, why):
    check(r.returncode == 1 and r.stdout == "" and
          r.stderr.count("\n") == 1 and why in r.stderr and
          "terminal" not in r.stderr,
          "want one line saying %r and status 1: %r" % (why, r))


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    plain = os.path.join(d, "plain")
    with open(plain, "w") as f:
        f.write("not a socket\n")
    refused(attach(plain), "not a socket")
    refused(attach(d), "not a socket")
    refused(attach(os.path.join(d, "none.sock")), "No such file")
    r = subprocess.run([sdpeer.binary(), "attach", "--owner", "no-such-"
                        "user-x"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=20)
    check(r.returncode == 2 and "--owner" in r.stderr,
          "bad --owner: %r" % (r,))
    if os.geteuid() != 0:
        sdpeer.log("not root: the other-user cases need root")
        sys.exit(77)
    os.chmod(d, 0o777)
    path = os.path.join(d, "other.sock")
    fake = OtherUser(path, NOBODY, '{"ok":true}')
    try:
        check(os.stat(path).st_uid == NOBODY, "fake socket's owner")
        refused(attach(path), "owned by uid %d" % NOBODY)
        # Trusted: attach subscribes, has its answer, then finds no
        # terminal.
        for who in (str(NOBODY), "nobody"):
            r = attach(path, "--owner", who)
            check(r.returncode == 1 and "needs a terminal" in r.stderr and
                  r.stderr.count("\n") == 1,
                  "--owner %s: want the terminal refused: %r" % (who, r))
            got = fake.got()
            check('"cmd":"subscribe"' in got,
                  "--owner %s: the fake got %r" % (who, got))
        # The file made ours, the process behind it is not: refused
        # after the connect, before a request.
        os.chown(path, 0, 0)
        refused(attach(path), "served by uid %d" % NOBODY)
        got = fake.got()
        check(got == "got b''", "served by nobody: the fake got %r" % got)
    finally:
        fake.close()


if __name__ == "__main__":
    sdpeer.run(test)
