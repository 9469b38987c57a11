#!/usr/bin/env python3
"""`sockdeckd ctl proxy` relays the control protocol over stdin/stdout
(what `ssh HOST sockdeckd ctl proxy` runs): a request written to its
stdin is answered on its stdout, a subscription streams events, the end
of stdin is passed on as a half-close (answers still come) and the
process ends 0 when the socket does. A socket that cannot be reached is
status 1 with one escaped line on stderr and nothing on stdout."""
import json
import os
import select
import subprocess
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check


def proxy(srv_dir, *extra):
    return subprocess.Popen([sdpeer.binary(), "ctl", "--data-dir", srv_dir]
                            + list(extra) + ["proxy"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def readline(p, timeout=10.0):
    """One line of p's stdout as JSON, waiting at most timeout."""
    buf = b""
    deadline = time.monotonic() + timeout
    fd = p.stdout.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        check(left > 0, "no answer line from the proxy: %r" % buf)
        r, _, _ = select.select([fd], [], [], left)
        if r:
            b = os.read(fd, 1)
            check(b != b"", "the proxy's stdout ended: %r" % buf)
            buf += b
    return json.loads(buf)


def send(p, req):
    p.stdin.write(json.dumps(req).encode() + b"\n")
    p.stdin.flush()


def test():
    srv = sdpeer.Server(nports=1).start()

    p = proxy(srv.dir)
    send(p, {"cmd": "status"})
    a = readline(p)
    check(a.get("status", {}).get("pid") == srv.pid,
          "status through the proxy: %r" % a)
    send(p, {"cmd": "subscribe"})
    check(readline(p) == {"ok": True}, "subscribed")
    s = srv.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "through the relay"))
    while True:
        ev = readline(p)
        if ev.get("event") == "message":
            break
    check(ev.get("text") == "through the relay", "event relayed: %r" % ev)
    s.close()
    # stdin ends: the server sees the end and closes; the proxy ends 0.
    p.stdin.close()
    rc = p.wait(10)
    err = p.stderr.read()
    check(rc == 0 and err == b"", "after stdin's end: %r %r" % (rc, err))

    # Half-close: a request and the end at once; the answer still comes.
    p = proxy(srv.dir)
    out, err = p.communicate(b'{"cmd":"clients"}\n', timeout=10)
    lines = out.splitlines()
    check(p.returncode == 0 and len(lines) == 1 and
          "clients" in json.loads(lines[0]),
          "request then EOF: %r %r %r" % (p.returncode, out, err))

    # A big answer through small pipes: nothing lost, in order.
    for i in range(200):
        s = srv.connect()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "x%03d" % i + "y" * 200))
        s.close()
    p = proxy(srv.dir)
    reqs = b"".join(b'{"cmd":"devices"}\n' for _ in range(50))
    out, err = p.communicate(reqs, timeout=20)
    lines = out.splitlines()
    check(p.returncode == 0 and len(lines) == 50 and
          all("devices" in json.loads(x) for x in lines),
          "50 answers: rc %r, %d lines, %r" % (p.returncode, len(lines),
                                              err[:200]))

    # Nothing there: status 1, one line naming the path, escaped.
    d = tempfile.mkdtemp(prefix="sdtest-")
    bad = os.path.join(d, "no\x1b[31mthere")
    p = proxy(bad)
    out, err = p.communicate(b'{"cmd":"status"}\n', timeout=10)
    check(p.returncode == 1 and out == b"" and err.count(b"\n") == 1 and
          b"\x1b" not in err and b"sockdeckd ctl" in err,
          "missing socket: %r %r %r" % (p.returncode, out, err))

    # The server stops while relaying: the proxy ends by itself.
    p = proxy(srv.dir)
    send(p, {"cmd": "subscribe"})
    check(readline(p) == {"ok": True}, "subscribed again")
    srv.stop()
    rc = p.wait(10)
    check(rc == 0, "server gone: %r" % rc)
    p.stdin.close()


if __name__ == "__main__":
    sdpeer.run(test)
