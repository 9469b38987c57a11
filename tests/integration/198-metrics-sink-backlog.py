#!/usr/bin/env python3
"""The sink metrics of a backlog, with a private influxd: while it is
stopped, sockdeck_sink_backlog_readings{sink="influx"} is the readings
sent since (exact: _exact 1), and so are status.sinks' backlog_readings;
sockdeck_sink_oldest_age_seconds is the age of the first of them (its
spool timestamp against the clock) and grows with time. Restarted with
that backlog left (the cursor in the middle of a segment of the earlier
run, counted off the loop), the backlog is the same, exact. Once influxd
is back, both go to 0 and the delivery-age histogram's _count is the
readings delivered, its buckets cumulative and rising, the late ones
past the 1 s bucket. promtool check metrics passes throughout.
(sockdeckd(1) METRICS.)"""
import shutil
import time

import sdinflux
import sdmetrics
import sdpeer
from sdpeer import check

sdinflux.require()
if shutil.which("promtool") is None:
    sdpeer.skip("promtool not found (install prometheus)")

AGE = "sockdeck_sink_delivery_age_seconds"


def server(db, data_dir=None):
    return sdmetrics.server(extra=["--influx-url", db.url, "--influx-db",
                                   "sd", "--influx-flush-ms", "100"],
                            data_dir=data_dir)


def scrape(port):
    text = sdmetrics.scrape(port)
    sdmetrics.promtool_check(text)
    return sdmetrics.parse(text)


def backlog(port, n, timeout):
    """The samples once the backlog is n readings, exact."""
    return sdmetrics.wait_metric(
        port, "sockdeck_sink_backlog_readings", lambda v: v == n and
        sdmetrics.value(sdmetrics.parse(sdmetrics.scrape(port)),
                        "sockdeck_sink_backlog_readings_exact",
                        sink="influx") == 1, timeout, sink="influx")


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    srv = server(db)
    port = srv.metrics_port
    sdinflux.send_legacy(srv, 1, 10)
    check(db.wait_count("sd", 10, timeout=15) == 10, "influx has not 10")
    sdmetrics.wait_metric(port, "sockdeck_sink_delivered_total",
                          lambda v: v == 10, 10, sink="influx")
    s = backlog(port, 0, 10)
    check(sdmetrics.value(s, "sockdeck_sink_oldest_age_seconds",
                          sink="influx") == 0, "oldest age with no backlog")

    db.stop()
    sdinflux.send_legacy(srv, 2, 25, first_dev=1)
    s = backlog(port, 50, 15)
    first_ts = sdinflux.wait_spool(srv, 60)[10]["ts"] / 1e9
    t0 = time.time()
    s = scrape(port)
    t1 = time.time()
    age1 = sdmetrics.value(s, "sockdeck_sink_oldest_age_seconds",
                           sink="influx")
    check(t0 - first_ts - 0.01 <= age1 <= t1 - first_ts + 0.01,
          "oldest age %r, the first undelivered reading %.3f..%.3f s old"
          % (age1, t0 - first_ts, t1 - first_ts))
    st = sdinflux.sink_status(srv, "influx")
    check(st["backlog_readings"] == 50 and st["backlog_exact"] is True and
          st["oldest_age_s"] >= age1, "status.sinks influx %r" % st)
    time.sleep(1.5)
    age2 = sdmetrics.value(scrape(port), "sockdeck_sink_oldest_age_seconds",
                           sink="influx")
    check(age2 >= age1 + 1.4, "oldest age %r then %r 1.5 s later"
          % (age1, age2))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    # Restarted with the backlog left, its cursor mid-segment: the
    # earlier run's segment is counted off the loop, and the count holds.
    srv2 = server(db, data_dir=srv.dir)
    port = srv2.metrics_port
    backlog(port, 50, 15)

    db.start()
    s = backlog(port, 0, 40)
    s = sdmetrics.wait_metric(port, "sockdeck_sink_delivered_total",
                              lambda v: v == 50, 10, sink="influx")
    check(db.wait_count("sd", 60, timeout=20) == 60, "influx has not 60")
    check(sdmetrics.value(s, "sockdeck_sink_oldest_age_seconds",
                          sink="influx") == 0, "oldest age once delivered")
    s = scrape(port)
    buckets, total, count = sdmetrics.histogram(s, AGE, sink="influx")
    check(count == 50, "%s_count %r, 50 delivered" % (AGE, count))
    le1 = [c for le, c in buckets if le == 1.0]
    check(le1 == [0], "readings held back for seconds counted at or under "
          "1 s: %r" % buckets)
    check(total >= 50 * 1.5, "%s_sum %r for 50 readings over 1.5 s old"
          % (AGE, total))
    check(srv2.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=110)
