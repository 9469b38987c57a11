#!/usr/bin/env python3
"""InfluxDB stopped mid-stream: readings delivered before, readings sent
while it is down and after it is back all end up in InfluxDB exactly
once: a recording proxy in front of influxd saw each spool line accepted
(2xx) exactly once (lines of requests that failed while it was down are
re-sent, and may be), and the status says delivered 1500. While it is
down a `sink` event says `failing`, the status shows the sink failing
and its backlog growing; once it is back a `sink` event says `ok` and
the backlog drains to 0.
(SPEC-sinks.md: Promises/exactly once, 5xx/timeouts/connection errors
retried with backoff; Events/sink; Status/backlog_bytes.)"""
import time

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    proxy = sdinflux.Proxy(db)
    srv = sdpeer.Server(extra=["--influx-url", proxy.url,
                               "--influx-db", "sd",
                               "--influx-flush-ms", "100",
                               "--influx-batch", "200"]).start()
    sent = sdinflux.send_legacy(srv, 2, 250, first_dev=0)
    got = db.wait_count("sd", 500, timeout=15)
    check(got == 500, "before the stop influx holds %d of 500" % got)

    db.stop()
    mark = srv.mark()
    sent |= sdinflux.send_legacy(srv, 2, 250, first_dev=2)
    ev = srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                        e.get("state") == "failing", timeout=10, since=mark)
    check(ev.get("reason"), "failing sink event without a reason: %r" % ev)
    s1 = sdinflux.wait_sink(srv, "influx", lambda e: e.get("state") ==
                            "failing" and e.get("backlog_bytes", 0) > 0,
                            timeout=5, what="state failing with a backlog")
    check(s1.get("error"), "failing sink without an error: %r" % s1)
    sent |= sdinflux.send_legacy(srv, 2, 250, first_dev=4)
    s2 = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] >
                            s1["backlog_bytes"], timeout=5,
                            what="a growing backlog")
    check(s2["state"] == "failing", "sink state %r while influxd is down"
          % s2["state"])
    time.sleep(0.5)

    mark = srv.mark()
    db.start()
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "ok", timeout=40, since=mark)
    n = 1500
    got = db.wait_count("sd", n, timeout=20)
    check(got == n, "after influxd came back it holds %d points, expected "
          "%d" % (got, n))
    pts = db.points("sd")
    sp = sdinflux.spool(srv)
    check(len(sp) == n, "%d spool lines, expected %d" % (len(sp), n))
    check({(d, v) for _, d, v in pts} == sent, "points differ from the "
          "readings sent")
    want = {(r["ts"], r["tags"]["Mac-Address"], r["value"]) for r in sp}
    check(set(pts) == want and len(pts) == n,
          "InfluxDB points differ from the spool: %d missing, %d extra"
          % (len(want - set(pts)), len(set(pts) - want)))
    s = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0
                           and e["state"] == "ok", timeout=10,
                           what="backlog 0, state ok")
    check(s["delivered"] == n, "delivered %r, expected %d"
          % (s["delivered"], n))
    sdinflux.check_accepted_once(proxy, [r["line"] for r in sp])
    failed = [r for r in proxy.snapshot() if r["status"] is None]
    check(failed, "no request failed at the proxy while influxd was down")
    check(s["rejects"] == 0, "rejects %r" % s["rejects"])
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
