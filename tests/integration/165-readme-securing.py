#!/usr/bin/env python3
"""README.md's "Securing a deployment" runs as it is written: its sh
blocks, taken from the README at test time, are pasted one after the
other into one bash (set -e: a command that fails fails the test) in a
temporary directory where build/src is the build's binaries, and what
the text promises is checked after each: three devices registered, the
server listening, the token device, the certificate device and the
legacy device each served and logged as admitted, another address
refused on the legacy port by the allow list (not on the TLS one), the
renewed
certificate served after ctl reload (read with the test's own
openssl s_client, beside the one served before), and the revoked
device's stream cut at the reload ("disconnected: 1", "revoked at
reload") and refused after.

The only changes to the blocks are in SUBST below: the ports (free
ones instead of 5000 and 5443) and the two sleeps (waits for what the
sleep is there for, so a loaded machine does not fail the test).
"""
import hashlib
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import sdpeer
from sdpeer import check, fail

TITLE = "### Securing a deployment"
MARK = "__block_done__"


def blocks():
    """The sh blocks of the README's section, in order."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "README.md")) as f:
        text = f.read()
    start = text.find("\n" + TITLE + "\n")
    check(start >= 0, "README.md has no %r section" % TITLE)
    m = re.compile(r"^##", re.M).search(text, start + len(TITLE) + 2)
    section = text[start:m.start() if m else len(text)]
    found = re.findall(r"^```sh\n(.*?)^```$", section, re.M | re.S)
    check(len(found) == 7, "%d sh blocks in the section, expected 7"
          % len(found))
    return found


def subst(code, legacy, tls):
    """The blocks with the test's ports and waits (see the docstring).
    Each replacement must find its text, so a README that changes shape
    fails here rather than running something else."""
    wait = ('for i in $(seq 300); do grep -q %s server.log && break; '
            'sleep 0.1; done')
    table = [
        (r"\b5000\b", str(legacy)),
        (r"\b5443\b", str(tls)),
        (r"(?m)^sleep 1$", wait % ("'listen port=%d'" % tls)),
        (r"(?m)^sleep 2$", wait % "'readings count'"),
    ]
    joined = "\0".join(code)
    for pat, rep in table:
        joined, n = re.subn(pat, rep, joined)
        check(n > 0, "the walkthrough no longer has %r" % pat)
    return joined.split("\0")


class Shell:
    """One bash, fed block by block as a newcomer pastes them."""

    def __init__(self, cwd):
        self.p = subprocess.Popen(
            ["bash", "-e"], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.buf = b""

    def run(self, code, what, timeout=60.0):
        """Run code; what it printed (status 0 or the test fails)."""
        self.p.stdin.write(code.encode() + b"\necho %s\n" % MARK.encode())
        self.p.stdin.flush()
        deadline = time.monotonic() + timeout
        while MARK.encode() + b"\n" not in self.buf:
            left = deadline - time.monotonic()
            r = select.select([self.p.stdout], [], [], max(left, 0))[0]
            chunk = os.read(self.p.stdout.fileno(), 65536) if r else b""
            if not chunk:
                fail("%s: %s; printed:\n%s" % (
                    what, "timed out" if not r else "the shell exited "
                    "(a command failed)", self.buf.decode(errors="replace")))
            self.buf += chunk
        out, _, self.buf = self.buf.partition(MARK.encode() + b"\n")
        return out.decode(errors="replace")

    def kill(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()


def served(port, ca):
    """The SHA-256 of the certificate the TLS port serves, read with
    openssl s_client."""
    p = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % port, "-CAfile", ca,
                        "-verify_return_error"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=20)
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  p.stdout, re.S)
    check(m is not None, "s_client read no certificate: %r" % p.stderr)
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(m.group(0))).hexdigest()


def file_sha(path):
    with open(path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def log(d):
    with open(os.path.join(d, "server.log")) as f:
        return f.read()


def allow_list(d, legacy, tls):
    """The allow list keeps another address off the legacy port (closed
    unheard, a drop "address not allowed"), not off the TLS port (the
    handshake is made)."""
    def from_other(port):
        s = socket.socket()
        s.settimeout(10)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        return s

    s = from_other(legacy)
    try:
        check(s.recv(100) == b"", "127.0.0.2 answered on the legacy port")
    except socket.timeout:
        fail("127.0.0.2 was let in on the legacy port")
    s.close()
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    with ctx.wrap_socket(from_other(tls), server_hostname="127.0.0.1"):
        pass
    want = re.compile(r'drop peer=127\.0\.0\.2:\d+ '
                      r'reason="address not allowed"')
    deadline = time.monotonic() + 10
    while not want.search(log(d)):
        check(time.monotonic() < deadline, "no refusal of 127.0.0.2 on "
              "the legacy port: %s" % log(d))
        time.sleep(0.05)
    check(len(want.findall(log(d))) == 1, "127.0.0.2 refused twice: %s"
          % log(d))


def walk(sh, top, code, legacy, tls):
    d = os.path.join(top, "demo")
    sh.run(code[0], "the server's CA and certificate")
    sh.run(code[1], "the devices' CA and pump-8's certificate")
    out = sh.run(code[2], "the registry")
    check(re.search(r"02:00:00:00:00:07 pump-7 +enabled +any +token", out)
          and "pump-8 " in out and re.search(
              r"02:00:00:00:00:09 old-meter +enabled +127.0.0.1 +-", out),
          "device list: %r" % out)
    sh.run(code[3], "the server's start")
    first = served(tls, os.path.join(d, "ca.pem"))
    check(first == file_sha(os.path.join(d, "server.pem")),
          "the server serves another certificate than server.pem")
    out = sh.run(code[4], "the three devices")
    check(out.count("message return success") == 3, "replies: %r" % out)
    text = log(d)
    for want in ("device=02:00:00:00:00:07 name=sockdeck version=1 "
                 "auth=registry device_name=pump-7",
                 'port=%d tls=TLSv1.3' % tls,
                 'subject="CN=pump-8" identity=sha256:',
                 'device_name=pump-8',
                 'device=02:00:00:00:00:09 text="meter 1"'):
        check(want in text, "server.log lacks %r:\n%s" % (want, text))
    allow_list(d, legacy, tls)
    out = sh.run(code[5], "the renewed certificate")
    check("changed: tls-cert" in out, "reload said %r" % out)
    now = file_sha(os.path.join(d, "server.pem"))
    check(now != first, "server.pem was not renewed")
    check(served(tls, os.path.join(d, "ca.pem")) == now,
          "after the reload the port still serves the old certificate")
    serial = subprocess.run(["openssl", "x509", "-in",
                             os.path.join(d, "server.pem"), "-noout",
                             "-serial"], capture_output=True, text=True)
    check(serial.stdout.strip() in out, "s_client printed %r, not %r"
          % (out, serial.stdout))
    out = sh.run(code[6], "the revoked device")
    check("disconnected: 1" in out and "pump-8: status 1" in out and
          "closed by the server" in out, "revocation printed %r" % out)
    check('device=02:00:00:00:00:08 reason="revoked at reload: device '
          'revoked"' in log(d), "server.log: %s" % log(d))
    out = sh.run("sockdeck --tls --tls-ca ca.pem --tls-cert pump-8.pem "
                 "--tls-key pump-8.key --device 02:00:00:00:00:08 send "
                 "127.0.0.1:%d after || echo refused $?" % tls,
                 "pump-8 after its revocation")
    check("refused 1" in out, "revoked pump-8 after the reload: %r" % out)
    sh.run("kill %1; wait", "the server's stop")
    text = log(d)
    check("shutdown reason=SIGTERM" in text, "no shutdown: %s" % text)
    bad = [x for x in text.splitlines()
           if any(m in x for m in sdpeer.SANITIZER_MARKS)]
    check(not bad, "sanitizer report in server.log: %s" % bad[:5])


def test():
    legacy, tls = sdpeer.free_ports(2, consecutive=False)
    code = subst(blocks(), legacy, tls)
    top = tempfile.mkdtemp(prefix="sdreadme-")
    src = os.path.dirname(os.environ["SOCKDECKD"])
    check(os.path.dirname(os.environ["SOCKDECK"]) == src,
          "sockdeck and sockdeckd are not built side by side")
    os.mkdir(os.path.join(top, "build"))
    os.symlink(src, os.path.join(top, "build", "src"))
    sh = Shell(top)
    try:
        walk(sh, top, code, legacy, tls)
    finally:
        sh.kill()
        subprocess.run(["rm", "-rf", top])


sdpeer.run(test, deadline=80)
