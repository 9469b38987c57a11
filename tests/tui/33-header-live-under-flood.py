#!/usr/bin/env python3
"""While 12 connections send legacy sensor frames flat out, the dashboard
keeps drawing (SPEC-dashboard.md, Header): during 3 s of the flood the
header's uptime clock changes at least twice, and the readings rate is
not stuck at 0/s. A loop held by socket reads froze the header for
seconds at a time."""
import re
import threading
import time

import sdtmux
import sdwire
from sdtmux import check

FLOODERS = 12
WATCH_S = 3.0
UP = re.compile(r"\bup (\d+:\d\d:\d\d)\b")
RATE = re.compile(r"\breadings (\S+)/s")


def flooder(d, stop, sent, i):
    """Send a block of legacy sensor frames again and again until stop."""
    dev = sdwire.mac("02:00:00:00:01:%02x" % i)
    block = b"".join(sdwire.legacy_sensor(dev, float(n))
                     for n in range(4096))
    try:
        s = d.connect(timeout=30.0)
    except OSError:
        return
    try:
        while not stop.is_set():
            s.sendall(block)
            sent[i] += len(block)
    except OSError:
        pass
    finally:
        s.close()


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_for(UP, what="header with `up H:MM:SS`")
    stop = threading.Event()
    sent = [0] * FLOODERS
    threads = [threading.Thread(target=flooder, daemon=True,
                                args=(d, stop, sent, i))
               for i in range(FLOODERS)]
    for t in threads:
        t.start()
    clocks, rates, lines, seen = [], [], [], []
    try:
        deadline = time.monotonic() + 10
        while sum(1 for n in sent if n > 0) < FLOODERS and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        check(all(n > 0 for n in sent), "flooders could not send: %r" % sent)
        end = time.monotonic() + WATCH_S
        while time.monotonic() < end:
            lines = d.screen()
            m = UP.search(lines[0]) if lines else None
            if m and (not clocks or clocks[-1] != m.group(1)):
                clocks.append(m.group(1))
                seen.append(time.monotonic())
            r = RATE.search(lines[0]) if lines else None
            if r:
                rates.append(r.group(1))
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    sdtmux.log("flood: %d connections sent %.1f MB; header clocks seen %r"
               % (FLOODERS, sum(sent) / 1e6, clocks))
    sdtmux.log("longest time between header changes: %.2f s" % max(
        [b - a for a, b in zip(seen, seen[1:])] or [0]))
    check(len(clocks) >= 3, "the header's clock changed %d times in %.0f s "
          "of flood (want at least 2): %r\n%s"
          % (max(0, len(clocks) - 1), WATCH_S, clocks, d.dump(lines)))
    check(any(r not in ("0", "0.0") for r in rates),
          "the readings rate read %r throughout the flood\n%s"
          % (sorted(set(rates)), d.dump(lines)))
    # The flooders are gone: q quits without asking.
    d.wait_for(re.compile(r"Clients \(0\)"), timeout=30)
    d.keys("q")
    check(d.wait_exit(timeout=60) == 0, "exit status after q")


sdtmux.run(test, deadline=90)
