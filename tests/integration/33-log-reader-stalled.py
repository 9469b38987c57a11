#!/usr/bin/env python3
"""A log reader that stops reading never stops the server: sockdeckd
--headless writes its log into a pipe nobody reads (as a stuck
journald or a paused pager would be) while a client sends 6,000 messages
of 1,000 bytes, each logged; every message is still answered. The log
loses lines past its buffer instead and says so: once the pipe is read
again there is a `log-dropped` line with the count, then the shutdown
(never dropped, though the reader comes back only after it).
sockdeck_log_dropped_lines_total counts them (the log-dropped lines add
up to at least what it said).
(SPEC.md: the event loop never blocks; headless log. sockdeckd(1)
METRICS.)"""
import json
import signal
import socket
import subprocess
import tempfile
import threading
import time

import sdmetrics
import sdpeer
import sdwire
from sdpeer import check

N = 6000
TEXT = "x" * 1000


def test():
    port, mport = sdpeer.free_ports(2, consecutive=False)
    d = tempfile.mkdtemp(prefix="sdtest-")
    p = subprocess.Popen([sdpeer.binary(), "--headless", "--reply-format",
                          sdpeer.ECHO_FMT, "--log-format", "json", "--ports", str(port), "--bind",
                          "127.0.0.1", "--data-dir", d, "--metrics-listen",
                          "127.0.0.1:%d" % mport],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", port), 1)
                break
            except OSError:
                check(time.monotonic() < deadline, "no listener on %d"
                      % port)
                time.sleep(0.05)
        s.settimeout(30)
        got = [0]

        def reader():
            # Each reply holds the marker once; the tail kept between
            # reads is too short to hold a whole one twice.
            marker = b"return data => "
            tail = b""
            while got[0] < N:
                chunk = s.recv(1 << 20)
                if not chunk:
                    return
                data = tail + chunk
                got[0] += data.count(marker)
                tail = data[-(len(marker) - 1):]

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        frame = sdwire.legacy_msg(sdpeer.DEV, TEXT)
        for _ in range(N // 100):
            s.sendall(frame * 100)
        th.join(60)
        check(got[0] == N, "%d of %d messages answered while the log's "
              "reader was stalled" % (got[0], N))
        s.close()
        lost = sdmetrics.value(sdmetrics.parse(sdmetrics.scrape(mport)),
                               "sockdeck_log_dropped_lines_total")
        check(lost and lost > 0, "sockdeck_log_dropped_lines_total %r "
              "while the reader was stalled" % lost)
        p.send_signal(signal.SIGTERM)
        # The reader comes back only after the shutdown began: its line
        # must not be one of those dropped.
        time.sleep(0.3)
        out = p.stdout.read()
        check(p.wait(10) == 0, "exit status %r" % p.returncode)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    dropped = [e for e in lines if e.get("event") == "log-dropped"]
    check(dropped and dropped[0].get("lines", 0) > 0,
          "no `log-dropped` line with a count in the log")
    check(lines[-1].get("event") == "shutdown" or any(
          e.get("event") == "shutdown" for e in lines[-5:]),
          "the log does not end with the shutdown: %r" % lines[-3:])
    said = sum(e.get("lines", 0) for e in dropped)
    check(said >= lost, "the log-dropped lines say %d, the metric said %d"
          % (said, lost))
    msgs = sum(1 for e in lines if e.get("event") == "message")
    check(msgs + dropped[0]["lines"] >= N, "%d message lines and %d dropped"
          " account for fewer than %d messages" % (msgs, dropped[0]["lines"],
                                                   N))


sdpeer.run(test, deadline=120)
