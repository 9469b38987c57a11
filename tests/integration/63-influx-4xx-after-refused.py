#!/usr/bin/env python3
"""A 4xx that follows another failure is reported too: with nothing
listening at --influx-url the sink logs one `sink` event (failing,
connection refused); then an endpoint comes up on that port answering
404 `database not found`, and a second `sink` event names the 404,
once, however often it is retried. Once the endpoint answers 204 every
reading arrives and the sink is `ok` again. (SPEC-sinks.md: 4xx
reported once, with the reason.)"""
import threading
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 20
state = {"db": False}
lock = threading.Lock()


def answer(i):
    with lock:
        if not state["db"]:
            return 404, b'{"error":"database not found: \\"sd\\""}'
    return 204, b""


def influx_events(srv, since=0):
    return [e for e in srv.find_events("sink", lambda e: e.get("name") ==
                                       "influx", since=since)]


def test():
    port = sdpeer.free_ports(1)[0]
    srv = sdpeer.Server(extra=["--influx-url", "http://127.0.0.1:%d" % port,
                               "--influx-db", "sd", "--influx-flush-ms",
                               "100"]).start()
    sdinflux.send_legacy(srv, 1, N)
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "failing", timeout=20)
    rec = sdinflux.Recorder(answer, port=port)
    deadline = time.monotonic() + 40
    while len(rec.snapshot()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    check(len(rec.snapshot()) >= 3, "only %d requests reached the 404 "
          "endpoint within 40s" % len(rec.snapshot()))
    evs = influx_events(srv)
    said = [e for e in evs if "404" in str(e.get("reason"))]
    check(len(said) == 1, "the 404 after a refused connect was reported %d "
          "times (expected once) among %r" % (len(said), evs))
    check(said[0].get("state") == "failing", "404 event %r" % said[0])
    st = sdinflux.sink_status(srv, "influx")
    check("404" in str(st.get("error")), "status error %r" % st.get("error"))

    mark = srv.mark()
    with lock:
        state["db"] = True
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "ok", timeout=40, since=mark)
    sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=10, what="backlog 0")
    lines = [l for r in rec.snapshot() if r["status"] == 204
             for l in sdinflux.body_lines(r)]
    check(sorted(lines) == sorted(srv.readings_lines()) and len(lines) == N,
          "%d lines accepted, expected the %d spool lines once"
          % (len(lines), N))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()


sdpeer.run(test, deadline=120)
