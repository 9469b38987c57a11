#!/usr/bin/env python3
"""/readyz with a private influxd: 200 while it delivers; once influxd
is stopped, 503 naming the failing sink only after --ready-sink-grace
(2 s here) has passed, while /healthz stays 200 and the metrics show the
sink failing; the grace raised to an hour by a reload (it applies live)
makes it 200 again, while another --metrics-listen waits for a restart
(said so by the reload); and it stays 200 once influxd is back and delivers.
Both settings come from the config file. (sockdeckd(1) METRICS.)"""
import os
import tempfile
import time

import sdinflux
import sdmetrics
import sdpeer
from sdpeer import check

sdinflux.require()


def wait_code(port, path, code, timeout):
    deadline = time.monotonic() + timeout
    while True:
        got, _, body = sdmetrics.get(port, path)
        if got == code or time.monotonic() > deadline:
            return got, body
        time.sleep(0.2)


def test():
    db = sdinflux.Influx().start()
    db.create_db("sd")
    # Both keys from the config file, as a service would have them.
    port = sdpeer.free_port()
    conf = os.path.join(tempfile.mkdtemp(prefix="sdconf-"), "sd.conf")
    listen = "metrics-listen = 127.0.0.1:%d\n" % port
    with open(conf, "w") as f:
        f.write(listen + "ready-sink-grace = 2\n")
    srv = sdpeer.Server(extra=["--influx-url", db.url, "--influx-db", "sd",
                               "--influx-flush-ms", "100",
                               "--config", conf]).start()
    sdinflux.send_legacy(srv, 1, 50)
    check(db.wait_count("sd", 50, timeout=15) == 50, "influx has not 50")
    code, body = wait_code(port, "/readyz", 200, 5)
    check(code == 200 and body == b"ready\n", "/readyz %r %r"
          % (code, body))

    db.stop()
    sdinflux.send_legacy(srv, 1, 50, first_dev=1)
    failing_at = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        s = sdmetrics.parse(sdmetrics.scrape(port))
        if sdmetrics.value(s, "sockdeck_sink_state", sink="influx",
                           state="failing") == 1:
            failing_at = time.monotonic()
            break
        time.sleep(0.1)
    check(failing_at is not None, "the metrics never showed influx failing")
    code, body = sdmetrics.get(port, "/readyz")[0::2]
    if time.monotonic() - failing_at < 1.5:
        check(code == 200, "/readyz %r before the grace passed: %r"
              % (code, body))
    code, body = wait_code(port, "/readyz", 503, 10)
    check(code == 503, "/readyz %r with influxd down past the grace"
          % code)
    check(time.monotonic() - failing_at >= 1.5, "503 before the grace")
    check(body.startswith(b"sink influx: failing for ") and
          body.count(b"\n") == 1, "/readyz body %r" % body)
    code, body = sdmetrics.get(port, "/healthz")[0::2]
    check(code == 200, "/healthz %r while a sink fails" % code)
    s = sdmetrics.parse(sdmetrics.scrape(port))
    check(sdmetrics.value(s, "sockdeck_sink_backlog_bytes",
                          sink="influx") > 0, "no backlog while down")

    # The grace applies live: an hour, reloaded, and ready again.
    with open(conf, "w") as f:
        f.write(listen + "ready-sink-grace = 3600\n")
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and r.get("changed") == ["ready-sink-grace"],
          "reload %r" % r)
    code, body = sdmetrics.get(port, "/readyz")[0::2]
    check(code == 200, "/readyz %r with the grace an hour: %r"
          % (code, body))
    # Another metrics address waits for a restart; this one serves on.
    with open(conf, "w") as f:
        f.write("ready-sink-grace = 3600\nmetrics-listen = 127.0.0.1:%d\n"
                % sdpeer.free_port())
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and "metrics-listen" in r.get("restart", []),
          "reload of metrics-listen %r" % r)
    check(sdmetrics.get(port, "/healthz")[0] == 200, "the metrics port "
          "stopped serving after a reload")

    db.start()
    code, body = wait_code(port, "/readyz", 200, 40)
    check(code == 200, "/readyz %r after influxd came back: %r"
          % (code, body))
    check(db.wait_count("sd", 100, timeout=20) == 100, "influx has not 100")
    sdmetrics.wait_metric(port, "sockdeck_sink_delivered_total",
                          lambda v: v == 100, 10, sink="influx")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=110)
