#!/usr/bin/env python3
"""The Kafka sink's position is always known too (issue 12, item 3):
earlier readings in segments 1 and 3 (a directory stands at 2), and
kafka.cursor holding an offset past the end of segment 1. An `error`
event names the sink, the cursor file and why; status.sinks kafka
settles at backlog 0, and then every earlier reading is in the topic
exactly once, one device's records in one partition in spool order
(sdkafka.check_records, through the librdkafka mock cluster and kcat), and
the cursor is saved again. (sockdeckd(1): FILES, SINK.cursor.)"""
import os
import tempfile

import sdinflux
import sdkafka
import sdpeer
from sdpeer import check

sdkafka.require()

T0 = 1700000000000000000
PER = 30


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    lines = []
    for k, seq in enumerate((1, 3)):
        body = b"".join(("sensor,Mac-Address=02:00:00:00:00:%02x value=%d "
                         "%d\n" % (i % 5, k * PER + i,
                                   T0 + k * PER + i)).encode()
                        for i in range(PER))
        lines += body.decode().splitlines()
        with open(os.path.join(sensors, "readings-%08d.lp" % seq),
                  "wb") as f:
            f.write(body)
    os.mkdir(os.path.join(sensors, "readings-00000002.lp"))
    cur = os.path.join(sensors, "kafka.cursor")
    with open(cur, "w") as f:
        f.write("1 999999\n")
    kf = sdkafka.Kafka(["sensors:2"]).start()
    srv = sdpeer.Server(data_dir=d, extra=["--kafka-brokers",
                                           kf.bootstrap]).start()
    ev = srv.wait_event("error", lambda e: "kafka" in str(e.get("reason"))
                        and cur in str(e.get("reason")), timeout=5)
    check("past the end" in ev["reason"], "the event does not say why: %r"
          % ev)
    sdinflux.wait_sink(srv, "kafka", lambda e: e["backlog_bytes"] == 0,
                       timeout=30, what="backlog 0")
    sdkafka.check_records(kf.consume("sensors"),
                          [sdinflux.parse_line(l) for l in lines],
                          after="(delivered from the oldest segment)")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    with open(cur) as f:
        text = f.read()
    check(text.startswith("3 "), "cursor now %r, expected segment 3"
          % text)


sdpeer.run(test, deadline=90)
