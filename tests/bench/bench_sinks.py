#!/usr/bin/env python3
"""Readings/s from 8 connections into sockdeckd's spool, InfluxDB and
Kafka, each beside a baseline measured in the same run.

  spool    sockdeckd with no sink, --fsync everysec: time until every
           reading is stored (status totals.readings)
  influx   the same with --influx-url to a private influxd: time until the
           sink has delivered every reading; baseline: curl posting the
           same points pre-batched in 10,000-line bodies to that influxd
  kafka    the same with --kafka-brokers to librdkafka's mock cluster;
           baseline: kcat -P producing the same count to the same cluster

Not a test: it prints a table of medians and the ratio to the baseline.
Build with optimisation first (README). Usage:
  bench_sinks.py BUILD_DIR [--quick]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import sdinflux  # noqa: E402
import sdkafka  # noqa: E402
import sdpeer  # noqa: E402

CONNS = 8


def loadgen(build, port, n):
    per = n // CONNS
    subprocess.run([os.path.join(build, "tests/bench/sd_loadgen"),
                    "--conns", str(CONNS), "--count", str(per),
                    "127.0.0.1", str(port)],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return per * CONNS


def until(pred, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise RuntimeError("benchmark step timed out")
        time.sleep(0.02)


def status(srv):
    return srv.ctl({"cmd": "status"})["status"]


def run_server(build, n, extra, done):
    """Start a server, send n readings, return readings/s until done()."""
    os.environ["SOCKDECKD"] = os.path.join(build, "src/sockdeckd")
    srv = sdpeer.Server(extra=["--idle-timeout", "0"] + extra).start()
    try:
        t0 = time.monotonic()
        total = loadgen(build, srv.ports[0], n)
        until(lambda: done(status(srv), total))
        return total / (time.monotonic() - t0)
    finally:
        srv.stop()
        srv.cleanup()


def stored(st, total):
    return st["totals"]["readings"] >= total and st["store"]["pending"] == 0


def delivered(name):
    def pred(st, total):
        return any(s["name"] == name and s["delivered"] >= total
                   for s in st.get("sinks", []))
    return pred


def lines(n):
    # The same lines the server writes for the load generator's values.
    t0 = time.time_ns()
    return ["sensor,Mac-Address=02:00:00:00:%02x:%02x value=%.2f %d"
            % ((i % CONNS) >> 8, i % CONNS, 20 + (i % 1000) / 100.0, t0 + i)
            for i in range(n)]


def curl_baseline(influx, db, n):
    tmp = tempfile.mkdtemp(prefix="sdbench-")
    try:
        ls = lines(n)
        cfg = os.path.join(tmp, "curl.cfg")
        entries = []
        for k in range(0, n, 10000):
            body = os.path.join(tmp, "b%d" % k)
            with open(body, "w") as f:
                f.write("\n".join(ls[k:k + 10000]) + "\n")
            entries.append('url = "%s/write?db=%s&precision=ns"\n'
                           'data-binary = "@%s"\noutput = "/dev/null"\n'
                           % (influx.url, db, body))
        with open(cfg, "w") as c:
            c.write("next\n".join(entries))
        t0 = time.monotonic()
        subprocess.run(["curl", "-s", "-K", cfg], check=True)
        return n / (time.monotonic() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def kcat_baseline(kafka, topic, n):
    # The same keys and the same JSON values the sink produces.
    t0 = time.time_ns()
    data = "".join('02:00:00:00:00:%02x\t{"device":"02:00:00:00:00:%02x",'
                   '"value":%.2f,"time":%d}\n'
                   % (i % CONNS, i % CONNS, 20 + (i % 1000) / 100.0, t0 + i)
                   for i in range(n)).encode()
    t0 = time.monotonic()
    subprocess.run([sdkafka.kcat_binary(), "-P", "-b", kafka.bootstrap,
                    "-t", topic, "-K", "\t", "-X", "acks=all",
                    "-X", "enable.idempotence=true"],
                   input=data, check=True)
    return n / (time.monotonic() - t0)


def median_of(runs, f):
    return statistics.median(f() for _ in range(runs))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-rel"
    os.environ.setdefault("SD_KAFKA_MOCK",
                          os.path.join(build, "tests/kafka/sd_kafka_mock"))
    quick = "--quick" in sys.argv
    runs = 3 if quick else 5
    n_spool = 400000 if quick else 2000000
    n_sink = 100000 if quick else 400000
    rows = []

    spool = median_of(runs, lambda: run_server(build, n_spool, [], stored))
    rows.append(("spool (fsync everysec)", spool, None, None))

    influx = sdinflux.Influx().start()
    try:
        db = "bench"
        influx.create_db(db)
        ours = median_of(runs, lambda: run_server(
            build, n_sink, ["--influx-url", influx.url, "--influx-db", db,
                            "--influx-batch", "10000",
                            "--influx-flush-ms", "100"],
            delivered("influx")))
        base = median_of(runs, lambda: curl_baseline(influx, db, n_sink))
        rows.append(("influx", ours, "curl, 10,000-line bodies", base))
    finally:
        influx.cleanup()

    kafka = sdkafka.Kafka(["sensors:3", "base:3"]).start()
    try:
        ours = median_of(runs, lambda: run_server(
            build, n_sink, ["--kafka-brokers", kafka.bootstrap],
            delivered("kafka")))
        base = median_of(runs, lambda: kcat_baseline(kafka, "base", n_sink))
        rows.append(("kafka (mock cluster)", ours, "kcat -P", base))
    finally:
        kafka.stop()

    print("bench_sinks: %d connections, median of %d runs" % (CONNS, runs))
    print("%-24s %14s  %-26s %14s  %s" % ("path", "readings/s", "baseline",
                                         "readings/s", "ratio"))
    for name, ours, bname, base in rows:
        print("%-24s %14.0f  %-26s %14s  %s" % (
            name, ours, bname or "-", "%.0f" % base if base else "-",
            "%.2f" % (ours / base) if base else "-"))


if __name__ == "__main__":
    main()
