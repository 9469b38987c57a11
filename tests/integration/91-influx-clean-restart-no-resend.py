#!/usr/bin/env python3
"""A clean restart re-sends nothing to InfluxDB. A recording proxy in
front of a private influxd sees every request: 300 readings are each
accepted (2xx) exactly once, the sink says delivered 300; SIGTERM leaves
DIR/sensors/influx.cursor at the end of the spool; a new server on the
same data directory and the same sink sends no request until new
readings come, then only the 300 new ones, each accepted exactly once,
and its status says delivered 300 (this run's) with backlog 0. A count
of points in influxd cannot see this: a reading written twice is stored
once. (SPEC-sinks.md: cursors survive restarts; Promises/InfluxDB every
reading exactly once; Status/delivered.)"""
import os
import re
import time

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()

NDEV, PER = 2, 150
N = NDEV * PER


def cursor_at_end(srv, what):
    """influx.cursor names the end of the last spool segment."""
    sensors = srv.sensors_dir
    segs = sorted(n for n in os.listdir(sensors)
                  if re.match(r"^readings-\d{8}\.lp$", n))
    last = segs[-1]
    size = os.path.getsize(os.path.join(sensors, last))
    with open(os.path.join(sensors, "influx.cursor")) as f:
        cur = f.read()
    want = "%d %d\n" % (int(last[9:17]), size)
    check(cur == want, "%s: influx.cursor %r, expected the end of the "
          "spool %r (%s is %d bytes)" % (what, cur, want, last, size))


def delivered_all(srv, n, what):
    """Wait until the sink has nothing left; it delivered exactly n."""
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0
                            and e["delivered"] >= n, timeout=30,
                            what="backlog 0, delivered %d" % n)
    check(st["delivered"] == n and st["state"] == "ok" and
          st["rejects"] == 0, "%s: status %r, expected delivered %d, ok, "
          "no rejects" % (what, st, n))


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    proxy = sdinflux.Proxy(db)
    extra = ["--influx-url", proxy.url, "--influx-db", "sd",
             "--influx-flush-ms", "100", "--influx-batch", "100"]
    srv = sdpeer.Server(extra=extra).start()
    sdinflux.send_legacy(srv, NDEV, PER)
    first = sdinflux.wait_spool(srv, N)
    check(len(first) == N, "%d spool lines, expected %d" % (len(first), N))
    delivered_all(srv, N, "first run")
    lines1 = srv.readings_lines()
    sdinflux.check_accepted_once(proxy, lines1, "first run")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    cursor_at_end(srv, "after SIGTERM")
    before = len(proxy.snapshot())

    srv2 = sdpeer.Server(extra=extra, data_dir=srv.dir).start()
    # Nothing to send: a sink that would re-send does it at start, within
    # its flush interval (100 ms); a delivered count above 0, or a request
    # at the proxy, says so. Wait well past that before new readings.
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        st = sdinflux.sink_status(srv2, "influx")
        if st["delivered"] or len(proxy.snapshot()) > before:
            break
        time.sleep(0.1)
    reqs = proxy.snapshot()[before:]
    check(not reqs and st["delivered"] == 0 and st["backlog_bytes"] == 0,
          "after a clean restart with nothing new the sink sent %d "
          "requests (%d lines), status %r" % (len(reqs),
          sum(len(sdinflux.body_lines(r)) for r in reqs), st))
    sdinflux.send_legacy(srv2, NDEV, PER, first_dev=NDEV)
    sdinflux.wait_spool(srv2, 2 * N)
    delivered_all(srv2, N, "after the restart")
    lines2 = srv2.readings_lines()[N:]
    check(len(lines2) == N and not set(lines2) & set(lines1),
          "the second run's spool lines are not %d new ones" % N)
    sdinflux.check_accepted_once(proxy, lines2, "after the restart",
                                 reqs=proxy.snapshot()[before:])
    sdinflux.check_accepted_once(proxy, lines1 + lines2, "both runs")
    got = db.wait_count("sd", 2 * N, timeout=10)
    check(got == 2 * N, "influxd holds %d points, expected %d"
          % (got, 2 * N))
    check(srv2.stop() == 0, "exit status after the second SIGTERM not 0")
    cursor_at_end(srv2, "after the second SIGTERM")


sdpeer.run(test, deadline=90)
