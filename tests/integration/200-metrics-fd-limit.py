#!/usr/bin/env python3
"""The metrics endpoint at the descriptor limit (soft and hard
RLIMIT_NOFILE 64): with the table filled by device clients and idle
control clients, HTTP connections that cannot be accepted do not make
the listener spin on accept() (libevent's "Error from accept() call"
on stderr for every try, thousands a second, the loop then blocked on
a full stderr pipe): it pauses a second between tries, saying so in at
most one error event a try; ctl status still answers meanwhile; once
the control clients leave, a scrape is answered again."""
import json
import os
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time

import sdmetrics
import sdpeer
from sdpeer import check


def test():
    port = sdpeer.free_port()
    mport = sdpeer.free_port()
    d = tempfile.mkdtemp(prefix="sdtest-")
    lim = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    p = subprocess.Popen([sdpeer.binary(), "--headless", "--log-format",
                          "json", "--bind", "127.0.0.1", "--ports",
                          str(port), "--data-dir", d, "--metrics-listen",
                          "127.0.0.1:%d" % mport],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, preexec_fn=lim)
    events, errs = [], []
    cond = threading.Condition()

    def reader():
        for line in p.stdout:
            with cond:
                events.append(json.loads(line))
                cond.notify_all()

    def err_reader():
        for line in p.stderr:
            with cond:
                errs.append(line.decode("utf-8", "replace"))

    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=err_reader, daemon=True).start()
    socks, ctls, ms = [], [], []
    try:
        with cond:
            check(cond.wait_for(lambda: any(e["event"] == "listen"
                                            for e in events), 10),
                  "no listen event")
        # Devices up to the listener's spare, control clients past it:
        # the table is full, the metrics listener not at its cap.
        for _ in range(80):
            socks.append(sdpeer.connect(port))
        time.sleep(0.5)
        for _ in range(14):
            c = socket.socket(socket.AF_UNIX)
            c.connect(os.path.join(d, "control.sock"))
            ctls.append(c)
        time.sleep(0.5)
        nfd = len(os.listdir("/proc/%d/fd" % p.pid))
        check(nfd >= 62, "the table is not full: %d descriptors" % nfd)
        with cond:
            e0 = len(errs)
            v0 = len(events)
        for _ in range(6):
            ms.append(socket.create_connection(("127.0.0.1", mport),
                                               timeout=5))
        time.sleep(3)
        with cond:
            spam = errs[e0:]
            said = [e for e in events[v0:] if e["event"] == "error" and
                    "metrics" in e.get("reason", "")]
        check(len(spam) < 10, "stderr flooded at the limit: %d lines, %r"
              % (len(spam), spam[:3]))
        check(1 <= len(said) <= 6, "accept failures said %d times in 3 s: %r"
              % (len(said), events[v0:][-5:]))
        r = subprocess.run([sdpeer.binary(), "ctl", "--data-dir", d,
                            "--timeout", "5", "status"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and "clients" in r.stdout,
              "ctl status at the limit: %r" % (r,))
        for c in ctls + ms:
            c.close()
        ctls, ms = [], []
        deadline = time.monotonic() + 10
        code = None
        while time.monotonic() < deadline and code != 200:
            code = sdmetrics.get(mport, "/metrics", timeout=3)[0]
            if code != 200:
                time.sleep(0.3)
        check(code == 200, "no scrape once descriptors are back: %r"
              % code)
        check(p.poll() is None, "server died: %r" % p.poll())
    finally:
        for s in socks + ctls + ms:
            s.close()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        time.sleep(0.2)
        with cond:
            text = "".join(errs)
        check("ERROR: AddressSanitizer" not in text, "sanitizer: %s"
              % text[-2000:])


sdpeer.run(test)
