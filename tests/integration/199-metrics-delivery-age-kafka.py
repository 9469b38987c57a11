#!/usr/bin/env python3
"""The delivery-age histogram of the Kafka sink, against a librdkafka
mock cluster: extension readings carry their own time, so one stamped
two minutes ago lands in the (60, 300] bucket, one stamped an hour
ahead in the lowest (its age counts as 0), the rest, stamped now, low;
_count is the readings delivered, the buckets cumulative and rising,
_sum at least the old one's 120 s; once delivered the backlog readings
and the oldest age are 0. promtool check metrics passes. (sockdeckd(1)
METRICS.)"""
import shutil
import time

import sdkafka
import sdmetrics
import sdpeer
import sdwire
from sdpeer import check

sdkafka.require()
if shutil.which("promtool") is None:
    sdpeer.skip("promtool not found (install prometheus)")

AGE = "sockdeck_sink_delivery_age_seconds"
N = 20


def test():
    k = sdkafka.Kafka(["sensors:2"]).start()
    srv = sdmetrics.server(extra=["--kafka-brokers", k.bootstrap])
    port = srv.metrics_port
    now = time.time_ns()
    readings = [(now - 120 * 10**9, 1.0, b"old"),
                (now + 3600 * 10**9, 2.0, b"ahead")] + [
        (now + i, 3.0 + i, b"") for i in range(N - 2)]
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.sensor_batch(1, sdpeer.DEV, readings))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    s.close()
    sdmetrics.wait_metric(port, "sockdeck_sink_delivered_total",
                          lambda v: v == N, 20, sink="kafka")
    s = sdmetrics.wait_metric(port, "sockdeck_sink_backlog_readings",
                              lambda v: v == 0, 10, sink="kafka")
    text = sdmetrics.scrape(port)
    sdmetrics.promtool_check(text)
    s = sdmetrics.parse(text)
    check(sdmetrics.value(s, "sockdeck_sink_oldest_age_seconds",
                          sink="kafka") == 0, "oldest age once delivered")
    check(sdmetrics.value(s, "sockdeck_sink_backlog_readings_exact",
                          sink="kafka") == 1, "backlog not exact")
    buckets, total, count = sdmetrics.histogram(s, AGE, sink="kafka")
    by = dict(buckets)
    check(count == N, "%s_count %r, %d delivered" % (AGE, count, N))
    check(by[300.0] - by[60.0] == 1, "the reading two minutes old is not "
          "alone in (60, 300]: %r" % buckets)
    check(by[60.0] == N - 1, "readings over 60 s old besides the old one: "
          "%r" % buckets)
    check(by[0.01] >= 1, "the reading from the future is not in the "
          "lowest bucket: %r" % buckets)
    check(120 <= total < 130, "%s_sum %r" % (AGE, total))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
