#!/usr/bin/env python3
"""A 4xx other than 400 (401: bad credentials) is reported once: while the
endpoint keeps answering 401 the server logs exactly one `sink` event
(name influx) whose reason names the 401, the status shows the error and
counts it; the readings are not lost: once the endpoint answers 204 every
spool line arrives, a `sink` event says `ok`, and nothing was rejected.
(SPEC-sinks.md: Promises/4xx reported once (`sink` event with the
reason) and counted; InfluxDB every reading exactly once.)"""
import os
import threading
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 50
state = {"auth": False}
lock = threading.Lock()


def answer(i):
    with lock:
        if not state["auth"]:
            return 401, b'{"error":"authorization failed"}'
    return 204, b""


def test():
    rec = sdinflux.Recorder(answer)
    srv = sdpeer.Server(extra=["--influx-url", rec.url, "--influx-db", "sd",
                               "--influx-user", "u", "--influx-password",
                               "wrong", "--influx-flush-ms", "100"]).start()
    sdinflux.send_legacy(srv, 1, N)
    deadline = time.monotonic() + 10
    while len(rec.snapshot()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    check(len(rec.snapshot()) >= 4, "only %d requests within 10s (the 401s "
          "are not retried?)" % len(rec.snapshot()))
    evs = srv.find_events("sink", lambda e: e.get("name") == "influx")
    bad = [e for e in evs if e.get("state") != "ok"]
    check(len(bad) == 1, "%d non-ok `sink` events for %d answers 401 "
          "(expected one report): %r" % (len(bad), len(rec.snapshot()), evs))
    check("401" in str(bad[0].get("reason")), "sink event reason %r does "
          "not name the 401" % bad[0].get("reason"))
    st = sdinflux.sink_status(srv, "influx")
    check("401" in str(st.get("error")), "status error %r" % st.get("error"))
    check(st["retries"] + st["rejects"] >= 1, "the 401s are not counted: "
          "%r" % st)
    check(st["backlog_bytes"] > 0, "backlog 0 though nothing was accepted")
    check(not os.path.exists(os.path.join(srv.sensors_dir, "rejects.lp")),
          "readings went to rejects.lp on a 401")

    mark = srv.mark()
    with lock:
        state["auth"] = True
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "ok", timeout=40, since=mark)
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] ==
                            0, timeout=10, what="backlog 0")
    lines = [l for r in rec.snapshot() if r["status"] == 204
             for l in sdinflux.body_lines(r)]
    check(sorted(lines) == sorted(srv.readings_lines()) and len(lines) == N,
          "%d lines accepted, expected the %d spool lines once"
          % (len(lines), N))
    check(st["rejects"] == 0 and st["delivered"] == N,
          "after the 401s: %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()


sdpeer.run(test, deadline=90)
