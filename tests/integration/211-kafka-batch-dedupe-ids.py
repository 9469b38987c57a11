#!/usr/bin/env python3
"""Kafka records carry what removes the duplicates of at-least-once
delivery and device failover (issue 20):
- an extension reading's JSON record has "seq" (its batch's sequence)
  and "index" (its place in the batch, from 0), and "node"; a legacy
  reading's has "node" and neither of the others;
- the same batch sent to two nodes (a device that fails over before it
  hears the ACK) makes two records per reading, from nodes n1 and n2,
  with the same (device, seq, index) and the same value and time: that
  key, without the node, drops the copies, leaving each reading once;
- a sequence past INT64_MAX comes out as the device sent it;
- `sockdeckd spool verify` reads the new lines as good ones;
- --field batch_seq is refused (the name is taken).
(sockdeck-protocol(7) DUPLICATES; sockdeckd(1) --kafka-format.)"""
import json
import subprocess

import sdinflux
import sdkafka
import sdpeer
import sdwire
from sdpeer import check

sdkafka.require()

T0 = 1700000000000000000
N = 20


def send_batch(srv, seq, readings):
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.sensor_batch(seq, sdpeer.DEV, readings))
    p = sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    check(sdwire.parse_u64(p) == seq, "ACK %r for batch %d" % (p, seq))
    s.close()


def test():
    p = subprocess.run([sdpeer.binary(), "--field", "batch_seq"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=10)
    check(p.returncode != 0 and b"--field" in p.stderr,
          "--field batch_seq: status %d, %r" % (p.returncode, p.stderr))

    k = sdkafka.Kafka(["sensors:6"]).start()
    batch = [(T0 + i, 0.5 * i, b"temp") for i in range(N)]
    nodes = []
    for node in ("n1", "n2"):
        srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap,
                                   "--node-id", node]).start()
        send_batch(srv, 5, batch)
        nodes.append(srv)
    send_batch(nodes[1], 2**64 - 1, [(T0 + 1000, 7.0, b"big")])
    sdinflux.send_legacy(nodes[0], 2, 3)
    for srv in nodes:
        sdinflux.wait_sink(srv, "kafka", lambda e: e["backlog_bytes"] == 0
                           and e["state"] == "ok", timeout=30,
                           what="backlog 0")
    recs = k.consume_until("sensors", 2 * N + 1 + 6)
    check(len(recs) == 2 * N + 1 + 6, "%d records, expected %d"
          % (len(recs), 2 * N + 1 + 6))
    seen = {}
    legacy = 0
    for r in recs:
        v = json.loads(r["value"])
        check(v.get("node") in ("n1", "n2"), "record %r: no node" % v)
        if v["device"] != sdpeer.DEV_STR:
            check("seq" not in v and "index" not in v and
                  v["node"] == "n1", "legacy record %r" % v)
            legacy += 1
            continue
        key = (v["device"], v["seq"], v["index"])
        seen.setdefault(key, []).append(v)
    check(legacy == 6, "%d legacy records" % legacy)
    big = seen.pop((sdpeer.DEV_STR, 2**64 - 1, 0), None)
    check(big is not None and len(big) == 1 and big[0]["value"] == 7 and
          big[0]["node"] == "n2", "batch 2**64-1: %r" % big)
    check(sorted(seen) == [(sdpeer.DEV_STR, 5, i) for i in range(N)],
          "dedupe keys %r" % sorted(seen)[:5])
    for (dev, seq, i), copies in seen.items():
        check(sorted(c["node"] for c in copies) == ["n1", "n2"],
              "reading %d: copies from %r" % (i, [c["node"] for c in copies]))
        want = (batch[i][0], batch[i][1], "temp")
        check(all((c["time"], c["value"], c.get("channel")) == want
                  for c in copies), "reading %d: %r, expected %r"
              % (i, copies, want))
    for srv in nodes:
        check(srv.stop() == 0, "exit status after SIGTERM not 0")
        rc, out, err = sdpeer.run_cli(["spool", "--data-dir", srv.dir,
                                       "verify"])
        check(rc == 0 and " 0 problems" in out, "spool verify: %d %r %r"
              % (rc, out, err))


sdpeer.run(test, deadline=90)
