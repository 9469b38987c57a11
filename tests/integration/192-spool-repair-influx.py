#!/usr/bin/env python3
"""`sockdeckd spool repair` fixes a real spool without losing a reading
or delivering one twice. Run 1 (an InfluxDB sink, through a recording
proxy to a private influxd) stores and delivers 100 readings: its
cursor stands at the end of its segment. Run 2 (no sink: the cursor
file holds) stores 100 more; beside it, repair is refused (exit 2).
Then a garbage line goes into the middle of run 1's segment (before the
cursor) and of run 2's, and a torn tail on run 2's. repair (exit 0)
moves the garbage and the tail to sensors/rejects/ (each after a line
with its segment and offset), keeps every good line in order, moves the
cursor back by the garbage's bytes, and verify is clean after it. Run 3
with the sink delivers run 2's readings: every reading of both runs
accepted by InfluxDB exactly once, no garbage sent, 200 points stored.
A second repair has nothing to do. (sockdeckd(1) SPOOL TOOL.)"""
import os
import re

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()

GARBAGE = b"not line protocol at all\n"
TORN = b"sensor,Mac-Address=02:00:00:00:00:09 val"


def spool_cli(d, cmd):
    return sdpeer.run_cli(["spool", "--data-dir", d, cmd], timeout=30)


def segments(d):
    return sorted(n for n in os.listdir(os.path.join(d, "sensors"))
                  if re.match(r"^readings-\d{8}\.lp$", n))


def insert(path, after, text):
    """Put text after the first `after` lines of path; its offset."""
    with open(path, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    at = sum(len(l) for l in lines[:after])
    with open(path, "wb") as f:
        f.write(b"".join(lines[:after]) + text + b"".join(lines[after:]))
    return at


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    proxy = sdinflux.Proxy(db)
    extra = ["--influx-url", proxy.url, "--influx-db", "sd",
             "--influx-flush-ms", "100"]
    srv = sdpeer.Server(extra=extra).start()
    d = srv.dir
    sdinflux.send_legacy(srv, 2, 50)
    sdinflux.wait_spool(srv, 100)
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >= 100 and
                       e["backlog_bytes"] == 0, timeout=30,
                       what="100 delivered")
    check(srv.stop() == 0, "run 1: exit status after SIGTERM not 0")
    seg1 = segments(d)[-1]
    cursor = os.path.join(d, "sensors", "influx.cursor")
    with open(cursor) as f:
        before = f.read()
    size1 = os.path.getsize(os.path.join(d, "sensors", seg1))
    check(before == "%d %d\n" % (int(seg1[9:17]), size1), "run 1's cursor "
          "%r is not the end of %s" % (before, seg1))

    srv2 = sdpeer.Server(data_dir=d).start()
    sdinflux.send_legacy(srv2, 2, 50, first_dev=2)
    sdinflux.wait_spool(srv2, 200)
    rc, out, err = spool_cli(d, "repair")
    check(rc == 2 and "in use by sockdeckd (pid %d)" % srv2.pid in err,
          "repair beside a server: status %r, stderr %r" % (rc, err))
    check(srv2.stop() == 0, "run 2: exit status after SIGTERM not 0")
    good = srv2.readings_lines()
    check(len(good) == 200, "%d lines in the spool, expected 200"
          % len(good))
    seg2 = segments(d)[-1]
    p1 = os.path.join(d, "sensors", seg1)
    p2 = os.path.join(d, "sensors", seg2)
    at1 = insert(p1, 30, GARBAGE)
    at2 = insert(p2, 70, GARBAGE)
    with open(p2, "ab") as f:
        f.write(TORN)
    torn_at = os.path.getsize(p2) - len(TORN)
    # The garbage lies before the reading the cursor names: a cursor
    # saved by a sink that had read past it says that reading's offset,
    # now len(GARBAGE) further on.
    with open(cursor, "w") as f:
        f.write("%d %d\n" % (int(seg1[9:17]), size1 + len(GARBAGE)))
    rc, out, err = spool_cli(d, "verify")
    check(rc == 1 and "3 problems" in out, "verify before the repair: "
          "status %r, %r" % (rc, out))

    rc, out, err = spool_cli(d, "repair")
    check(rc == 0 and not err, "repair: status %r, %r %r" % (rc, out, err))
    check("influx.cursor: %s offset %d -> %d" % (seg1, size1 +
          len(GARBAGE), size1) in out, "repair did not say the cursor "
          "moved: %r" % out)
    with open(cursor) as f:
        after = f.read()
    check(after == before, "the cursor says %r after the repair, expected "
          "%r (the same reading)" % (after, before))
    check(sdpeer.readings_lines(os.path.join(d, "sensors")) == good,
          "the repaired spool is not the 200 good lines in order")
    rej = os.path.join(d, "sensors", "rejects")
    with open(os.path.join(rej, seg1 + ".rejects"), "rb") as f:
        r1 = f.read()
    with open(os.path.join(rej, seg2 + ".rejects"), "rb") as f:
        r2 = f.read()
    want1 = (b"# %s offset %d: not line protocol\n" % (seg1.encode(), at1)
             + GARBAGE)
    want2 = (b"# %s offset %d: not line protocol\n" % (seg2.encode(), at2)
             + GARBAGE + b"# %s offset %d: torn tail (no newline)\n"
             % (seg2.encode(), torn_at) + TORN + b"\n")
    check(r1 == want1 and r2 == want2, "rejects/ holds %r and %r, expected "
          "%r and %r" % (r1, r2, want1, want2))
    rc, out, err = spool_cli(d, "verify")
    check(rc == 0, "verify after the repair: status %r, %r" % (rc, out))
    left = [n for n in os.listdir(os.path.join(d, "sensors"))
            if n.endswith((".repair", ".tmp", ".journal"))]
    check(not left, "the repair left %r" % left)

    srv3 = sdpeer.Server(extra=extra, data_dir=d).start()
    sdinflux.wait_sink(srv3, "influx", lambda e: e["backlog_bytes"] == 0
                       and e["delivered"] >= 100, timeout=30,
                       what="run 2's readings delivered")
    check(srv3.stop() == 0, "run 3: exit status after SIGTERM not 0")
    sdinflux.check_accepted_once(proxy, good, "after the repair")
    check(not any("not line protocol" in l or "val" == l[-3:]
                  for l in proxy.sent_lines()),
          "the garbage reached InfluxDB")
    got = db.wait_count("sd", 200, timeout=10)
    check(got == 200, "influxd holds %d points, expected 200" % got)
    rc, out, err = spool_cli(d, "repair")
    check(rc == 0 and "0 segments repaired" in out, "a second repair: "
          "status %r, %r" % (rc, out))


sdpeer.run(test, deadline=120)
