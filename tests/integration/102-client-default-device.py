#!/usr/bin/env python3
"""With no --device, sockdeck sends the MAC address the original client
used: that of the last interface, in the kernel's order, that has one
(the loopback and all-zero addresses never count). In a network
namespace of its own (unshare -n, as root) the test makes three links
with known addresses (bridges and an ifb: what a stock kernel has), and
`sockdeck --legacy send` must carry the third's address, not the
first's; again after the last is deleted (the second's). Skipped where
no namespace can be made; tests/unit's client-default_device checks the
rule on a table of interfaces everywhere."""
import os
import shutil
import subprocess
import sys

import sdpeer
from sdpeer import check

INSIDE = "SD_TEST_NETNS"
LINKS = (("sdb0", "bridge", "02:00:5e:00:00:0a"),
         ("sdi0", "ifb", "02:00:5e:00:00:0b"),
         ("sdb1", "bridge", "02:00:5e:00:00:0c"))


def ip(*args):
    return subprocess.run(["ip"] + list(args), capture_output=True,
                          text=True, timeout=10)


def sent_device():
    """`sockdeck --legacy send` to a listener here: the frame's dev_id."""
    ls, got, t = sdpeer.capture(b"[7 socket] message return success", 20)
    r = subprocess.run([os.environ["SOCKDECK"], "--legacy", "send",
                        "127.0.0.1:%d" % ls.getsockname()[1], "hi"],
                       capture_output=True, text=True, timeout=30)
    t.join(5)
    ls.close()
    check(r.returncode == 0, "sockdeck --legacy send: %r" % (r,))
    check(len(got) == 20, "sent %r" % bytes(got))
    return ":".join("%02x" % b for b in got[7:13])


def inside():
    r = ip("link", "set", "lo", "up")
    check(r.returncode == 0, "ip link set lo up: %s" % r.stderr)
    for name, kind, mac in LINKS:
        r = ip("link", "add", name, "address", mac, "type", kind)
        if r.returncode != 0:
            sdpeer.skip("ip link add %s type %s: %s" % (name, kind,
                                                        r.stderr.strip()))
    order = [l.split(":")[1].strip() for l in
             ip("-o", "link").stdout.splitlines()]
    check(order == ["lo"] + [n for n, _, _ in LINKS],
          "the namespace's links, in order: %r" % order)
    dev = sent_device()
    check(dev == LINKS[2][2], "default device %s, expected %s (the last "
          "interface's, as the original client)" % (dev, LINKS[2][2]))
    ip("link", "del", LINKS[2][0])
    dev = sent_device()
    check(dev == LINKS[1][2], "default device %s once %s is gone, "
          "expected %s" % (dev, LINKS[2][0], LINKS[1][2]))


def test():
    if os.environ.get(INSIDE):
        inside()
        return
    if os.geteuid() != 0 or not shutil.which("unshare") or \
            not shutil.which("ip"):
        sdpeer.skip("needs root, unshare(1) and ip(8) for a network "
                    "namespace")
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        sdpeer.skip("unshare -n: %s" % r.stderr.strip())
    r = subprocess.run(["unshare", "-n", sys.executable] + sys.argv,
                       env=dict(os.environ, **{INSIDE: "1"}), timeout=60)
    if r.returncode == 77:
        sys.exit(77)
    check(r.returncode == 0, "in the namespace: status %d" % r.returncode)


sdpeer.run(test)
