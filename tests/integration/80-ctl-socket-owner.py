#!/usr/bin/env python3
"""sockdeckd ctl talks only to a socket of its own user: a path that is
not a socket, a socket file owned by another user, and a socket owned
by us but served by another user's process (checked with SO_PEERCRED)
are each refused with one line and status 1, nothing sent; --owner
names the user a server runs as, and then it is answered. The parts
with another user need root (the suite runs as root)."""
import json
import os
import subprocess
import sys
import tempfile
import time

import sdpeer
from sdpeer import check
from sdterm import OtherUser

NOBODY = 65534

# What the socket of another user answers (once per connection).
STATUS = ('{"ok":true,"status":{"version":"fake","pid":1,"uptime":0,'
          '"clients":0,"ports":[],"addresses":[],"totals":{}}}')


def ctl(path, *args):
    r = subprocess.run([sdpeer.binary(), "ctl", "--control", path] +
                       list(args) + ["status"], capture_output=True,
                       text=True, timeout=20)
    sdpeer.log("ctl %s: %d %r %r" % (args, r.returncode, r.stdout,
                                      r.stderr))
    return r


def refused(r, why):
    check(r.returncode == 1 and r.stdout == "" and
          r.stderr.count("\n") == 1 and why in r.stderr,
          "want one line saying %r and status 1: %r" % (why, r))


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    plain = os.path.join(d, "plain")
    with open(plain, "w") as f:
        f.write("not a socket\n")
    refused(ctl(plain), "not a socket")
    refused(ctl(d), "not a socket")
    if os.geteuid() != 0:
        sdpeer.log("not root: the other-user cases need root")
        sys.exit(77)
    os.chmod(d, 0o777)
    path = os.path.join(d, "other.sock")
    fake = OtherUser(path, NOBODY, STATUS)
    try:
        check(os.stat(path).st_uid == NOBODY, "fake socket's owner")
        refused(ctl(path), "owned by uid %d" % NOBODY)
        r = ctl(path, "--owner", str(NOBODY))
        check(r.returncode == 0 and "fake" in r.stdout,
              "--owner %d: %r" % (NOBODY, r))
        r = ctl(path, "--owner", "nobody")
        check(r.returncode == 0 and "fake" in r.stdout,
              "--owner nobody: %r" % (r,))
        # The file made ours, the process behind it is not.
        os.chown(path, 0, 0)
        refused(ctl(path), "served by uid %d" % NOBODY)
        r = subprocess.run([sdpeer.binary(), "ctl", "--owner", "no-such-"
                            "user-x", "status"], capture_output=True,
                           text=True, timeout=20)
        check(r.returncode == 2 and "--owner" in r.stderr,
              "bad --owner: %r" % (r,))
    finally:
        fake.close()


if __name__ == "__main__":
    sdpeer.run(test)
