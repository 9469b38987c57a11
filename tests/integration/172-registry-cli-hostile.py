#!/usr/bin/env python3
"""sockdeckd device add and list given hostile arguments (issue 18
review): a --cidr with a newline or a space is refused (status 2)
before anything is written, so it cannot add a second device line
without a credential; a name that starts with '#' is refused as a name
(the file would read it as a comment); a --cert identity that is not
UTF-8 is listed by list --json (identity with U+FFFD, identity_hex with
its bytes), not dropped from the array. A --devices that is a
directory (it read as an empty file) is refused by list and add (status
1). A token that cannot be printed (standard output on a full device)
adds nothing: status 1, the file unchanged, as nobody would have the
token of the device. The file's name in add's output is escaped.
revoke and enable change the STATE word alone: a hand-written line
keeps its tabs, its MAC as written, its comment and CRLF, and one whose
raw UTF-8 identity would pass 4095 bytes %XX-encoded can still be
revoked (the line was written again whole, refused as too long).
(sockdeckd(1): DEVICES.)"""
import json
import os
import subprocess
import tempfile

import sdpeer
from sdpeer import check


def dev(*args):
    """sockdeckd device ARGS: (status, stdout, stderr)."""
    return sdpeer.run_cli(["device"] + list(args))


def macs(path):
    rc, out, err = dev("list", "--json", "--devices", path)
    check(rc == 0, "list --json: %d %r" % (rc, err))
    return [x["mac"] for x in json.loads(out)]


def test():
    d = tempfile.mkdtemp(prefix="sdreg-")
    path = os.path.join(d, "devices")
    rc, out, err = dev("add", "00:11:22:33:44:55", "pump", "--devices",
                       path)
    check(rc == 0, "add: %d %r" % (rc, err))
    for cidr in ("any enabled\n66:55:44:33:22:11 evil - any",
                 "10.0.0.0/8 any", "any\r", ""):
        rc, out, err = dev("add", "00:11:22:33:44:56", "pump-2", "--cidr",
                           cidr, "--devices", path)
        check(rc == 2 and "--cidr" in err and "token" not in out,
              "--cidr %r: %d %r %r" % (cidr, rc, out, err))
    check(macs(path) == ["00:11:22:33:44:55"],
          "after the refused --cidr: %r" % macs(path))
    rc, out, err = dev("add", "00:11:22:33:44:57", "#7", "--devices", path)
    check(rc == 2 and "name of 1 to 63" in err and
          "wants MAC NAME" not in err and "token" not in out,
          "a name starting with '#': %d %r %r" % (rc, out, err))
    rc, out, err = dev("add", "00:11:22:33:44:58", "cam", "--cert",
                       "\udcff\udcfecam", "--devices", path)
    check(rc == 0, "add --cert (not UTF-8): %d %r" % (rc, err))
    rc, out, err = dev("list", "--json", "--devices", path)
    check(rc == 0 and out.isascii(), "list --json: %d %r" % (rc, err))
    cam = [x for x in json.loads(out) if x["mac"] == "00:11:22:33:44:58"]
    check(len(cam) == 1 and cam[0]["identity"] == "\ufffd\ufffdcam" and
          cam[0]["identity_hex"] == "fffe63616d",
          "the device with an identity that is not UTF-8: %r" % out)
    for args in (["list"], ["add", "00:11:22:33:44:59", "x"]):
        rc, out, err = dev(*args, "--devices", d)
        check(rc == 1 and "not a regular file" in err and
              "token" not in out, "%r of a directory: %d %r %r"
              % (args, rc, out, err))

    odd = os.path.join(d, "dev\x1b[2Jices")
    rc, out, err = dev("add", "00:11:22:33:44:5b", "odd", "--devices", odd)
    check(rc == 0 and "\x1b" not in out and "dev\\x1b[2Jices" in out,
          "add's output names the file escaped: %r" % out)
    with open("/dev/full", "w") as full:
        p = subprocess.run([sdpeer.binary(), "device", "add",
                            "00:11:22:33:44:5a", "lost", "--devices", path],
                           stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=10)
    check(p.returncode == 1 and "could not be printed" in p.stderr and
          "00:11:22:33:44:5a" not in macs(path),
          "add with its token lost: %d %r %r" % (p.returncode, p.stderr,
                                                 macs(path)))

    hand_written(d)


def hand_written(d):
    path = os.path.join(d, "hand")
    ident = "\u00e9" * 127
    cidrs = ",".join("2001:db8::1:%x" % i for i in range(232))
    lines = ["# kept\r\n",
             "00:11:22:33:44:AA\tpump  cert:a%41\u00e9 any   enabled   "
             "# hall 2\r\n",
             "00-11-22-33-44-BB long cert:%s %s enabled\n" % (ident,
                                                              cidrs),
             "00:11:22:33:44:cc last - any enabled"]
    raw = "".join(lines).encode()
    check(len(lines[2].encode()) <= 4096 and
          len(lines[2].encode()) + 2 * len(ident.encode()) > 4096,
          "the long line's size")
    with open(path, "wb") as f:
        f.write(raw)
    for mac, n in (("00:11:22:33:44:aa", 1), ("00:11:22:33:44:bb", 2),
                   ("00:11:22:33:44:cc", 3)):
        for cmd, old, new in (("revoke", b" enabled", b" revoked"),
                              ("enable", b" revoked", b" enabled")):
            rc, out, err = dev(cmd, mac, "--devices", path)
            with open(path, "rb") as f:
                got = f.read().splitlines(True)
            want = [x.encode() for x in lines]
            if cmd == "revoke":
                want[n] = want[n].replace(old, new, 1)
            check(rc == 0 and got == want, "%s %s: %d %r\n%r"
                  % (cmd, mac, rc, err, got[n][:200]))


sdpeer.run(test)
