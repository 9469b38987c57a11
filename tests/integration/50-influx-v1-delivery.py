#!/usr/bin/env python3
"""InfluxDB 1.x sink: 2000 legacy readings from 8 connections reach a
private influxd (--influx-url/--influx-db) as exactly 2000 points, with
the spool's device tags, values and timestamps; a recording proxy in
front of influxd saw each spool line accepted (2xx) exactly once (a count
of points cannot: a point written twice is stored once); status.sinks
shows the influx sink `ok`, delivered 2000 and backlog_bytes 0.
(SPEC-sinks.md: Flags/InfluxDB 1.x, Promises/exactly once, Status.)"""
import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()

NDEV, PER = 8, 250


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    proxy = sdinflux.Proxy(db)
    srv = sdpeer.Server(extra=["--influx-url", proxy.url,
                               "--influx-db", "sd",
                               "--influx-flush-ms", "200"]).start()
    sent = sdinflux.send_legacy(srv, NDEV, PER)
    n = NDEV * PER
    got = db.wait_count("sd", n, timeout=20)
    check(got == n, "influx holds %d points, expected %d" % (got, n))
    pts = db.points("sd")
    check(len(pts) == n, "%d points listed, expected %d" % (len(pts), n))
    check({(d, v) for _, d, v in pts} == sent,
          "the (device, value) pairs in InfluxDB differ from those sent")
    sp = sdinflux.spool(srv)
    check(len(sp) == n, "%d spool lines, expected %d" % (len(sp), n))
    want = {(r["ts"], r["tags"]["Mac-Address"], r["value"]) for r in sp}
    check(set(pts) == want, "InfluxDB points differ from the spool: "
          "%d missing, %d extra" % (len(want - set(pts)),
                                    len(set(pts) - want)))
    s = sdinflux.wait_sink(srv, "influx", lambda e: e.get("backlog_bytes")
                           == 0 and e.get("delivered") == n, timeout=10,
                           what="backlog 0 and delivered %d" % n)
    sdinflux.check_sink_keys(s)
    sdinflux.check_accepted_once(proxy, [r["line"] for r in sp])
    check(s["state"] == "ok", "influx sink state %r, expected ok"
          % s["state"])
    check(s["rejects"] == 0 and s["dropped"] == 0,
          "rejects/dropped not 0: %r" % s)
    check(not srv.find_events("sink", lambda e: e.get("state") != "ok"),
          "sink events other than ok: %r" % srv.find_events("sink"))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=60)
