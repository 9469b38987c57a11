#!/usr/bin/env python3
"""Failed delivery reports (issue 13): with --kafka-opt
message.timeout.ms=1500 and every broker of the mock cluster down for
longer, librdkafka reports the records sent meanwhile as failed
(message timed out), round after round as the sink produces them again.
- the sink turns `failing` with a reason naming the failed report and
  the error; status `delivered` does not count failed reports (it stays
  at the readings delivered before the outage), `retries` counts them;
- the cursor passes no reading whose report failed: kafka.cursor (read
  after a second round of failures, so well past the cursor's 200 ms to
  1 s delay) and status `backlog_bytes` stay at the first reading sent
  during the outage;
- once the brokers are back, every reading is in the topic: none
  missing, a second copy only of readings sent during the outage, the
  key the device, one key in one partition with the last copies in
  spool order (sdkafka.check_records); `delivered` no more than the
  records in the topic;
- the same outage again, then a clean stop (SIGTERM) in that state: the
  cursor file still stands at the first reading sent during this outage,
  the restarted server (brokers still down) reports the rest as backlog
  and fails its reports too, and once the brokers are back nothing is
  lost.
(SPEC-sinks.md: Promises/Kafka; sockdeckd(1): DELIVERY.)"""
import os
import time

import sdinflux
import sdkafka
import sdpeer
from sdpeer import check

sdkafka.require()

TIMEOUT_MS = 1500
A, B, C = 100, 120, 80       # readings before, in the 1st, in the 2nd outage


def cursor_at(srv, n, what, timeout=10.0):
    """Wait until kafka.cursor stands at spool line n (it is written
    within a second once delivery pauses)."""
    deadline = time.monotonic() + timeout
    while sdkafka.cursor_index(srv.sensors_dir) != n:
        check(time.monotonic() < deadline, "kafka.cursor at spool line %d "
              "%s, expected %d" % (sdkafka.cursor_index(srv.sensors_dir),
                                   what, n))
        time.sleep(0.1)


def tail_bytes(srv, n):
    """Bytes of the spool from line n on (a backlog from there)."""
    return sum(len(line.encode()) + 1 for line in srv.readings_lines()[n:])


def failed_reports(srv, since, what):
    """The `sink` event that says a delivery report failed."""
    ev = srv.wait_event("sink", lambda e: e.get("name") == "kafka" and
                        "delivery failed" in (e.get("reason") or ""),
                        timeout=30, since=since)
    check(ev.get("state") == "failing" and
          "timed out" in ev["reason"], "the failed report's event %s does "
          "not name the error (message timed out): %r" % (what, ev))
    return ev


def outage_checks(srv, retries, delivered, line, n, what):
    """Every broker down since the sink had `retries` failed reports and
    `delivered` ones, with the cursor at spool line `line` and the n
    readings from there not delivered: wait until all n failed once and
    a second round (produced again from the cursor) began to fail, at
    least message.timeout.ms later (or until what must not move moved);
    by then neither `delivered` nor the cursor (file and backlog) may
    have moved."""
    want = tail_bytes(srv, line)
    st = sdinflux.wait_sink(
        srv, "kafka", lambda e: e["retries"] > retries + n or
        e["delivered"] != delivered or e["backlog_bytes"] != want or
        sdkafka.cursor_index(srv.sensors_dir) != line, timeout=30,
        what="a second round of failed reports " + what)
    sdpeer.log("%s: %r" % (what, st))
    check(st["delivered"] == delivered, "status says %d delivered %s; %d "
          "were before it and no broker took any since: failed reports "
          "counted as delivered" % (st["delivered"], what, delivered))
    check(st["state"] == "failing", "sink state %r %s" % (st["state"], what))
    check(st["backlog_bytes"] == want, "backlog %d bytes %s, expected %d "
          "(every byte from the first reading not delivered)"
          % (st["backlog_bytes"], what, want))
    at = sdkafka.cursor_index(srv.sensors_dir)
    check(at == line, "kafka.cursor at spool line %d %s: it passed "
          "readings whose delivery reports failed (expected %d)"
          % (at, what, line))


def test():
    k = sdkafka.Kafka(["sensors:3"]).start()
    # Each round of failed reports may add a copy of what was delivered
    # after a failed record (SPEC-sinks.md): with the brokers retried
    # every 300 ms at most, all of them are back within one round, so
    # at most one round is partial and no reading has more than 2.
    extra = ["--kafka-brokers", k.bootstrap, "--kafka-opt",
             "message.timeout.ms=%d" % TIMEOUT_MS, "--kafka-opt",
             "reconnect.backoff.max.ms=300"]
    srv = sdpeer.Server(extra=extra).start()
    sdinflux.send_legacy(srv, 2, A // 2, first_dev=0)
    k.check_delivered(srv, A, "sensors", "before the outage")
    cursor_at(srv, A, "before the outage")

    # the first outage, the brokers back while the server runs
    mark = srv.mark()
    r0 = sdinflux.sink_status(srv, "kafka")["retries"]
    k.down(-1)
    sdinflux.send_legacy(srv, 3, B // 3, first_dev=2)
    check(len(sdinflux.wait_spool(srv, A + B)) == A + B, "spool short")
    outage_checks(srv, r0, A, A, B, "in the outage")
    failed_reports(srv, mark, "in the outage")
    k.up(-1)
    recs = k.check_delivered(srv, A + B, "sensors", "after the outage",
                             redo_from=A)
    st = sdinflux.sink_status(srv, "kafka")
    check(st["delivered"] >= A + B, "delivered %d after the outage, "
          "expected at least %d" % (st["delivered"], A + B))
    sdpeer.log("after the outage: %d records, status %r" % (len(recs), st))
    cursor_at(srv, A + B, "after the outage")

    # the second outage, a clean stop in it, a restart, the brokers back
    mark = srv.mark()
    k.down(-1)
    sdinflux.send_legacy(srv, 2, C // 2, first_dev=5)
    check(len(sdinflux.wait_spool(srv, A + B + C)) == A + B + C,
          "spool short")
    failed_reports(srv, mark, "in the second outage")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    at = sdkafka.cursor_index(srv.sensors_dir)
    check(at == A + B, "kafka.cursor at spool line %d after a clean stop "
          "in the outage, expected %d" % (at, A + B))

    srv2 = sdpeer.Server(extra=extra, data_dir=srv.dir).start()
    st = sdinflux.sink_status(srv2, "kafka")
    check(st["backlog_bytes"] == tail_bytes(srv2, A + B),
          "backlog %d bytes after the restart, expected %d"
          % (st["backlog_bytes"], tail_bytes(srv2, A + B)))
    outage_checks(srv2, 0, 0, A + B, C, "after the restart")
    failed_reports(srv2, 0, "after the restart")
    k.up(-1)
    k.check_delivered(srv2, A + B + C, "sensors", "after the restart",
                      redo_from=A)
    check(srv2.stop() == 0, "exit status after SIGTERM not 0")
    check(os.path.exists(os.path.join(srv.sensors_dir, "kafka.cursor")),
          "no kafka.cursor")


sdpeer.run(test, deadline=110)
