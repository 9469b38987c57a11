#!/usr/bin/env python3
"""SIGKILL mid-stream with both sinks, restart on the same data
directory: every reading the server acknowledged (SENSOR_ACK) before the
kill is in InfluxDB exactly once after the restart, InfluxDB holds
exactly the spool's readings; a recording proxy in front of influxd saw
every spool line accepted, none twice in one run, and after the restart
only lines from influx.cursor at the kill on sent again: the
unconfirmed tail (at most --influx-batch x --influx-parallel lines) and
as many again confirmed while the writer was saving the cursor, each
sent before the kill; the Kafka topic
holds every spool reading at least once (kcat, when installed): a second
record only for readings from kafka.cursor at the kill on (the
unconfirmed tail), at most two, one device's records in one partition,
the last copies in spool order; and DIR/sensors/influx.cursor and
kafka.cursor exist.
(SPEC-sinks.md: cursors survive restarts and SIGKILL; Promises/InfluxDB
exactly once, Kafka at least once after a restart.)"""
import os
import signal
import threading
import time


import sdinflux
import sdkafka
import sdpeer
import sdwire
from sdpeer import check

sdinflux.require()

T0 = 1700000000000000000
PER = 100
BATCH, PAR = 150, 2


def ts_of(seq, i):
    return T0 + seq * 10**6 + i


def check_influx_tail(proxy, lines, t_restart, icur):
    """The proxy's record of the InfluxDB sink: in each run every line
    accepted (2xx) at most once; every spool line accepted; after the
    restart only lines from the cursor saved at the kill (spool index
    icur) on sent again: at most 2 x BATCH x PAR, each sent before the
    kill."""
    reqs = proxy.snapshot()
    run1 = [r for r in reqs if r["t_conn"] < t_restart]
    run2 = [r for r in reqs if r["t_conn"] >= t_restart]
    acc1, acc2 = proxy.accepted_lines(run1), proxy.accepted_lines(run2)
    sent1 = proxy.sent_lines(run1)
    resent = set(proxy.sent_lines(run2)) & set(sent1)
    early = resent & set(lines[:icur])
    sdpeer.log("influx.cursor at the kill: spool index %d of %d; %d lines "
               "sent again" % (icur, len(lines), len(resent)))
    sdpeer.log("%d lines accepted before the kill (%d sent), %d after "
               "the restart, %d of them sent before"
               % (len(acc1), len(sent1), len(acc2), len(resent)))
    for what, acc in (("before the kill", acc1),
                      ("after the restart", acc2)):
        twice = [l for l, c in acc.items() if c > 1]
        check(not twice, "%s %d lines were accepted more than once, e.g. "
              "%r" % (what, len(twice), twice[:1]))
    check(len(acc1) > BATCH * PAR, "only %d lines accepted before the kill:"
          " a restart sending them all again would pass" % len(acc1))
    got, want = set(acc1) | set(acc2), set(lines)
    check(got == want, "InfluxDB accepted %d lines: %d spool lines never, "
          "%d that are no spool line" % (len(got), len(want - got),
                                         len(got - want)))
    check(not early, "after the restart %d lines before the cursor saved "
          "at the kill were sent again" % len(early))
    # The writer thread saves one position at a time: at the kill the
    # file may still hold the one before the confirmations of the last
    # turn, so as much again as the unconfirmed tail may come twice.
    check(len(resent) <= 2 * BATCH * PAR, "after the restart %d lines "
          "sent before the kill were sent again: more than the unconfirmed "
          "tail (--influx-batch %d x --influx-parallel %d) and as many "
          "confirmed while the cursor was being saved"
          % (len(resent), BATCH, PAR))


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    proxy = sdinflux.Proxy(db)
    extra = ["--influx-url", proxy.url, "--influx-db", "sd",
             "--influx-flush-ms", "50", "--influx-batch", str(BATCH),
             "--influx-parallel", str(PAR)]
    k = None
    if sdkafka.kcat_binary() and sdkafka.mock_binary():
        k = sdkafka.Kafka(["sensors:3"]).start()
        extra += ["--kafka-brokers", k.bootstrap]
    else:
        sdpeer.part_skipped("kcat or SD_KAFKA_MOCK missing: InfluxDB "
                            "only")
    srv = sdpeer.Server(extra=extra).start()
    s = srv.connect()
    sdpeer.hello(s)
    acked = set()
    stop = threading.Event()

    def reader():
        buf = b""
        s.settimeout(0.2)
        while not stop.is_set():
            try:
                chunk = s.recv(65536)
            except OSError:
                continue
            if not chunk:
                return
            buf += chunk
            frames, buf = sdwire.split_frames(buf)
            for t, p in frames:
                if t == sdwire.T_SENSOR_ACK:
                    acked.add(sdwire.parse_u64(p))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    seq = 0
    killed_at = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seq += 1
        try:
            s.sendall(sdwire.sensor_batch(seq, sdpeer.DEV, [
                (ts_of(seq, i), seq + i / 1000, b"t") for i in range(PER)]))
        except OSError:
            break
        time.sleep(0.005)
        if len(acked) >= 20 and db.count("sd") > 2 * BATCH * PAR:
            # a burst of batches still in flight, then SIGKILL at once
            burst = b"".join(sdwire.sensor_batch(q, sdpeer.DEV, [
                (ts_of(q, i), q + i / 1000, b"t") for i in range(PER)])
                for q in range(seq + 1, seq + 31))
            seq += 30
            try:
                s.sendall(burst)
            except OSError:
                pass
            time.sleep(0.002)
            srv.stop(signal.SIGKILL)
            killed_at = seq
            break
    check(killed_at is not None, "never got 20 acks and %d points in "
          "influx (acks %d, points %d)" % (2 * BATCH * PAR, len(acked),
                                           db.count("sd")))
    stop.set()
    th.join(2)
    s.close()
    acked_seqs = set(acked)
    before = db.count("sd")
    sdpeer.log("killed after batch %d: %d acked, %d points delivered"
               % (killed_at, len(acked_seqs), before))

    # where each sink's saved cursor stood at the kill
    icur = sdkafka.cursor_index(srv.sensors_dir, "influx")
    if k is not None:
        # only what was not confirmed before the kill may come twice
        kcur = sdkafka.cursor_index(srv.sensors_dir)
    t_restart = time.monotonic()
    srv2 = sdpeer.Server(extra=extra, data_dir=srv.dir).start()
    want = {r["ts"] for r in sdinflux.spool(srv2)}
    must = {ts_of(q, i) for q in acked_seqs for i in range(PER)}
    check(must <= want, "%d acknowledged readings are not in the spool "
          "after the restart" % len(must - want))
    sdinflux.wait_sink(srv2, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=20, what="backlog 0 after the restart")
    got = db.wait_count("sd", len(want), timeout=10)
    pts = db.points("sd")
    tss = [p[0] for p in pts]
    check(len(tss) == len(set(tss)) == got,
          "duplicate timestamps in InfluxDB")
    check(set(tss) == want, "InfluxDB differs from the spool: %d missing "
          "(%d of them acknowledged), %d extra"
          % (len(want - set(tss)), len(must - set(tss)),
             len(set(tss) - want)))
    vals = {p[0]: p[2] for p in pts}
    for q in list(acked_seqs)[:50]:
        check(vals.get(ts_of(q, 7)) == q + 7 / 1000, "batch %d reading 7 "
              "value %r" % (q, vals.get(ts_of(q, 7))))
    cur = os.path.join(srv.sensors_dir, "influx.cursor")
    check(os.path.exists(cur), "no %s" % cur)
    check_influx_tail(proxy, srv2.readings_lines(), t_restart, icur)
    if k is not None:
        sdinflux.wait_sink(srv2, "kafka", lambda e: e["backlog_bytes"] == 0,
                           timeout=20, what="kafka backlog 0")
        sdkafka.check_records(
            k.consume("sensors"), sdinflux.spool(srv2), redo_from=kcur,
            after="after the restart (kafka.cursor at the kill: spool "
            "index %d of %d)" % (kcur, len(want)))
        cur = os.path.join(srv.sensors_dir, "kafka.cursor")
        check(os.path.exists(cur), "no %s" % cur)
    check(srv2.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
