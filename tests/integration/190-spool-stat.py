#!/usr/bin/env python3
"""`sockdeckd spool stat` says what a real server wrote and what its sink
delivered. A server with an InfluxDB sink (a private influxd) stores 100
legacy readings sent over loopback and delivers them; InfluxDB is
stopped and 60 more come. Beside the running server, `spool stat
--json` (exit 0) names the server by pid, lists each segment with its
size (the file's), readings and earliest and latest timestamps (the
spool's lines'), the totals, and the influx cursor as the sink saved it:
backlog 60 readings, their bytes (as the server's own status says), the
oldest undelivered reading's timestamp (the first of the 60) and its
age. Once InfluxDB is back and the server stopped, the backlog is 0 and
the table form shows each segment and the sink. (sockdeckd(1) SPOOL
TOOL.)"""
import json
import os
import re
import time

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()


def stat(srv):
    rc, out, err = sdpeer.run_cli(["spool", "--data-dir", srv.dir, "stat",
                                   "--json"], timeout=30)
    check(rc == 0 and not err, "spool stat --json: status %r, stderr %r"
          % (rc, err))
    return json.loads(out)


def segments(srv):
    d = srv.sensors_dir
    return sorted(n for n in os.listdir(d)
                  if re.match(r"^readings-\d{8}\.lp$", n))


def check_segments(srv, st):
    names = segments(srv)
    got = [s["name"] for s in st["segments"]]
    check(got == names, "segments %r, the directory has %r" % (got, names))
    total = 0
    for s in st["segments"]:
        with open(os.path.join(srv.sensors_dir, s["name"]), "rb") as f:
            data = f.read()
        lines = data.decode().splitlines()
        ts = [int(l.rsplit(" ", 1)[1]) for l in lines]
        check(s["size"] == len(data) and s["readings"] == len(lines) and
              s["bad"] == 0 and s["torn_bytes"] == 0,
              "%s: %r, the file has %d bytes, %d lines" % (s["name"], s,
                                                           len(data),
                                                           len(lines)))
        if ts:
            check(s["first_ts"] == min(ts) and s["last_ts"] == max(ts),
                  "%s: timestamps %d..%d, the lines say %d..%d"
                  % (s["name"], s["first_ts"], s["last_ts"], min(ts),
                     max(ts)))
        total += len(data)
    check(st["total_bytes"] == total, "total_bytes %d, the segments hold %d"
          % (st["total_bytes"], total))


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    extra = ["--influx-url", db.url, "--influx-db", "sd",
             "--influx-flush-ms", "100"]
    srv = sdpeer.Server(extra=extra).start()
    sdinflux.send_legacy(srv, 2, 50)
    sdinflux.wait_spool(srv, 100)
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >= 100 and
                       e["backlog_bytes"] == 0, timeout=30,
                       what="100 delivered")
    db.stop()
    t0 = time.time()
    sdinflux.send_legacy(srv, 2, 30, first_dev=2)
    sdinflux.wait_spool(srv, 160)
    lines = srv.readings_lines()
    check(len(lines) == 160, "%d spool lines, expected 160" % len(lines))
    undelivered = lines[100:]
    back_bytes = sum(len(l) + 1 for l in undelivered)
    oldest = min(int(l.rsplit(" ", 1)[1]) for l in undelivered)
    server_back = sdinflux.sink_status(srv, "influx")["backlog_bytes"]
    check(server_back == back_bytes, "the server's status says backlog %d "
          "bytes, the 60 lines hold %d" % (server_back, back_bytes))

    st = stat(srv)
    check(st["server"] == "sockdeckd (pid %d)" % srv.pid, "server %r, "
          "expected the running server's pid" % st["server"])
    check_segments(srv, st)
    check(st["readings"] == 160, "readings %d, expected 160"
          % st["readings"])
    ts = [int(l.rsplit(" ", 1)[1]) for l in lines]
    check(st["first_ts"] == min(ts) and st["last_ts"] == max(ts),
          "time range %d..%d, the spool says %d..%d"
          % (st["first_ts"], st["last_ts"], min(ts), max(ts)))
    sinks = {s["sink"]: s for s in st["sinks"]}
    check(set(sinks) == {"influx"}, "sinks %r" % list(sinks))
    inf = sinks["influx"]
    with open(os.path.join(srv.sensors_dir, "influx.cursor")) as f:
        seq, off = map(int, f.read().split())
    age_max = time.time() - t0 + 1
    check(inf["state"] == "ok" and inf["segment"] == seq and
          inf["offset"] == off and inf["backlog_readings"] == 60 and
          inf["backlog_bytes"] == back_bytes and inf["oldest_ts"] == oldest
          and 0 <= inf["backlog_age_s"] <= age_max,
          "influx: %r; expected cursor %d:%d, 60 readings, %d bytes, "
          "oldest %d, age at most %.1fs" % (inf, seq, off, back_bytes,
                                            oldest, age_max))

    db.start()
    sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=40, what="backlog 0")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    st = stat(srv)
    check(st["server"] is None, "server %r after it stopped" % st["server"])
    check_segments(srv, st)
    inf = {s["sink"]: s for s in st["sinks"]}["influx"]
    check(inf["backlog_readings"] == 0 and inf["backlog_bytes"] == 0 and
          inf["oldest_ts"] == 0 and inf["backlog_age_s"] == 0,
          "influx after delivery: %r" % inf)

    rc, out, err = sdpeer.run_cli(["spool", "-d", srv.dir, "stat"])
    check(rc == 0, "spool stat: status %r, stderr %r" % (rc, err))
    for n in segments(srv):
        check(re.search(r"^%s +\d+ +\d+ " % re.escape(n), out, re.M),
              "the table has no row for %s: %r" % (n, out))
    check(re.search(r"^influx +readings-\d{8}\.lp:\d+ +0 +0 ", out, re.M),
          "the table has no influx row with backlog 0: %r" % out)
    check(re.search(r"^total: %d segments, \d+ bytes, 160 readings"
                    % len(segments(srv)), out, re.M),
          "no total line: %r" % out)


sdpeer.run(test, deadline=120)
