#!/usr/bin/env python3
"""sockdeckd device add|list|revoke|enable edit the registry file: add
prints a new token once (64 hex digits, with a line saying it will not
be shown again) and the file keeps only its SHA-256, mode 0600; that
token gets a HELLO in. A MAC twice is refused (status 1), a bad MAC
(status 2); --cert identities are %XX-encoded in the file, and neither
list nor list --json lets their control bytes reach a terminal;
--cert-file writes the certificate's SHA-256 fingerprint, --legacy no
credential (and prints no token), and two of them are refused. revoke and
enable set the state and keep the other lines and comments. Eight adds
at once all land (the flock). --config's devices key names the file.
At start, a file that does not parse stops the server (status 2, one
line with file:line, its path escaped), as does --token with
--devices. (sockdeckd(1): DEVICES.)"""
import concurrent.futures
import hashlib
import json
import os
import re
import ssl
import stat
import subprocess
import tempfile

import sdpeer
import sdwire
from sdpeer import check


def dev(*args):
    """sockdeckd device ARGS: (status, stdout, stderr)."""
    return sdpeer.run_cli(["device"] + list(args))


def add_and_revoke(path):
    rc, out, err = dev("add", "00:11:22:33:44:55", "pump-7", "--cidr",
                       "127.0.0.0/8", "--devices", path)
    check(rc == 0, "add: %d %r %r" % (rc, out, err))
    m = re.search(r"^token: ([0-9a-f]{64})$", out, re.M)
    check(m and "will not be shown again" in out, "add printed %r" % out)
    token = m.group(1)
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o600,
          "mode %o" % os.stat(path).st_mode)
    with open(path) as f:
        text = f.read()
    check(token not in text and
          hashlib.sha256(token.encode()).hexdigest() in text,
          "the file: %r" % text)
    rc, out, err = dev("add", "00:11:22:33:44:55", "again", "--devices",
                       path)
    check(rc == 1 and "already" in err, "a MAC twice: %d %r" % (rc, err))
    rc, out, err = dev("add", "00:11:22:33:44", "short", "--devices", path)
    check(rc == 2, "a bad MAC: %d %r" % (rc, err))
    rc, out, err = dev("list", "--devices", path)
    check(rc == 0 and token not in out and
          re.search(r"00:11:22:33:44:55 pump-7 +enabled +127.0.0.0/8 +token",
                    out), "list: %r" % out)
    # revoke and enable keep the rest of the file as it was.
    with open(path, "a") as f:
        f.write("# a comment the operator wrote\n")
    for cmd, state in (("revoke", "revoked"), ("enable", "enabled")):
        rc, out, err = dev(cmd, "00:11:22:33:44:55", "--devices", path)
        check(rc == 0, "%s: %d %r" % (cmd, rc, err))
        with open(path) as f:
            lines = f.read().splitlines()
        check(lines[0].endswith(" " + state) and
              lines[-1] == "# a comment the operator wrote",
              "after %s: %r" % (cmd, lines))
    rc, out, err = dev("revoke", "00:11:22:33:44:99", "--devices", path)
    check(rc == 1 and "no such device" in err, "revoke unknown: %r" % err)
    return token


def certificates(d, path):
    rc, out, err = dev("add", "00:11:22:33:44:60", "cam", "--cert",
                       "\x1b[31mred\x07 cam%", "--devices", path)
    check(rc == 0 and "token" not in out, "add --cert: %r %r" % (out, err))
    with open(path) as f:
        check("cert:%1B[31mred%07%20cam%25 any enabled" in f.read(),
              "the identity in the file")
    rc, out, err = dev("list", "--devices", path)
    check(rc == 0 and "\x1b" not in out and "\x07" not in out and
          "cert:%1B[31mred%07%20cam%25" in out, "list: %r" % out)
    rc, out, err = dev("list", "--json", "--devices", path)
    check(rc == 0 and out.isascii() and
          "\\u001b[31mred\\u0007" in out.lower(),
          "list --json: %r" % out)
    cam = [x for x in json.loads(out) if x["name"] == "cam"][0]
    check(cam["identity"] == "\x1b[31mred\x07 cam%" and
          cam["credential"] == "certificate", "json %r" % cam)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-subj", "/CN=pump-9", "-days", "2",
                    "-keyout", os.path.join(d, "k.pem"), "-out",
                    os.path.join(d, "c.pem")], check=True,
                   capture_output=True)
    with open(os.path.join(d, "c.pem")) as f:
        fp = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
    rc, out, err = dev("add", "00:11:22:33:44:61", "pump-9", "--cert-file",
                       os.path.join(d, "c.pem"), "--devices", path)
    check(rc == 0, "add --cert-file: %r" % err)
    with open(path) as f:
        check("pump-9 cert:sha256:%s any" % fp in f.read(),
              "the fingerprint in the file")


def legacy(path):
    rc, out, err = dev("add", "00:11:22:33:44:62", "meter", "--legacy",
                       "--cidr", "127.0.0.1", "--devices", path)
    check(rc == 0 and "token" not in out, "add --legacy: %r %r" % (out, err))
    with open(path) as f:
        check("00:11:22:33:44:62 meter - 127.0.0.1 enabled" in f.read(),
              "the legacy device in the file")
    rc, out, err = dev("add", "00:11:22:33:44:63", "x", "--legacy",
                       "--cert", "x", "--devices", path)
    check(rc == 2 and "one of" in err, "--legacy --cert: %d %r" % (rc, err))


def concurrent_adds(path):
    macs = ["00:11:22:33:55:%02x" % i for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        rcs = list(ex.map(lambda m: dev("add", m, "n" + m[-2:],
                                        "--devices", path)[0], macs))
    check(rcs == [0] * 8, "concurrent adds: %r" % rcs)
    rc, out, err = dev("list", "--json", "--devices", path)
    have = {x["mac"] for x in json.loads(out)}
    check(set(macs) <= have, "lost adds: %r" % (set(macs) - have))


def start_refused(d, path):
    """Files the server refuses at start, with file:line."""
    bad = os.path.join(d, "dev\x1bices")
    with open(bad, "w") as f:
        f.write("# fine\n00:11:22:33:44:55 a - any enabled\n00:11 x\n")
    for args, want in (
            (["--devices", bad], "dev\\x1bices:3: wants MAC NAME"),
            (["--devices", os.path.join(d, "none")], "No such file"),
            (["--devices", path, "--token", "t"],
             "--token and --devices do not go together")):
        rc, out, err = sdpeer.run_cli(["--headless", "--data-dir", d,
                                       "--bind", "127.0.0.1", "--ports",
                                       str(sdpeer.free_port())] + args)
        check(rc == 2 and err.count("\n") == 1 and want in err and
              "\x1b" not in err, "%r: %d %r" % (args, rc, err))
    rc, out, err = dev("list", "--devices", bad)
    check(rc == 2 and "dev\\x1bices:3:" in err and "\x1b" not in err,
          "list of a bad file: %d %r" % (rc, err))


def test():
    d = tempfile.mkdtemp(prefix="sdreg-")
    path = os.path.join(d, "devices")
    token = add_and_revoke(path)
    certificates(d, path)
    legacy(path)
    concurrent_adds(path)
    start_refused(d, path)
    conf = os.path.join(d, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("devices = %s\n" % path)
    rc, out, err = dev("list", "--config", conf)
    check(rc == 0 and "pump-7" in out, "list --config: %r" % err)
    # The token add printed lets the device in.
    srv = sdpeer.Server(extra=["--config", conf]).start()
    s = srv.connect()
    s.sendall(sdwire.hello(sdwire.mac("00:11:22:33:44:55"), b"p",
                          token=token.encode()))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
