#!/usr/bin/env python3
"""A server at its descriptor limit (soft and hard RLIMIT_NOFILE 64)
with 120 clients connecting: the listeners refuse clients before the
last descriptors are gone (a `drop` with reason "out of descriptors"),
`sockdeckd ctl status` still answers, and once the clients leave a new
one is served again."""
import json
import resource
import signal
import subprocess
import tempfile
import threading
import time

import sdpeer
import sdwire
from sdpeer import check


def test():
    port = sdpeer.free_port()
    d = tempfile.mkdtemp(prefix="sdtest-")
    lim = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    p = subprocess.Popen([sdpeer.binary(), "--headless", "--reply-format",
                          sdpeer.ECHO_FMT, "--log-format", "json", "--bind", "127.0.0.1", "--ports",
                          str(port), "--data-dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, preexec_fn=lim)
    events = []
    cond = threading.Condition()

    def reader():
        for line in p.stdout:
            with cond:
                events.append(json.loads(line))
                cond.notify_all()

    def wait(pred, what):
        with cond:
            check(cond.wait_for(lambda: any(pred(e) for e in events), 10),
                  "no %s event" % what)

    threading.Thread(target=reader, daemon=True).start()
    socks = []
    try:
        wait(lambda e: e["event"] == "listen", "listen")
        for _ in range(120):
            socks.append(sdpeer.connect(port))
        wait(lambda e: e["event"] == "drop" and
             e.get("reason") == "out of descriptors", "out-of-descriptors")
        r = subprocess.run([sdpeer.binary(), "ctl", "--data-dir", d,
                            "--timeout", "5", "status"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and "clients" in r.stdout,
              "ctl status at the limit: %r" % (r,))
        n = int(r.stdout.split("clients ")[1].split()[0])
        check(20 < n < 64, "clients served at the limit: %d" % n)
        for s in socks:
            s.close()
        socks = []
        time.sleep(0.3)
        s = sdpeer.connect(port)
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "after"))
        got = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
        check(got.endswith(b"return data => after"),
              "served after the clients left: %r" % got)
        s.close()
        check(p.poll() is None, "server died: %r" % p.poll())
    finally:
        for s in socks:
            s.close()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
        err = p.stderr.read().decode("utf-8", "replace")
        check("ERROR: AddressSanitizer" not in err, "sanitizer: %s" % err)


if __name__ == "__main__":
    sdpeer.run(test)
