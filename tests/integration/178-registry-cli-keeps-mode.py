#!/usr/bin/env python3
"""sockdeckd device add, revoke and enable replace the registry file with
a new one (written beside it, renamed over it): the new one keeps the
mode, and when root runs them the owner and group, of the file it
replaces, so a registry made readable to the service's user stays so
after an edit (a review found every edit made it 0600 and root's,
which a service under DynamicUser could then no longer read). A first
file is 0600. (sockdeckd(1): DEVICES.)"""
import os
import stat
import tempfile

import sdpeer
from sdpeer import check


def dev(*args):
    rc, out, err = sdpeer.run_cli(["device"] + list(args))
    check(rc == 0, "device %r: %d %r" % (args, rc, err))
    return out


def mode_owner(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def test():
    d = tempfile.mkdtemp(prefix="sdreg-")
    path = os.path.join(d, "devices")
    dev("add", "00:11:22:33:44:55", "pump", "--devices", path)
    check(mode_owner(path)[0] == 0o600, "a first file: %o"
          % mode_owner(path)[0])
    os.chmod(path, 0o640)
    want = (0o640, os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, 4321, 4322)
        want = (0o640, 4321, 4322)
    for args in (("add", "00:11:22:33:44:56", "pump-2"),
                 ("revoke", "00:11:22:33:44:55"),
                 ("enable", "00:11:22:33:44:55")):
        dev(*(args + ("--devices", path)))
        check(mode_owner(path) == want, "after %s: mode %o uid %d gid %d, "
              "not %o %d %d" % ((args[0],) + mode_owner(path) + want))


sdpeer.run(test)
