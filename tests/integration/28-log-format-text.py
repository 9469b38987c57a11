#!/usr/bin/env python3
"""--log-format text prints the same events as `TIME EVENT key=value ...`
lines, and SIGINT stops the server like SIGTERM (exit 0, shutdown)."""
import re
import shutil
import signal
import subprocess
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check


def test():
    port = sdpeer.free_port()
    d = tempfile.mkdtemp(prefix="sdtest-")
    p = subprocess.Popen([sdpeer.binary(), "--headless", "--reply-format",
                          sdpeer.ECHO_FMT, "--log-format", "text", "--bind", "127.0.0.1", "--ports", str(port),
                          "--data-dir", d], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                s = sdpeer.connect(port, timeout=2)
                break
            except OSError:
                check(time.monotonic() < deadline and p.poll() is None,
                      "server with --log-format text did not listen")
                time.sleep(0.05)
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "text log"))
        got = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
        check(got.endswith(b"return data => text log"), "reply %r" % got)
        s.close()
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            sdpeer.fail("no exit within 10s of SIGINT")
        check(p.returncode == 0, "exit status %r after SIGINT"
              % p.returncode)
        lines = out.decode().splitlines()
        pat = re.compile(r"^(\S+) ([a-z-]+)( \S+=.*)?$")
        evs = {}
        for l in lines:
            m = pat.match(l)
            check(m, "text log line not `TIME EVENT key=value ...`: %r" % l)
            check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", m.group(1)),
                  "time %r is not RFC 3339" % m.group(1))
            evs.setdefault(m.group(2), []).append(l)
        for e in ("listen", "connect", "message", "disconnect", "shutdown"):
            check(e in evs, "no %s line in the text log: %r" % (e, lines))
        check(("port=%d" % port) in evs["listen"][0],
              "listen line without port=%d: %r" % (port, evs["listen"][0]))
        check("text" in evs["message"][0] and "text log" in
              evs["message"][0], "message line %r" % evs["message"][0])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        shutil.rmtree(d, ignore_errors=True)


sdpeer.run(test)
