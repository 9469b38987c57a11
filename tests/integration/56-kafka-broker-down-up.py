#!/usr/bin/env python3
"""Every broker of the mock cluster goes down mid-stream and comes back:
readings sent before, during and after the outage are all in the topic,
each exactly once (the outage is far shorter than message.timeout.ms, so
no delivery report fails and nothing is produced again: the idempotent
producer's retries make no copies), one device's records in one
partition in spool order; status `delivered` is no more than the records;
the kafka sink ends `ok` with backlog 0.
(SPEC-sinks.md: Promises/Kafka, every reading at least once.)"""
import time

import sdinflux
import sdkafka
import sdpeer
from sdpeer import check

sdkafka.require()

N = 700


def test():
    k = sdkafka.Kafka(["sensors:3"]).start()
    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap]).start()
    sdinflux.send_legacy(srv, 2, 100, first_dev=0)
    recs = k.consume_until("sensors", 200, timeout=20)
    check(len(recs) >= 200, "before the outage %d of 200 records"
          % len(recs))

    k.down(-1)
    mark = srv.mark()
    sdinflux.send_legacy(srv, 2, 150, first_dev=2)
    time.sleep(3)
    failing = srv.find_events("sink", lambda e: e.get("name") == "kafka"
                              and e.get("state") == "failing", since=mark)
    st = sdinflux.sink_status(srv, "kafka")
    sdpeer.log("during the outage: %d failing events, status %r"
               % (len(failing), st))
    check(st["backlog_bytes"] > 0, "backlog 0 while every broker is down: "
          "%r" % st)
    sdinflux.send_legacy(srv, 1, 100, first_dev=4)
    k.up(-1)
    sdinflux.send_legacy(srv, 1, 100, first_dev=5)

    k.check_delivered(srv, N, "sensors", "after the brokers came back")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
