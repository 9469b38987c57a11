#!/usr/bin/env python3
"""A 400 from InfluxDB is narrowed to the bad lines: a shard whose
`value` field is a string (written beforehand) makes influxd refuse float
points in that week (field type conflict, HTTP 400). One extension batch
of 200 readings has 3 of them; the other 197 land in InfluxDB, the 3 go
to DIR/sensors/rejects.lp each after a `# <reason>` line, `reject` events
count 3 and status.sinks influx counts rejects 3; the sink is not stuck.
(SPEC-sinks.md: Promises/4xx, a 400 is split until the bad lines are
alone; Events/reject; Status/rejects.)"""
import os
import time

import sdinflux
import sdpeer
import sdwire
from sdpeer import check

sdinflux.require()

GOOD_T0 = 1700000000000000000
BAD_T0 = 1600000000000000000          # another 7-day shard group
BAD = {17, 101, 150}


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    st, body = db.write("sd", ['sensor,Mac-Address=ff:ff:ff:ff:ff:ff '
                               'value="text" %d' % BAD_T0])
    check(st == 204, "pre-writing the string point: %d %r" % (st, body))
    srv = sdpeer.Server(extra=["--influx-url", db.url, "--influx-db", "sd",
                               "--influx-flush-ms", "200"]).start()
    s = srv.connect()
    sdpeer.hello(s)
    readings = []
    for i in range(200):
        ts = (BAD_T0 + 1000 + i) if i in BAD else (GOOD_T0 + i * 1000)
        readings.append((ts, i + 0.5, b"temp"))
    s.sendall(sdwire.sensor_batch(1, sdpeer.DEV, readings))
    ack = sdwire.parse_u64(sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK))
    check(ack == 1, "ACK %d" % ack)

    def nrej():
        return sum(e.get("count", 0) for e in srv.find_events(
            "reject", lambda e: e.get("name") == "influx"))
    srv.wait_events("reject", 1, lambda e: e.get("name") == "influx",
                    timeout=20)
    sdinflux.wait_sink(srv, "influx", lambda e: e.get("rejects") == 3 and
                       e.get("backlog_bytes") == 0, timeout=20,
                       what="rejects 3 and backlog 0")
    check(nrej() == 3, "`reject` events count %d, expected 3: %r"
          % (nrej(), srv.find_events("reject")))
    for e in srv.find_events("reject"):
        check(e.get("reason"), "reject event without a reason: %r" % e)

    pts = [p for p in db.points("sd") if p[1] == sdpeer.DEV_STR]
    want = {(ts, sdpeer.DEV_STR, v) for ts, v, _ in readings
            if ts >= GOOD_T0}
    check(len(pts) == 197 and set(pts) == want,
          "%d points of the device in InfluxDB (expected the 197 good "
          "ones); missing %r" % (len(pts), sorted(want - set(pts))[:5]))

    spool = srv.readings_lines()
    bad_lines = [l for l in spool if int(l.rsplit(" ", 1)[1]) < GOOD_T0]
    check(len(bad_lines) == 3, "spool holds %d bad lines" % len(bad_lines))
    path = os.path.join(srv.sensors_dir, "rejects.lp")
    check(os.path.exists(path), "no %s" % path)
    with open(path, encoding="utf-8") as f:
        rej = [l for l in f.read().split("\n") if l]
    data = [l for l in rej if not l.startswith("#")]
    check(sorted(data) == sorted(bad_lines), "rejects.lp lines %r, "
          "expected %r" % (data, bad_lines))
    for i, l in enumerate(rej):
        if not l.startswith("#"):
            check(i > 0 and rej[i - 1].startswith("# ") and
                  len(rej[i - 1]) > 2, "line %r in rejects.lp does not "
                  "follow a `# <reason>` line: %r" % (l, rej))
    ent = sdinflux.sink_status(srv, "influx")
    check(ent["state"] == "ok", "influx sink state %r after the rejects"
          % ent["state"])

    # the sink goes on: more readings after the rejects are delivered
    s.sendall(sdwire.sensor_batch(2, sdpeer.DEV, [
        (GOOD_T0 + 10**9 + i, 7.25, b"temp") for i in range(10)]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    deadline = time.monotonic() + 15
    while True:
        got = len([p for p in db.points("sd") if p[1] == sdpeer.DEV_STR])
        if got >= 207 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(got == 207, "%d points of the device after 10 more readings, "
          "expected 207" % got)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=60)
