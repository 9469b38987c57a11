#!/usr/bin/env python3
"""sockdeckd ctl against a spoofed control socket (a Python fake) that
answers with terminal escapes in every string: status and clients
tables, an error answer, --json and events all reach the terminal
escaped (--json and events as ASCII-only JSON, \\uNNNN), never raw."""
import json
import os
import subprocess
import tempfile

import sdpeer
from sdpeer import check
from sdterm import FakeServer, HOSTILE, ascii_only, raw_controls

EVIL = HOSTILE.decode("utf-8", "replace")


def answer(cmd):
    if cmd == "status":
        return [{"ok": True, "status": {
            "version": EVIL, "pid": 1, "uptime": 2, "clients": 1,
            "ports": [{"port": 1, "addr": EVIL, "state": EVIL,
                       "reason": EVIL}],
            "addresses": [{"if": EVIL, "addr": EVIL, "loopback": True}],
            "totals": {}}}]
    if cmd == "clients":
        return [{"ok": True, "clients": [{
            "id": 1, "fd": 2, "peer": EVIL, "peer_port": 3, "port": 4,
            "device": EVIL, "proto": EVIL, "connected": EVIL}]}]
    if cmd == "subscribe":
        return [{"ok": True}, {"event": "message", "text": EVIL},
                {"event": EVIL}]
    return [{"ok": False, "error": EVIL}]


def strings(o):
    """Every string value in o, at any depth."""
    if isinstance(o, str):
        return [o]
    vals = o.values() if isinstance(o, dict) else \
        o if isinstance(o, list) else []
    return [s for v in vals for s in strings(v)]


def handler(conn):
    f = conn.makefile("rb")
    req = json.loads(f.readline())
    for a in answer(req["cmd"]):
        conn.sendall(json.dumps(a, ensure_ascii=False).encode() + b"\n")
    conn.close()


def ctl(path, *args):
    r = subprocess.run([sdpeer.binary(), "ctl", "--control", path] +
                       list(args), capture_output=True, timeout=20)
    sdpeer.log("ctl %s: %d %r %r" % (args, r.returncode, r.stdout,
                                      r.stderr))
    return r


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    path = os.path.join(d, "control.sock")
    srv = FakeServer(handler, path=path)
    for args, rc, where in ((["status"], 0, "stdout"),
                            (["clients"], 0, "stdout"),
                            (["kick", "7"], 1, "stderr"),
                            (["broadcast", "x"], 1, "stderr")):
        r = ctl(path, *args)
        check(r.returncode == rc, "%s: status %d" % (args, r.returncode))
        out = r.stdout if where == "stdout" else r.stderr
        for what, data in (("stdout", r.stdout), ("stderr", r.stderr)):
            bad = raw_controls(data)
            check(not bad, "ctl %s: %s raw on %s: %r" % (args, bad[:5],
                                                       what, data))
        check(b"\\x1b]52;c;SGVsbG8=\\x07" in out and b"\\u{202e}" in out,
              "ctl %s: the text, escaped, is not on %s: %r"
              % (args, where, out))
    for args in (["status", "--json"], ["--json", "clients"],
                 ["events"]):
        r = ctl(path, *args)
        check(r.returncode == 0, "%s: status %d" % (args, r.returncode))
        check(r.stdout and ascii_only(r.stdout),
              "ctl %s: not ASCII-only JSON: %r" % (args, r.stdout))
        for line in r.stdout.splitlines():
            check(EVIL in strings(json.loads(line)),
                  "ctl %s lost the text: %r" % (args, line))
    check(not srv.errors, "fake socket: %r" % srv.errors)
    srv.close()


if __name__ == "__main__":
    sdpeer.run(test)
