#!/usr/bin/env python3
"""Kafka sink against a librdkafka mock cluster, read back with kcat:
- json (default, topic `sensors`): one record per spool line, key = the
  device MAC, value {"device","value","time"} (+ "channel" for extension
  readings with one), the time being the spool's timestamp; a device's
  records share one partition, in spool order, one record per reading
  (sdkafka check_delivered: read once the sink is ok with backlog 0,
  record by record by partition and offset, not as a set);
  status.sinks kafka delivered = N, ok;
- --extra-tags port,peer: the lines carry port=/peer= tags and the json
  has "port";
- raw: the value printed as the original did (`21.500000`);
- influx: the line itself.
(SPEC-sinks.md: Flags/Kafka, Values json/raw/influx, --extra-tags;
Promises/Kafka.)"""
import json

import sdinflux
import sdkafka
import sdpeer
import sdwire
from sdpeer import check

sdkafka.require()

NDEV, PER = 4, 50


def feed(srv):
    """NDEV*PER legacy readings, and 10 extension readings with channel
    `temp` and 2 without a channel; the spool lines, parsed."""
    sdinflux.send_legacy(srv, NDEV, PER)
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.sensor_batch(1, sdpeer.DEV, [
        (1700000000000000000 + i, 21.5 + i, b"temp") for i in range(10)] + [
        (1700000000000001000 + i, -1.25, b"") for i in range(2)]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    s.close()
    sp = sdinflux.wait_spool(srv, NDEV * PER + 12)
    check(len(sp) == NDEV * PER + 12, "%d spool lines" % len(sp))
    return sp


def run_server(k, extra):
    return sdpeer.Server(extra=["--kafka-brokers", k.bootstrap] +
                         extra).start()


def check_json(recs, port=None):
    """"port" only with --extra-tags."""
    for r in recs:
        v = json.loads(r["value"])
        if port is not None:
            check(v.get("port") == port, "json %r has no \"port\":%d"
                  % (v, port))
        else:
            check("port" not in v, "json %r has a port without "
                  "--extra-tags" % v)


def test():
    k = sdkafka.Kafka(["sensors:3", "tagged:3", "raw:2", "lines:2"]).start()

    srv = run_server(k, [])
    sp = feed(srv)
    recs = k.check_delivered(srv, len(sp), "sensors", "(json, no faults)")
    check_json(recs)
    s = sdinflux.wait_sink(srv, "kafka", lambda e: e["delivered"] ==
                           len(sp) and e["backlog_bytes"] == 0, timeout=10,
                           what="delivered %d, backlog 0" % len(sp))
    sdinflux.check_sink_keys(s)
    check(s["state"] == "ok", "kafka sink state %r" % s["state"])
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    srv = run_server(k, ["--kafka-topic", "tagged", "--extra-tags",
                         "port,peer"])
    sp = feed(srv)
    for r in sp:
        check(r["tags"].get("port") == str(srv.ports[0]) and
              r["tags"].get("peer") == "127.0.0.1",
              "line %r lacks port=%d / peer=127.0.0.1" % (r["line"],
                                                          srv.ports[0]))
    recs = k.check_delivered(srv, len(sp), "tagged", "(--extra-tags)")
    check_json(recs, port=srv.ports[0])
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    srv = run_server(k, ["--kafka-topic", "raw", "--kafka-format", "raw"])
    sp = feed(srv)
    recs = k.check_delivered(srv, len(sp), "raw", "(raw)", fmt="raw")
    check(any(r["value"] == "21.500000" for r in recs),
          "no `21.500000` value")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    srv = run_server(k, ["--kafka-topic", "lines", "--kafka-format",
                         "influx"])
    sp = feed(srv)
    k.check_delivered(srv, len(sp), "lines", "(influx)", fmt="influx")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
