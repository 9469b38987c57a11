#!/usr/bin/env python3
"""`sockdeckd spool replay` refuses what it cannot do, and says why:
- a TIME that is none, --until not after --since, an unknown --sink
  (its bytes escaped), a sink the options do not configure, a data
  directory without sensors/: exit 2 before anything is sent;
- an empty range: exit 0, "0 readings delivered";
- an endpoint slow to answer: the replay waits for the answer (exit 0,
  1 reading delivered), it does not end when the range is read;
- a dead InfluxDB (nothing listens): it retries, then gives up after
  --give-up 2 seconds: exit 1, the summary says it gave up and why;
- with --give-up 0 it retries until SIGINT, then stops at once with a
  summary saying it was interrupted: exit 1;
- a segment line holding terminal control bytes, which an InfluxDB-like
  endpoint refuses (400) quoting the line raw: exit 1 (refused), the
  answer on stderr is escaped, no control byte reaches it.
(sockdeckd(1) SPOOL TOOL.)"""
import json
import os
import signal
import subprocess
import tempfile
import time

import sdinflux
import sdpeer
from sdpeer import check

TS = 1796457600 * 10**9        # 2026-12-05T08:00:00Z
GOOD = b"sensor,Mac-Address=02:00:00:00:00:01 value=1 %d\n" % TS
HOSTILE = (b"sensor,Mac-Address=\x1b]0;owned\x07\x1b[2J\x9b31m value=2 %d\n"
           % (TS + 1))


def data_dir(lines):
    d = tempfile.mkdtemp(prefix="sd197-")
    os.makedirs(os.path.join(d, "sensors"))
    with open(os.path.join(d, "sensors", "readings-00000001.lp"), "wb") as f:
        f.write(b"".join(lines))
    return d


def replay(d, *args, timeout=30):
    return sdpeer.run_cli(["spool", "replay", "--data-dir", d] + list(args),
                          timeout=timeout)


def refused(d, args, want, what):
    rc, out, err = replay(d, *args)
    check(rc == 2 and want in err and "\x1b" not in err,
          "%s: status %r, stderr %r (want %r)" % (what, rc, err, want))


def test():
    d = data_dir([GOOD])
    ix = ["--influx-url", "http://127.0.0.1:%d" % sdpeer.free_port(),
          "--influx-db", "sd"]
    refused(d, ix + ["--sink", "influx", "--since", "yesterday"],
            "--since: yesterday: not a time", "a bad TIME")
    refused(d, ix + ["--sink", "influx", "--since", "-1h", "--until",
                     "2020-01-01T00:00:00Z"],
            "--until must come after --since", "--until before --since")
    refused(d, ix + ["--sink", "pg\x1b[31m", "--since", "-1h"],
            "--sink: pg\\x1b[31m: unknown (influx or kafka)",
            "an unknown sink")
    refused(d, ix + ["--sink", "kafka", "--since", "-1h"],
            "the kafka sink is not configured (--kafka-brokers)",
            "a sink not configured")
    refused(d, ix + ["--sink", "influx"], "--sink and --since are needed",
            "no --since")
    refused(os.path.join(d, "none"), ix + ["--sink", "influx", "--since",
                                           "-1h"],
            "sensors: No such file or directory", "no data directory")

    rc, out, err = replay(d, *ix, "--sink", "influx", "--since",
                          "2200-01-01T00:00:00Z", "--json")
    check(rc == 0 and "done: 0 readings delivered" in err and
          json.loads(out)["delivered"] == 0,
          "an empty range: status %r, %r %r" % (rc, out, err))

    t0 = time.monotonic()
    rc, out, err = replay(d, *ix, "--sink", "influx", "--since",
                          "2026-12-05T00:00:00Z", "--give-up", "2",
                          "--json")
    took = time.monotonic() - t0
    check(rc == 1 and "influx: gave-up: 0 readings delivered" in err and
          "nothing delivered for 2 s (--give-up), failing:" in err and
          json.loads(out)["status"] == "gave-up" and 1.5 < took < 15,
          "a dead InfluxDB: status %r after %.1fs, %r %r"
          % (rc, took, out, err))

    p = subprocess.Popen([sdpeer.binary(), "spool", "replay", "--data-dir",
                          d] + ix + ["--sink", "influx", "--since",
                                     "2026-12-05T00:00:00Z", "--give-up",
                                     "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(2.5)
    check(p.poll() is None, "--give-up 0 gave up")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    err = err.decode("utf-8", "replace")
    check(p.returncode == 1 and "influx: interrupted: 0 readings "
          "delivered" in err and err.rstrip().endswith(": SIGINT") and
          "readings sent, segment 1 of 1" in err,
          "SIGINT: status %r, %r" % (p.returncode, err))

    # A slow endpoint: the range is read long before the answer comes,
    # and the replay waits for it.
    def slow(i):
        time.sleep(1.5)
        return 204, b""
    rec = sdinflux.Recorder(answer=slow)
    rc, out, err = replay(d, "--influx-url", rec.url, "--influx-db", "sd",
                          "--influx-flush-ms", "10", "--sink", "influx",
                          "--since", "2026-12-05T00:00:00Z")
    check(rc == 0 and "done: 1 reading delivered" in err and
          len(rec.snapshot()) == 1, "a slow endpoint: status %r, %d "
          "requests, %r" % (rc, len(rec.snapshot()), err))
    rec.stop()

    d2 = data_dir([GOOD, HOSTILE])
    rec = None

    def answer(i):
        body = rec.requests[i]["body"]
        if b"\x1b" in body:
            return 400, b"unable to parse '" + body.strip() + b"'"
        return 204, b""
    rec = sdinflux.Recorder(answer=answer)
    rc, out, err = replay(d2, "--influx-url", rec.url, "--influx-db", "sd",
                          "--influx-flush-ms", "100", "--sink", "influx",
                          "--since", "2026-12-05T00:00:00Z")
    sdpeer.log("replay: %r" % err)
    check(rc == 1 and "refused: 1 reading delivered" in err and
          "1 reading refused" in err, "a refused line: status %r, %r"
          % (rc, err))
    check("owned" in err and not any(c in err for c in "\x1b\x07\x9b"),
          "the refused line reached stderr raw: %r" % err)
    rec.stop()


sdpeer.run(test, deadline=90)
