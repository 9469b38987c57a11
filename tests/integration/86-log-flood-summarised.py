#!/usr/bin/env python3
"""One client's 100,000 invalid readings (NaN) give at most a few dozen
log lines: the first few errors of the window, then one `suppressed`
event at the window's end with the count of the rest (id, name of the
kind, count, window, and a reason "N more like this from #ID in 10 s").
The summary is made where events are produced, so `ctl events` sees the
same few lines. Meanwhile another client's messages are all logged and
answered."""
import json
import math
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

N = 100000
M = 300


def test():
    srv = sdpeer.Server()
    srv.start()
    ctl = sdpeer.Control(srv.control_path)
    check(ctl.request({"cmd": "subscribe"}).get("ok") is True, "subscribe")
    seen = []

    def watch():
        while True:
            ev = ctl.readline(timeout=40)
            seen.append(ev)
            if ev.get("event") == "suppressed":
                return
    w = threading.Thread(target=watch, daemon=True)
    w.start()

    a = srv.connect()
    aid = srv.client_event(a)["id"]
    b = srv.connect()
    bid = srv.client_event(b)["id"]
    bad = sdwire.legacy_sensor(sdpeer.DEV, float("nan"))
    check(math.isnan(__import__("struct").unpack("<f", bad[-4:])[0]),
          "test setup: not a NaN reading")
    start = srv.mark()

    def flood():
        chunk = bad * 1000
        for _ in range(N // 1000):
            a.sendall(chunk)
    t = threading.Thread(target=flood, daemon=True)
    t.start()
    fd = srv.client_event(b)["fd"]
    for i in range(M):
        text = "b-%d" % i
        b.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.expect_bytes(b, sdpeer.reply_for(fd, text),
                            what="answer to message %d" % i)
    t.join(60)
    check(not t.is_alive(), "the flood was not taken within 60 s")

    # The window ends within 10 s of the first error; its summary comes
    # with the next second's tick.
    def mine(e):
        return e.get("id") == aid
    srv.wait_event("suppressed", mine, timeout=20, since=start)
    errs = srv.find_events("error", mine, since=start)
    sums = srv.find_events("suppressed", mine, since=start)
    a.close()
    srv.wait_event("disconnect", mine, timeout=10, since=start)
    sums = srv.find_events("suppressed", mine, since=start)
    errs = srv.find_events("error", mine, since=start)
    held = sum(e["count"] for e in sums)
    check(len(errs) + len(sums) <= 40, "%d error and %d suppressed lines "
          "for one client's flood, expected a few dozen at most"
          % (len(errs), len(sums)))
    check(len(errs) + held == N, "%d errors shown + %d counted in "
          "summaries != %d readings" % (len(errs), held, N))
    s = sums[0]
    check(s.get("name") == "error" and s.get("window") in range(1, 11) and
          ("more like this from #%d in" % aid) in s.get("reason", ""),
          "summary fields: %r" % s)
    n = s["count"]
    check(("{:,}".format(n)) in s["reason"], "count not in reason: %r" % s)

    msgs = srv.find_events("message", lambda e: e.get("id") == bid,
                           since=start)
    check(len(msgs) == M, "%d of %d message lines of the other client"
          % (len(msgs), M))
    check(not srv.find_events("log-dropped", since=start),
          "the log lost lines")

    w.join(30)
    check(not w.is_alive(), "ctl events saw no suppressed event")
    cerr = [e for e in seen if e.get("event") == "error" and mine(e)]
    check(len(cerr) <= 20, "ctl events saw %d error lines of the flood"
          % len(cerr))
    b.close()
    check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test, deadline=120)
