#!/usr/bin/env python3
"""Kafka records name the node that produced them, and a device's key
lands on the partition Java's producer would pick (issue 20):
- --node-id n-1.a_b: every JSON record (legacy, extension, and spool
  lines written before the server started, as an older sockdeckd wrote
  them) has "node":"n-1.a_b"; all of them delivered;
- without --node-id, "node" is the host name (socket.gethostname());
- with a six-partition topic each key's records are in partition
  murmur2(key) % 6 (Kafka's Utils.murmur2, partitioner=murmur2_random);
- --node-id with a '/', a space, or 65 bytes is refused at start with a
  message naming --node-id; an empty one too.
The batch sequence and index are not in the records yet (see README)."""
import json
import os
import socket
import subprocess
import tempfile

import sdinflux
import sdkafka
import sdpeer
import sdwire
from sdpeer import check

sdkafka.require()

T0 = 1700000000000000000
NPART = 6


def murmur2(data):
    """Kafka's org.apache.kafka.common.utils.Utils.murmur2 (seed
    0x9747b28c), as a signed 32-bit Java int."""
    m, r, n = 0x5bd1e995, 24, len(data)
    h = (0x9747b28c ^ n) & 0xFFFFFFFF
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = n % 4
    if tail == 3:
        h ^= data[n - tail + 2] << 16
    if tail >= 2:
        h ^= data[n - tail + 1] << 8
    if tail >= 1:
        h ^= data[n - tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key, n):
    """Kafka's default partitioner for a keyed record:
    toPositive(murmur2(key)) % n."""
    return (murmur2(key.encode()) & 0x7fffffff) % n


def old_spool(d, n):
    """n lines in a segment as sockdeckd wrote them before node ids."""
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    body = "".join("sensor,Mac-Address=02:00:00:00:01:%02x value=%d %d\n"
                   % (i % 3, i, T0 + i) for i in range(n))
    with open(os.path.join(sensors, "readings-00000001.lp"), "w") as f:
        f.write(body)


def feed(srv):
    sdinflux.send_legacy(srv, 8, 5)
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.sensor_batch(7, sdpeer.DEV, [
        (T0 + 1000 + i, 1.5 + i, b"temp") for i in range(10)]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    s.close()


def check_topic(k, srv, n, topic, node):
    recs = k.check_delivered(srv, n, topic, "(node %s)" % node)
    for r in recs:
        v = json.loads(r["value"])
        check(v.get("node") == node, "record %r: node is not %r"
              % (v, node))
        want = java_partition(r["key"], NPART)
        check(r["partition"] == want, "key %s in partition %d, Java's "
              "murmur2 partitioner says %d" % (r["key"], r["partition"],
                                               want))
    parts = {r["partition"] for r in recs}
    check(len(parts) > 1, "every key in partition %r: nothing told "
          "apart" % parts)
    return recs


def refused(args):
    d = tempfile.mkdtemp(prefix="sdtest-")
    argv = [sdpeer.binary(), "--headless", "--bind", "127.0.0.1",
            "--data-dir", d, "--ports", str(sdpeer.free_port())] + args
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=10)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode != 0 and "--node-id" in err, "%r: status %d, "
          "stderr %r" % (args, p.returncode, err[-300:]))


def test():
    # Java's murmur2 of known keys (its tests: Utils.murmur2 of "21"
    # is -973932308).
    check(murmur2(b"21") == -973932308, "murmur2 is not Kafka's")
    for bad in ["a/b", "a b", "x" * 65, "", "n\u00e9"]:
        refused(["--node-id", bad])

    k = sdkafka.Kafka(["named:%d" % NPART, "host:%d" % NPART]).start()
    d = tempfile.mkdtemp(prefix="sdtest-")
    old_spool(d, 12)
    srv = sdpeer.Server(data_dir=d, extra=[
        "--kafka-brokers", k.bootstrap, "--kafka-topic", "named",
        "--node-id", "n-1.a_b"]).start()
    feed(srv)
    recs = check_topic(k, srv, 12 + 40 + 10, "named", "n-1.a_b")
    check(sum(1 for r in recs if r["key"].startswith("02:00:00:00:01:"))
          == 12, "the old spool lines were not all delivered")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap,
                               "--kafka-topic", "host"]).start()
    feed(srv)
    check_topic(k, srv, 40 + 10, "host", socket.gethostname())
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
