#!/usr/bin/env python3
"""`sockdeckd spool replay --sink influx` sends a time range again to a
restored InfluxDB, beside the running server. The server (its sink
configured by a --config file, to a private influxd) stores and delivers
three batches of readings, A, B and C, a moment apart. The database is
then dropped and created again (a restore from an older backup).
replay, given the server's --config file (and an --influx-url over it:
a recording proxy in front of the same influxd), --since the first
reading of B and --until the first of C, exits 0 saying it delivered
|B| readings: influxd then holds exactly B, the proxy saw each of B's
lines accepted once and nothing else, and the summary (--json on stdout)
says done. Meanwhile the server runs on, its influx.cursor file is the
same bytes, and it still stores readings. (sockdeckd(1) SPOOL TOOL.)"""
import json
import os

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    srv = sdpeer.Server()
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("influx-url = %s\ninflux-db = sd\ninflux-flush-ms = 100\n"
                % db.url)
    srv.extra += ["--config", conf]
    srv.start()
    a = sdinflux.send_batch(srv, 0, 0)
    b = sdinflux.send_batch(srv, 2, 50)
    c = sdinflux.send_batch(srv, 4, 100)
    check(max(x["ts"] for x in a) < min(x["ts"] for x in b) and
          max(x["ts"] for x in b) < min(x["ts"] for x in c),
          "the batches' timestamps overlap")
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >= 150 and
                       e["backlog_bytes"] == 0, timeout=30,
                       what="150 delivered")
    check(db.wait_count("sd", 150) == 150, "influxd does not hold 150")
    cursor = os.path.join(srv.sensors_dir, "influx.cursor")
    saved = sdinflux.wait_cursor_at_end(srv, "influx")

    # The restore: a database older than B.
    db.query('DROP DATABASE "sd"', post=True)
    db.create_db("sd")
    check(db.count("sd") == 0, "the dropped database still holds points")

    proxy = sdinflux.Proxy(db)
    since = sdinflux.rfc3339(min(x["ts"] for x in b))
    until = sdinflux.rfc3339(min(x["ts"] for x in c))
    rc, out, err = sdpeer.run_cli(
        ["spool", "replay", "--config", conf, "--data-dir", srv.dir,
         "--influx-url", proxy.url, "--sink", "influx", "--since", since,
         "--until", until, "--json"], timeout=60)
    sdpeer.log("replay: %s" % err.strip().replace("\n", "\n# replay: "))
    check(rc == 0, "replay: status %r, stderr %r" % (rc, err))
    check("influx: done: 50 readings delivered from" in err,
          "replay's summary line: %r" % err)
    summary = json.loads(out)
    check(summary["status"] == "done" and summary["delivered"] == 50 and
          summary["rejected"] == 0 and summary["sink"] == "influx",
          "replay's JSON summary: %r" % summary)

    got = sorted(tuple(p) for p in db.points("sd"))
    want = sorted((x["ts"], x["tags"]["Mac-Address"], x["value"])
                  for x in b)
    check(got == want, "influxd holds %d points after the replay, expected "
          "B's 50: %r..., want %r..." % (len(got), got[:2], want[:2]))
    sdinflux.check_accepted_once(proxy, [x["line"] for x in b], "replay")

    with open(cursor, "rb") as f:
        check(f.read() == saved, "the server's cursor file changed")
    check(srv.alive(), "the server stopped during the replay")
    sdinflux.send_batch(srv, 6, 150)
    check(srv.stop() == 0, "the server's exit status after SIGTERM not 0")


sdpeer.run(test, deadline=120)
