#!/usr/bin/env python3
"""`sockdeckd spool replay --sink kafka` sends a time range again through
the Kafka sink (librdkafka's mock cluster, read back with kcat), beside
the running server. The server produces three batches of readings, A, B
and C, a moment apart, to topic `sensors`. replay with the server's
options and --kafka-topic `restored` over them (a topic to rebuild),
--since the first reading of B and --until the first of C, exits 0
saying it delivered |B|: `restored` then holds one record per reading of
B, in order, and nothing else. A second replay into `sensors` itself
adds B's records again (Kafka takes duplicates: sockdeckd(1) says so).
The server's kafka.cursor is the same bytes throughout, and the server
still delivers new readings afterwards. (sockdeckd(1) SPOOL TOOL.)"""
import json
import os

import sdinflux
import sdkafka
import sdpeer
from sdpeer import check

sdkafka.require()


def replay(srv, k, since, until, topic):
    rc, out, err = sdpeer.run_cli(
        ["spool", "replay", "--data-dir", srv.dir, "--kafka-brokers",
         k.bootstrap, "--kafka-topic", topic, "--sink", "kafka",
         "--since", since, "--until", until, "--json"], timeout=60)
    sdpeer.log("replay: %s" % err.strip().replace("\n", "\n# replay: "))
    check(rc == 0, "replay to %s: status %r, stderr %r" % (topic, rc, err))
    check("kafka: done: 50 readings delivered from" in err,
          "replay's summary line: %r" % err)
    summary = json.loads(out)
    check(summary["status"] == "done" and summary["delivered"] == 50,
          "replay's JSON summary: %r" % summary)


def test():
    k = sdkafka.Kafka(["sensors:3", "restored:3"]).start()
    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap,
                               "--kafka-topic", "sensors"]).start()
    a = sdinflux.send_batch(srv, 0, 0)
    b = sdinflux.send_batch(srv, 2, 50)
    sdinflux.send_batch(srv, 4, 100)
    c0 = sdinflux.spool(srv)[100]["ts"]
    check(max(x["ts"] for x in a) < min(x["ts"] for x in b) <
          max(x["ts"] for x in b) < c0, "the batches' timestamps overlap")
    k.check_delivered(srv, 150, "sensors", "before the replay")
    cursor = os.path.join(srv.sensors_dir, "kafka.cursor")
    saved = sdinflux.wait_cursor_at_end(srv, "kafka")

    since = sdinflux.rfc3339(min(x["ts"] for x in b))
    until = sdinflux.rfc3339(c0)
    replay(srv, k, since, until, "restored")
    recs = k.consume_until("restored", 50, settle=0.5)
    sdkafka.check_records(recs, b, after="in the restored topic")

    replay(srv, k, since, until, "sensors")
    recs = k.consume_until("sensors", 200, settle=0.5)
    check(len(recs) == 200, "sensors holds %d records after replaying B "
          "into it, expected 150 + 50" % len(recs))

    with open(cursor, "rb") as f:
        check(f.read() == saved, "the server's cursor file changed")
    check(srv.alive(), "the server stopped during the replay")
    sdinflux.send_batch(srv, 6, 150)
    check(len(k.consume_until("sensors", 250)) == 250,
          "the server's sink did not deliver after the replay")
    check(srv.stop() == 0, "the server's exit status after SIGTERM not 0")


sdpeer.run(test, deadline=120)
