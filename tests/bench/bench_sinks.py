#!/usr/bin/env python3
"""Readings/s from 8 connections into sockdeckd's spool, InfluxDB and
Kafka, each beside a baseline measured in the same run.

  spool    sockdeckd with no sink, --fsync everysec: time until every
           reading is a line of the spool's segments (read back) and the
           segments are fsync'ed
  influx   the same with --influx-url to a private influxd: time until a
           query counts every reading in the run's own database;
           baseline: curl posting the same points pre-batched in
           10,000-line bodies to that influxd, counted the same way
  kafka    the same with --kafka-brokers to librdkafka's mock cluster:
           time until the run's own topic's end offsets (kcat -Q) add up
           to every reading; baseline: kcat -P producing the same count
           to the same cluster, counted the same way

Not a test: it prints a table of medians and the ratio to the baseline.
The same figures, with rsyslog beside Kafka's, are the `sinks` scenario
of tests/bench/run (the code is shared: sdbench.py). Build with
optimisation first (README). Usage:
  bench_sinks.py BUILD_DIR [--quick]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sdbench as B  # noqa: E402
import sdinflux  # noqa: E402  (sdbench put tests/peers on the path)
import sdkafka  # noqa: E402

CONNS = 8


def median_of(runs, f):
    return B.median([f() for _ in range(runs)])


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-rel"
    quick = "--quick" in sys.argv
    B.setup(build)
    runs = 3 if quick else 5
    n_spool = 400000 if quick else 2000000
    n_sink = 100000 if quick else 400000
    rows = []

    with B.session():
        spool = median_of(runs, lambda: B.ingest_timed(
            CONNS, n_spool, ["--fsync", "everysec"],
            lambda srv, n: B.wait_spool_lines(srv, n)[0]))
        rows.append(("spool (fsync everysec)", spool, None, None))

        influx = sdinflux.Influx().start()
        try:
            dbs = iter(range(2 * runs))     # a fresh database a run

            def fresh_db():
                db = "bench%d" % next(dbs)
                influx.create_db(db)
                return db

            def ours_once():
                db = fresh_db()
                return B.ingest_timed(
                    CONNS, n_sink,
                    ["--influx-url", influx.url, "--influx-db", db,
                     "--influx-batch", "10000", "--influx-flush-ms", "100"],
                    B.influx_done(influx, db))
            ours = median_of(runs, ours_once)
            base = median_of(runs, lambda: B.curl_baseline(
                influx, fresh_db(), n_sink, CONNS))
            rows.append(("influx", ours, "curl, 10,000-line bodies", base))
        finally:
            influx.cleanup()

        topics = iter(range(2 * runs))  # a fresh topic a run
        kafka = sdkafka.Kafka(["t%d:3" % i for i in range(2 * runs)]).start()
        try:
            def ours_once():
                topic = "t%d" % next(topics)
                return B.ingest_timed(
                    CONNS, n_sink, ["--kafka-brokers", kafka.bootstrap,
                                    "--kafka-topic", topic],
                    B.kafka_done(kafka, topic))
            ours = median_of(runs, ours_once)
            base = median_of(runs, lambda: B.kcat_baseline(
                kafka, "t%d" % next(topics), n_sink, CONNS))
            rows.append(("kafka (mock cluster)", ours, "kcat -P", base))
        finally:
            kafka.cleanup()

    print("bench_sinks: %d connections, median of %d runs" % (CONNS, runs))
    print("%-24s %14s  %-26s %14s  %s" % ("path", "readings/s", "baseline",
                                         "readings/s", "ratio"))
    for name, ours, bname, base in rows:
        print("%-24s %14.0f  %-26s %14s  %s" % (
            name, ours, bname or "-", "%.0f" % base if base else "-",
            "%.2f" % (ours / base) if base else "-"))


if __name__ == "__main__":
    main()
