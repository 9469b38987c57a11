#!/usr/bin/env python3
"""Retention never removes the segment a sink's saved cursor names, so
restarts never find a cursor pointing at nothing (a false "cannot be
trusted", and a redelivery from the oldest segment kept). With InfluxDB
taking everything and --spool-retain 0: a run delivers readings and
stops; an idle run lets retention look for a few seconds (nothing to
wait for: the point is that nothing happens) and stops; a third run
logs no cursor warning, and delivers its new readings, every reading
once in all. (sockdeckd(1): --spool-retain, FILES.)"""
import time

import sdinflux
import sdpeer
from sdpeer import check


def test():
    rec = sdinflux.Recorder()
    extra = ["--influx-url", rec.url, "--influx-db", "sd",
             "--influx-flush-ms", "50", "--spool-retain", "0"]
    srv = sdpeer.Server(extra=extra).start()
    sent = sdinflux.send_legacy(srv, 1, 20)
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >= 20 and
                       e["backlog_bytes"] == 0, timeout=10, what="delivery")
    check(srv.stop() == 0, "exit status after SIGTERM not 0 (run 1)")

    idle = sdpeer.Server(extra=extra, data_dir=srv.dir).start()
    time.sleep(2.5)     # retention runs once a second
    check(idle.stop() == 0, "exit status after SIGTERM not 0 (run 2)")

    last = sdpeer.Server(extra=extra, data_dir=srv.dir).start()
    sent |= sdinflux.send_legacy(last, 1, 20, first_dev=1)
    sdinflux.wait_sink(last, "influx", lambda e: e["delivered"] >= 20 and
                       e["backlog_bytes"] == 0, timeout=10, what="delivery")
    bad = [e for s in (idle, last) for e in s.find_events("error")
           if "cursor" in str(e.get("reason"))]
    check(not bad, "cursor warnings after clean restarts: %r" % bad)
    check(last.stop() == 0, "exit status after SIGTERM not 0 (run 3)")
    lines = [l for r in rec.snapshot() if r["status"] == 204
             for l in sdinflux.body_lines(r)]
    check(len(lines) == len(set(lines)) == len(sent), "%d lines delivered "
          "(%d distinct) for %d readings" % (len(lines), len(set(lines)),
                                             len(sent)))
    rec.stop()


sdpeer.run(test)
