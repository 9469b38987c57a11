#!/usr/bin/env python3
"""A real Prometheus (Debian's prometheus package), started on a free
loopback port in a temporary directory with a scrape config pointing at
sockdeckd's --metrics-listen (scrape_interval 1s), is asked through its
HTTP API (/api/v1/query) until sockdeck_readings_total equals the
readings sent, and says the target is up. (README Monitoring.)"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import sdinflux
import sdmetrics
import sdpeer
from sdpeer import check

if shutil.which("prometheus") is None:
    sdpeer.skip("prometheus not found (install prometheus)")


def query(port, expr):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (
        port, urllib.parse.urlencode({"query": expr}))
    with urllib.request.urlopen(url, timeout=5) as r:
        ans = json.load(r)
    check(ans.get("status") == "success", "query %s: %r" % (expr, ans))
    return ans["data"]["result"]


def test():
    srv = sdmetrics.server()
    d = tempfile.mkdtemp(prefix="sdprom-")
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: sockdeck\n"
                "    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % srv.metrics_port)
    pport = sdpeer.free_port()
    log = open(os.path.join(d, "prometheus.log"), "w")
    prom = subprocess.Popen(
        ["prometheus", "--config.file=" + os.path.join(d, "prometheus.yml"),
         "--storage.tsdb.path=" + os.path.join(d, "data"),
         "--web.listen-address=127.0.0.1:%d" % pport],
        stdout=log, stderr=subprocess.STDOUT, cwd=d)
    try:
        n = len(sdinflux.send_legacy(srv, 3, 400))
        check(n == 1200, "sent %d distinct readings" % n)
        deadline = time.monotonic() + 60
        got = None
        while time.monotonic() < deadline:
            try:
                res = query(pport, "sockdeck_readings_total")
            except OSError:
                res = []
            if res:
                got = float(res[0]["value"][1])
                if got == n:
                    break
            time.sleep(0.5)
        check(got == n, "Prometheus says sockdeck_readings_total %r, "
              "sent %d" % (got, n))
        up = query(pport, 'up{job="sockdeck"}')
        check(up and up[0]["value"][1] == "1", "target not up: %r" % up)
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=10)
        except subprocess.TimeoutExpired:
            prom.kill()
        log.close()
        shutil.rmtree(d, ignore_errors=True)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=110)
