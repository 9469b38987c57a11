#!/usr/bin/env python3
"""--spool-max reached while InfluxDB is unreachable:
- `--spool-full block` (default): the server stops reading the
  connection that sends readings (the readings total stops growing and a
  message sent after the readings gets no reply), a `sink` event and
  status.sinks say `blocked`; once an endpoint answers on the sink's port
  the backlog drains, the connection is read again, every reading is
  stored and delivered;
- `--spool-full drop-oldest`: the readings keep flowing (all stored, the
  reply comes), status.sinks influx counts dropped > 0.
(SPEC-sinks.md: Flags/--spool-max, --spool-full block|drop-oldest;
Events/sink state blocked; Status/dropped.)"""
import threading
import time

import sdinflux
import sdpeer
import sdwire
from sdpeer import check

N = 20000          # ~1.4 MB of spool lines, over 20 times --spool-max


def totals(srv):
    return srv.ctl({"cmd": "status"})["status"]["totals"]["readings"]


def test():
    port = sdpeer.free_port()          # nothing listens here (yet)
    url = "http://127.0.0.1:%d" % port
    srv = sdpeer.Server(extra=["--influx-url", url, "--influx-db", "sd",
                               "--influx-flush-ms", "100",
                               "--spool-max", "64k"]).start()
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    data = b"".join(sdwire.legacy_sensor(sdpeer.DEV, i * 0.25)
                    for i in range(N)) + sdwire.legacy_msg(sdpeer.DEV, "end")
    sender = threading.Thread(target=lambda: s.sendall(data), daemon=True)
    s.settimeout(60)
    sender.start()
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "blocked", timeout=15)
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["state"] ==
                            "blocked", timeout=5, what="state blocked")
    n1 = totals(srv)
    sdpeer.log("blocked: %d readings read, sink %r" % (n1, st))
    time.sleep(1.0)
    n2 = totals(srv)
    check(n1 == n2 and n2 < N, "readings total moved from %d to %d while "
          "blocked (of %d)" % (n1, n2, N))
    check(st["backlog_bytes"] >= 48 * 1024, "blocked with backlog %r < "
          "--spool-max" % st["backlog_bytes"])
    check(st["backlog_bytes"] <= 1024 * 1024, "backlog %r far above the "
          "64k --spool-max" % st["backlog_bytes"])
    got = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=0.5)
    check(got == b"", "reply %r while the connection is blocked" % got)

    rec = sdinflux.Recorder(port=port)           # the sink can deliver now
    mark = srv.mark()
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "end"), timeout=40,
                        what="reply once the backlog drained")
    srv.wait_event("sink", lambda e: e.get("name") == "influx" and
                   e.get("state") == "ok", timeout=10, since=mark)
    check(totals(srv) == N, "readings total %d, expected %d"
          % (totals(srv), N))
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] ==
                            0, timeout=20, what="backlog 0")
    check(st["dropped"] == 0, "dropped %r with --spool-full block"
          % st["dropped"])
    lines = [l for r in rec.snapshot() if r["status"] == 204
             for l in sdinflux.body_lines(r)]
    check(sorted(set(lines)) == sorted(srv.readings_lines()),
          "the endpoint did not get every spool line")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()

    # drop-oldest: never blocks, counts what it dropped
    dead = "http://127.0.0.1:%d" % sdpeer.free_port()
    srv = sdpeer.Server(extra=["--influx-url", dead, "--influx-db", "sd",
                               "--spool-max", "64k", "--spool-full",
                               "drop-oldest"]).start()
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    s.settimeout(30)
    s.sendall(data)
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "end"), timeout=30,
                        what="reply after the readings (drop-oldest)")
    check(totals(srv) == N, "readings total %d, expected %d (drop-oldest "
          "must not block)" % (totals(srv), N))
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["dropped"] > 0,
                            timeout=10, what="dropped > 0")
    check(st["state"] != "blocked", "drop-oldest sink state blocked")
    check(st["backlog_bytes"] <= 1024 * 1024, "backlog %r far above the "
          "64k --spool-max with drop-oldest" % st["backlog_bytes"])
    check(not srv.find_events("sink", lambda e: e.get("state") ==
                              "blocked"), "a blocked sink event with "
          "drop-oldest")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=90)
