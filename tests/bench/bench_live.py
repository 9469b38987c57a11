#!/usr/bin/env python3
"""Is the server live while ingest saturates it? sockdeckd with its
dashboard in a 120x40 tmux pane (TERM=xterm-256color), first with no
load, then while `conns` connections send legacy sensor frames flat out
(sd_loadgen --mode legacy, a count it never reaches, stopped at the
end), the same probes in both windows, on the same server:

  header  capture-pane every 50 ms from a thread: the longest interval
          between header changes (the header holds the uptime clock
          and the rates, so a live one changes every second); the
          window's start and end count as changes
  keys    `send-keys ?` (opens the help screen, titled [Help], `?`
          again closes it;
          50 to 250 ms apart, at random),
          then capture-pane as fast as it answers until the screen
          shows the change: the seconds from send-keys to the change
          (resolution: one capture-pane, also measured)
  ctl     a control socket client of its own (JSON lines, as `sockdeckd
          ctl status`): connect, {"cmd":"status"}, the answer; every
          20 ms, each request's seconds
  echo    a quiet client on a connection of its own, a process of its
          own (sd_loadgen --mode echo --rate 100): a legacy message
          every 10 ms, the seconds until its reply is in; the same
          against an idle sd_benchsrv at the same time (the floor)

Each window starts once the header's clock shows 2 s (the flood's once
its first MiB is in the spool and the server's rate window, `rates`
in ctl status, has passed: the header shows that smoothed rate) and
lasts `seconds`, and until every
probe has its samples (`seconds` more at most); a key or request with
no answer within 15 s, or when the window ends, counts as the time
waited (unanswered, in the figures); a quiet client's message still
unanswered then fails the scenario. The flood's rate is the
difference of the totals.readings of the first and the last status
answered, over their times. The same scenario is `live` in
tests/bench/run (the code is this module's).
Usage: bench_live.py BUILD_DIR [--quick]"""
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sdbench as B  # noqa: E402

HEADER_EVERY = 0.05     # seconds between captures of the header
TIMEOUT = 15.0          # a key, request or message unanswered by then
ECHO_RATE = 100         # quiet client's round trips a second
FLOOD_COUNT = 10 ** 12  # readings per connection: never reached
HELP_TEXT = "[Help]"     # the help screen's title


def pct(xs, q):
    """The q-quantile of xs, nearest rank (None if empty)."""
    xs = sorted(xs)
    if not xs:
        return None
    return xs[max(0, int(math.ceil(q * len(xs))) - 1)]


def longest_interval(snaps, t0, t1):
    """The longest time in [t0, t1] with no header change, from the
    (time, header) snapshots; t0 and t1 count as changes."""
    marks = [t0]
    prev = None
    for t, h in snaps:
        if prev is not None and h != prev and t0 <= t <= t1:
            marks.append(t)
        prev = h
    marks.append(t1)
    return max(b - a for a, b in zip(marks, marks[1:]))


class Probe(threading.Thread):
    """A thread that takes samples (seconds) until stop(), pause()
    apart; unanswered counts those that got no answer within TIMEOUT or
    before the window ended (counted as the time waited)."""

    PAUSE = 0.1

    def __init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.samples = []
        self.unanswered = 0
        self.error = None
        self.stop_ev = threading.Event()

    def run(self):
        try:
            while not self.stop_ev.is_set():
                self.sample()
                self.stop_ev.wait(self.pause())
        except Exception as e:     # reported by the window, not lost
            self.error = "%s: %s" % (type(e).__name__, e)

    def pause(self):
        return self.PAUSE

    def given_up(self, t0):
        """Whether to stop waiting for the sample begun at t0."""
        return self.stop_ev.is_set() or time.monotonic() - t0 > TIMEOUT

    def took(self, t0, answered):
        """A sample begun at t0; one the window's end cut short counts
        only if it waited longer than every answered one."""
        t = min(time.monotonic() - t0, TIMEOUT)
        if answered or t >= TIMEOUT or t > max(self.samples or [0]):
            self.samples.append(t)
            self.unanswered += not answered

    def stop(self):
        self.stop_ev.set()
        self.join(TIMEOUT)


class KeyProbe(Probe):
    """`?` opens and closes the help screen: seconds from send-keys to
    the screen showing it; captures: seconds each capture-pane took
    (the resolution)."""

    def __init__(self, tmux):
        Probe.__init__(self)
        self.tmux = tmux
        self.captures = []

    def pause(self):
        # Not a multiple of the dashboard's redraw tick (100 ms): a key
        # sent in step with it would always wait as long.
        return random.uniform(0.05, 0.25)

    def shown(self):
        t0 = time.monotonic()
        r = subprocess.run(["tmux", "-L", self.tmux, "capture-pane", "-p"],
                           capture_output=True, text=True, timeout=30)
        self.captures.append(time.monotonic() - t0)
        return HELP_TEXT in r.stdout

    def sample(self):
        want = not self.shown()
        t0 = time.monotonic()
        subprocess.run(["tmux", "-L", self.tmux, "send-keys", "?"],
                       check=True, timeout=30)
        answered = True
        while self.shown() != want:
            if self.given_up(t0):
                answered = False
                break
        self.took(t0, answered)


class EchoProbe:
    """A quiet client: sd_loadgen --mode echo on a connection of its
    own, a legacy message every 1/ECHO_RATE seconds (the next one once
    the last is answered), for the window's seconds; its round trips'
    p50 and p99 (log-linear buckets, 1.5%). A process of its own, not a
    thread beside the other probes: there it would wait for their
    interpreter lock, and measure that."""

    def __init__(self, port, seconds):
        self.n = int(ECHO_RATE * seconds)
        self.argv = B.loadgen_argv("echo", port, 1, self.n, rate=ECHO_RATE)
        self.proc = None
        self.result = None
        self.error = None

    def start(self):
        self.proc = B.spawn(self.argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def done(self):
        return self.proc.poll() is not None

    def stop(self):
        """Its figures; a quiet client still waiting at the window's end
        is an error (every message answered is what the probe needs)."""
        if not self.done():
            B.stop_proc(self.proc)
            self.error = ("the quiet client's %d messages were not all "
                          "answered by the window's end" % self.n)
            return
        out, err = self.proc.communicate()
        try:
            lat = B.parse_loadgen(out.decode("utf-8", "replace"),
                                  err.decode("utf-8", "replace"),
                                  self.proc.returncode, self.argv)
        except B.BenchError as e:
            self.error = str(e)
            return
        self.result = lat["latency_us"]

    def pct(self, q):
        return self.result["p%d" % q] / 1e6 if self.result else None


def answer(probe, sock, t0, end, keep):
    """Read sock until what came ends with `end` (the last `keep` bytes
    kept): (whether it did before probe gave up, those bytes)."""
    buf = b""
    while not buf.endswith(end):
        if probe.given_up(t0):
            return False, buf
        sock.settimeout(0.05)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            raise B.BenchError("the server closed the probe's connection")
        buf = (buf + chunk)[-keep:]
    return True, buf


class CtlProbe(Probe):
    """`status` on a new control connection every 20 ms: seconds from
    connect to the answer's end; readings: (time, totals.readings) of
    each answer."""

    PAUSE = 0.02

    def __init__(self, path):
        Probe.__init__(self)
        self.path = path
        self.readings = []

    def sample(self):
        t0 = time.monotonic()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(TIMEOUT)
            s.connect(self.path)
            s.sendall(b'{"cmd":"status"}\n')
            ok, line = answer(self, s, t0, b"\n", 1 << 20)
        finally:
            s.close()
        self.took(t0, ok)
        if ok:
            st = json.loads(line)["status"]
            self.readings.append((time.monotonic(),
                                  st["totals"]["readings"]))


# The header's readings rate, as the dashboard draws it at 120 columns
# (tui_fmt_rate: "3.5/s", "812/s", "5442k/s").
RATE_RE = re.compile(r" readings (\d+(?:\.\d)?)(k?)/s")


def shown_rate(header):
    """The readings a second a header line shows, or None."""
    m = RATE_RE.search(header)
    if m is None:
        return None
    return float(m.group(1)) * (1000 if m.group(2) else 1)


def window(srv, watch, seconds, keys, ctls, floor_port=None):
    """The probes for `seconds` (and until there are keys key samples
    and ctls status and echo samples: `seconds` more at most): a dict of
    the figures. With floor_port, a second quiet client echoes off an
    idle sd_benchsrv there at the same time: what the machine's load
    alone costs a round trip (the floor under the quiet echo)."""
    kp, cp = KeyProbe(srv.tmux), CtlProbe(srv.control_path)
    ep = EchoProbe(srv.port, seconds)
    fp = EchoProbe(floor_port, seconds) if floor_port else None
    probes = (kp, cp, ep) + ((fp,) if fp else ())
    want = ((kp, keys), (cp, ctls))
    t0 = time.monotonic()
    for p in probes:
        p.start()
    try:
        while True:
            now = time.monotonic()
            done = (now - t0 >= seconds and
                    all(len(p.samples) >= n for p, n in want) and
                    all(p.done() for p in (ep, fp) if p))
            if done or now - t0 > 2 * seconds or any(p.error
                                                     for p in probes):
                break
            time.sleep(0.05)
        t1 = time.monotonic()
    finally:
        for p in probes:
            p.stop()
    for p in probes:
        if p.error:
            raise B.BenchError("live probe: " + p.error)
    rd = cp.readings
    rate = ((rd[-1][1] - rd[0][1]) / (rd[-1][0] - rd[0][0])
            if len(rd) > 1 and rd[-1][0] > rd[0][0] else None)
    snaps = [t for t, _ in watch.snaps if t0 <= t <= t1]
    shown = [r for t, h in watch.snaps if t0 <= t <= t1
             for r in [shown_rate(h)] if r is not None]
    return dict(seconds=t1 - t0,
                header=longest_interval(watch.snaps, t0, t1),
                header_gap=max([b - a for a, b in zip(snaps, snaps[1:])]
                               or [None]),
                capture=pct(kp.captures, 0.5),
                key_p50=pct(kp.samples, 0.5), key_p99=pct(kp.samples, 0.99),
                keys=len(kp.samples), key_lost=kp.unanswered,
                ctl_p50=pct(cp.samples, 0.5), ctl_p99=pct(cp.samples, 0.99),
                ctls=len(cp.samples), ctl_lost=cp.unanswered,
                echo_p50=ep.pct(50), echo_p99=ep.pct(99), echoes=ep.n,
                rate=rate,
                floor_p50=fp.pct(50) if fp else None,
                floor_p99=fp.pct(99) if fp else None,
                shown_rate=pct(shown, 0.5), shown_n=len(shown))


UP_RE = re.compile(r" up (\d+):(\d\d):(\d\d) ")


def wait_ticking(watch, timeout=15.0):
    """Until the header's clock shows 2 s: past the dashboard's first
    second (its clock stands still longer there, a start-up matter)."""
    def ticking():
        m = UP_RE.search(watch.snaps[-1][1] if watch.snaps else "")
        return m and int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(
            m.group(3)) >= 2
    B.until(ticking, timeout, "the dashboard's clock at 2 s",
            interval=0.05)


def wait_flood(srv, flood, timeout=30.0):
    """Until the spool has grown by 1 MiB since the flood started (read
    from the disk: the server's own answers may be what is slow)."""
    rd = B.SpoolReader(srv.sensors_dir)
    base = sum(rd.sizes().values())

    def grown():
        if flood.poll() is not None:
            raise B.BenchError("the flood's sd_loadgen exited (status %s) "
                               "at its start" % flood.returncode)
        return sum(rd.sizes().values()) > base + (1 << 20)
    B.until(grown, timeout, "the flood's first MiB in the spool",
            interval=0.02)


def live_run(conns, seconds, keys, ctls):
    """One server: a window with no load, then one during a flood from
    `conns` connections; (idle figures, flood figures)."""
    srv = B.Sockdeckd(["--fsync", "everysec", "--spool-retain", "256M"],
                      dashboard=True).start()
    watch = B.DashWatch(srv, interval=HEADER_EVERY)
    flood = None
    floor = B.BenchSrv().start()
    try:
        watch.wait_drawn()
        watch.start()
        wait_ticking(watch)
        idle = window(srv, watch, seconds, keys, ctls, floor.port)
        flood = B.spawn(B.loadgen_argv("legacy", srv.port, conns,
                                       FLOOD_COUNT),
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
        wait_flood(srv, flood)
        # The header's rate is the server's, smoothed over its window:
        # the flood fills that window before the one measured starts.
        time.sleep(srv.status()["rates"]["window"])
        busy = window(srv, watch, seconds, keys, ctls, floor.port)
        if flood.poll() is not None:
            raise B.BenchError("the flood's sd_loadgen exited (status %s) "
                               "before the window ended" % flood.returncode)
        watch.check_terminal()
        return idle, busy
    finally:
        B.stop_proc(flood)
        watch.stop()
        srv.stop()
        floor.stop()


def ms(x):
    return "-" if x is None else "%.1f" % (x * 1e3)


def say(conns, idle, busy):
    """A line per window, for progress and for this script."""
    out = []
    for name, w in (("no load", idle), ("%d conns" % conns, busy)):
        out.append("%-8s %.1f s: header %.2f s (captures <= %s ms apart, "
                   "one takes %s ms); keys p50/p99 %s/%s ms (%d, %d "
                   "unanswered); ctl %s/%s ms (%d, %d); echo %s/%s ms "
                   "(%d); %s readings/s"
                   % (name, w["seconds"], w["header"], ms(w["header_gap"]),
                      ms(w["capture"]), ms(w["key_p50"]), ms(w["key_p99"]),
                      w["keys"], w["key_lost"], ms(w["ctl_p50"]),
                      ms(w["ctl_p99"]), w["ctls"], w["ctl_lost"],
                      ms(w["echo_p50"]), ms(w["echo_p99"]), w["echoes"],
                      "%.0f" % w["rate"]
                      if w["rate"] is not None else "-"))
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-rel"
    quick = "--quick" in sys.argv
    if not shutil.which("tmux"):
        sys.exit("bench_live: tmux not found (tools/deps)")
    B.setup(build)
    with B.session():
        for conns in (8, 64):
            idle, busy = live_run(conns, 4.0 if quick else 10.0,
                                  10 if quick else 20, 50 if quick else 200)
            print("\n".join(say(conns, idle, busy)), flush=True)


if __name__ == "__main__":
    main()
