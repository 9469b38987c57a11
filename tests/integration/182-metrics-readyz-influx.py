#!/usr/bin/env python3
"""/readyz with a private influxd: 200 while it delivers; once influxd
is stopped, 503 naming the failing sink only after --ready-sink-grace
(2 s here) has passed, while /healthz stays 200 and the metrics show the
sink failing; 200 again once influxd is back and delivers.
(sockdeckd(1) METRICS.)"""
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
    srv = sdmetrics.server(extra=["--influx-url", db.url,
                                  "--influx-db", "sd",
                                  "--influx-flush-ms", "100",
                                  "--ready-sink-grace", "2"])
    port = srv.metrics_port
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

    db.start()
    code, body = wait_code(port, "/readyz", 200, 40)
    check(code == 200, "/readyz %r after influxd came back: %r"
          % (code, body))
    check(db.wait_count("sd", 100, timeout=20) == 100, "influx has not 100")
    s = sdmetrics.parse(sdmetrics.scrape(port))
    check(sdmetrics.value(s, "sockdeck_sink_delivered_total",
                          sink="influx") == 100, "delivered %r" %
          sdmetrics.value(s, "sockdeck_sink_delivered_total",
                          sink="influx"))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=110)
