#!/usr/bin/env python3
"""A sink's position is always known (issue 12, item 3). The data
directory holds readings of an earlier run in two segments, and the
InfluxDB sink's cursor is, case by case:
- missing (the sink is configured for the first time),
- empty, garbage, out of range (a segment that is not there),
- a negative offset,
- valid, but a directory stands where a segment should be.
Each time every earlier reading reaches a real influxd (distinct
timestamps and values counted, not points), an `error` event names the
sink and the cursor file and says why (or, for the directory, names the
entry that is no segment), status.sinks shows a backlog of at least the
earlier readings while the database is missing, and the cursor is saved
as `SEGMENT OFFSET` again. (sockdeckd(1): FILES, SINK.cursor.)"""
import os
import tempfile
import time

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()

T0 = 1700000000000000000
PER = 40


def line(i):
    return ("sensor,Mac-Address=02:00:00:00:00:%02x value=%d %d\n"
            % (i % 7, 1000 + i, T0 + i * 1000)).encode()


def plant(d, case):
    """Segments 1 and 2 (3 for the directory case), PER readings each;
    the cursor as the case wants. The readings' timestamps."""
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    seqs = [1, 3] if case == "directory" else [1, 2]
    want = set()
    size = 0
    for k, seq in enumerate(seqs):
        body = b"".join(line(k * PER + i) for i in range(PER))
        want |= {T0 + (k * PER + i) * 1000 for i in range(PER)}
        size += len(body)
        with open(os.path.join(sensors, "readings-%08d.lp" % seq),
                  "wb") as f:
            f.write(body)
    if case == "directory":
        os.mkdir(os.path.join(sensors, "readings-00000002.lp"))
    cursor = {"empty": b"", "garbage": b"\x00\xffnot a cursor\n",
              "out-of-range": b"99 0\n", "negative": b"1 -5\n",
              "directory": b"1 0\n"}.get(case)
    if cursor is not None:
        with open(os.path.join(sensors, "influx.cursor"), "wb") as f:
            f.write(cursor)
    return want, size


def run_case(db, case):
    d = tempfile.mkdtemp(prefix="sdtest-")
    want, size = plant(d, case)
    name = "c_" + case.replace("-", "_")
    srv = sdpeer.Server(data_dir=d, extra=[
        "--influx-url", db.url, "--influx-db", name,
        "--influx-flush-ms", "50", "--influx-batch", "25"]).start()
    cur = os.path.join(srv.sensors_dir, "influx.cursor")
    if case == "directory":
        ev = srv.wait_event("error", lambda e: "readings-00000002.lp" in
                            str(e.get("reason")), timeout=5)
    else:
        ev = srv.wait_event("error", lambda e: "influx" in
                            str(e.get("reason")) and cur in
                            str(e.get("reason")), timeout=5)
        if case != "missing":
            check("trusted" in ev["reason"], "%s: the event does not say "
                  "the cursor cannot be trusted: %r" % (case, ev))
    sdpeer.log("%s: %s" % (case, ev["reason"]))
    # The database does not exist yet: nothing is delivered, and the
    # backlog counts every earlier reading.
    st = sdinflux.sink_status(srv, "influx")
    check(st["backlog_bytes"] >= size, "%s: backlog %r while %d bytes of "
          "readings wait" % (case, st["backlog_bytes"], size))
    db.create_db(name)
    got = db.wait_count(name, len(want), timeout=30)
    pts = db.points(name)
    tss = {p[0] for p in pts}
    vals = {p[2] for p in pts}
    check(tss == want, "%s: %d of %d readings delivered (%d points)"
          % (case, len(tss & want), len(want), got))
    check(len(vals) == len(want), "%s: %d distinct values, expected %d"
          % (case, len(vals), len(want)))
    sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=10, what="backlog 0")
    check(srv.stop() == 0, "%s: exit status after SIGTERM not 0" % case)
    with open(cur, "rb") as f:
        text = f.read()
    parts = text.split()
    check(text.endswith(b"\n") and len(parts) == 2 and
          all(p.isdigit() for p in parts), "%s: cursor now %r" % (case, text))


def test():
    db = sdinflux.Influx().start()
    for case in ("missing", "empty", "garbage", "out-of-range", "negative",
                 "directory"):
        t = time.monotonic()
        run_case(db, case)
        sdpeer.log("%s: done in %.1fs" % (case, time.monotonic() - t))


sdpeer.run(test, deadline=110)
