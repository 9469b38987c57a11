"""PROXY protocol headers (haproxy's proxy-protocol.txt), built here from
the spec for the tests: the second opinion on src/common/sd_proxyhdr.c.
Standard library only."""
import os
import re
import shutil
import socket
import struct
import subprocess
import time

import sdpeer

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(src, sport, dst=None, dport=5000):
    """A v1 line: TCP6 when src has a colon."""
    fam = "TCP6" if ":" in src else "TCP4"
    dst = dst or ("::1" if ":" in src else "127.0.0.1")
    return ("PROXY %s %s %s %d %d\r\n" % (fam, src, dst, sport,
                                         dport)).encode()


def v2(src, sport, dst=None, dport=5000, tlvs=b""):
    """A v2 PROXY header for TCP over IPv4 or IPv6 (by src), with tlvs
    (bytes of whole TLVs) after the addresses."""
    if ":" in src:
        af, fam = socket.AF_INET6, 0x21
        dst = dst or "::1"
    else:
        af, fam = socket.AF_INET, 0x11
        dst = dst or "127.0.0.1"
    body = (socket.inet_pton(af, src) + socket.inet_pton(af, dst) +
            struct.pack(">HH", sport, dport) + tlvs)
    return SIG + bytes([0x21, fam]) + struct.pack(">H", len(body)) + body


def v2_local(body=b""):
    """A v2 LOCAL header (a balancer's health check)."""
    return SIG + bytes([0x20, 0x00]) + struct.pack(">H", len(body)) + body


def tlv(kind, value):
    return struct.pack(">BH", kind, len(value)) + value


def clients(srv):
    """ctl clients' rows."""
    r = srv.ctl({"cmd": "clients"})
    return r.get("clients", [])


def client_at(srv, peer, peer_port):
    """The client row with this peer address and port, or None."""
    for c in clients(srv):
        if c.get("peer") == peer and c.get("peer_port") == peer_port:
            return c
    return None


HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)


def haproxy(cfg, front, log=subprocess.DEVNULL):
    """Debian's haproxy in the foreground on configuration file cfg,
    output to log, once its frontend port front takes connections: the
    process (the caller terminates it)."""
    hap = subprocess.Popen([HAPROXY, "-db", "-f", cfg], stdout=log,
                           stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:
        try:
            sdpeer.connect(front, timeout=1).close()
            return hap
        except OSError:
            if time.monotonic() > deadline or hap.poll() is not None:
                hap.kill()
                hap.wait()
                sdpeer.fail("haproxy did not listen on %d" % front)
            time.sleep(0.1)


def readme_section(section):
    """The text of README's section `### section` (to the next heading
    of level 2 to 4)."""
    root = os.environ.get("SD_SOURCE_ROOT") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "README.md")) as f:
        sec = f.read().split("### %s\n" % section, 1)
    sdpeer.check(len(sec) == 2, "README has no %s section" % section)
    return re.split(r"\n#{2,4} ", sec[1], maxsplit=1)[0]


def readme_haproxy(section):
    """The one ```haproxy block of README's section `### section`."""
    cfgs = re.findall(r"```haproxy\n(.*?)```", readme_section(section),
                      re.S)
    sdpeer.check(len(cfgs) == 1, "%s: want one haproxy block, found %d"
                 % (section, len(cfgs)))
    return cfgs[0]


def with_log(cfg):
    """cfg with HAProxy's log on its stderr, health check changes in it
    (`Server sockdeck/node2 is DOWN`)."""
    return ("global\n    log stderr format raw local0 info\n" +
            cfg.replace("defaults\n", "defaults\n    log global\n"
                        "    option log-health-checks\n", 1))
