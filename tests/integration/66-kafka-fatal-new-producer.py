#!/usr/bin/env python3
"""A fatal producer error leaves librdkafka producing nothing more: the
mock cluster answers the idempotent producer's InitProducerId with
CLUSTER_AUTHORIZATION_FAILED once. The kafka sink says so (a `sink`
event, state failing, reason naming the fatal error), starts a new
producer, and every reading reaches the topic; the sink ends `ok` with
backlog 0. (sockdeckd(1): Sinks, Kafka.)"""

import sdinflux
import sdkafka
import sdpeer
from sdpeer import check

sdkafka.require()

INIT_PRODUCER_ID = 22
CLUSTER_AUTHORIZATION_FAILED = 31
N = 300


def test():
    k = sdkafka.Kafka(["sensors:3"]).start()
    k.fail_requests(INIT_PRODUCER_ID, CLUSTER_AUTHORIZATION_FAILED, 1)
    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap]).start()
    sdinflux.send_legacy(srv, 3, N // 3)
    ev = srv.wait_event("sink", lambda e: e.get("name") == "kafka" and
                        "new producer" in (e.get("reason") or ""),
                        timeout=20)
    check(ev.get("state") == "failing" and
          "CLUSTER_AUTHORIZATION_FAILED" in ev["reason"].upper().replace(
              " ", "_"), "the new producer's event %r" % ev)
    k.check_delivered(srv, N, "sensors", "after the fatal error")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
