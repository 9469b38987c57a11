#!/usr/bin/env python3
"""Does the dashboard slow the server? Readings/s from 8 connections into
sockdeckd with its dashboard on (in a 120x40 tmux pane, redrawing as the
readings come in) against the same with --headless, same run, median of
5 (3 with --quick). Not a test: it prints the two figures and their
ratio. Usage: bench_dashboard.py BUILD_DIR [--quick]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import sdpeer  # noqa: E402

CONNS = 8


def ctl_status(binary, d):
    # Straight to the control socket: spawning a process per poll would
    # blur the times measured.
    try:
        return sdpeer.ctl(os.path.join(d, "control.sock"),
                          {"cmd": "status"})["status"]
    except Exception:
        return None


def one_run(build, n, dashboard):
    binary = os.path.join(build, "src/sockdeckd")
    port = sdpeer.free_port()
    d = tempfile.mkdtemp(prefix="sdbench-")
    sock = "sdbench%d" % os.getpid()
    args = [binary, "--ports", str(port), "--bind", "127.0.0.1",
            "--data-dir", d, "--idle-timeout", "0"]
    proc = None
    try:
        if dashboard:
            subprocess.run(["tmux", "-L", sock, "-f", "/dev/null",
                            "new-session", "-d", "-x", "120", "-y", "40",
                            "env TERM=xterm-256color LANG=C.UTF-8 " +
                            " ".join(args)], check=True)
        else:
            proc = subprocess.Popen(args + ["--headless"],
                                    stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while ctl_status(binary, d) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        t0 = time.monotonic()
        subprocess.run([os.path.join(build, "tests/bench/sd_loadgen"),
                        "--conns", str(CONNS), "--count", str(n // CONNS),
                        "127.0.0.1", str(port)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while ctl_status(binary, d)["totals"]["readings"] < n:
            time.sleep(0.005)
        return n / (time.monotonic() - t0)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        subprocess.run(["tmux", "-L", sock, "kill-server"],
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-rel"
    quick = "--quick" in sys.argv
    runs, n = (3, 800000) if quick else (5, 4000000)
    head, dash = [], []
    for _ in range(runs):		# interleaved: the same noise for both
        head.append(one_run(build, n, False))
        dash.append(one_run(build, n, True))
    h, d = statistics.median(head), statistics.median(dash)
    print("bench_dashboard: %d readings from %d connections, median of %d"
          % (n, CONNS, runs))
    print("headless   %12.0f readings/s" % h)
    print("dashboard  %12.0f readings/s   ratio %.2f" % (d, d / h))


if __name__ == "__main__":
    main()
