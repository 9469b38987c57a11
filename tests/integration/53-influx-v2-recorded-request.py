#!/usr/bin/env python3
"""The InfluxDB requests as sent, recorded by a local HTTP endpoint:
2.x (--influx-org/-bucket/-token, --influx-gzip) → POST
/api/v2/write?org=O&bucket=B&precision=ns, `Authorization: Token T`,
`Content-Encoding: gzip`, `Content-Type: text/plain; charset=utf-8`, the
gunzipped bodies are the spool's lines in order; 1.x with --influx-user
and --influx-password → POST /write?db=NAME&precision=ns with basic auth
and a plain body; --influx-batch caps the lines per request.
(SPEC-sinks.md: Flags/InfluxDB 1.x and 2.x/3.x, --influx-batch,
--influx-gzip, Body.)"""
import base64
import time

import sdinflux
import sdpeer
from sdpeer import check

N = 300


def wait_lines(rec, n, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        reqs = [r for r in rec.snapshot() if r["status"] == 204]
        lines = [l for r in reqs for l in sdinflux.body_lines(r)]
        if len(lines) >= n or time.monotonic() > deadline:
            return reqs, lines
        time.sleep(0.1)


def check_common(r):
    check(r["method"] == "POST", "method %r" % r["method"])
    ct = r["headers"].get("content-type", "")
    check(ct.replace(" ", "").lower() == "text/plain;charset=utf-8",
          "Content-Type %r" % ct)


def test():
    rec = sdinflux.Recorder()
    srv = sdpeer.Server(extra=[
        "--influx-url", rec.url, "--influx-org", "sd-org",
        "--influx-bucket", "sd-bucket", "--influx-token", "T0k3n-xyz",
        "--influx-gzip", "--influx-flush-ms", "200",
        "--influx-parallel", "1"]).start()
    sdinflux.send_legacy(srv, 3, N // 3)
    reqs, lines = wait_lines(rec, N)
    check(len(lines) == N, "%d lines reached the endpoint, expected %d"
          % (len(lines), N))
    for r in reqs:
        check_common(r)
        check(r["path"] == "/api/v2/write", "path %r" % r["path"])
        check(r["query"] == {"org": ["sd-org"], "bucket": ["sd-bucket"],
                             "precision": ["ns"]}, "query %r" % r["query"])
        check(r["headers"].get("authorization") == "Token T0k3n-xyz",
              "Authorization %r" % r["headers"].get("authorization"))
        check(r["headers"].get("content-encoding", "").lower() == "gzip",
              "Content-Encoding %r" % r["headers"].get("content-encoding"))
        check(r["body"][:2] == b"\x1f\x8b", "body is not gzip: %r"
              % r["body"][:10])
    check(lines == srv.readings_lines(), "the bodies are not the spool's "
          "lines in order")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    # 1.x with basic auth, no gzip, batches of at most 40 lines
    rec2 = sdinflux.Recorder()
    srv2 = sdpeer.Server(extra=[
        "--influx-url", rec2.url, "--influx-db", "my_db",
        "--influx-user", "alice", "--influx-password", "s3cr:et",
        # One batch in flight, so the bodies arrive in spool order (with
        # --influx-parallel 2 two batches may overtake each other).
        "--influx-batch", "40", "--influx-flush-ms", "200",
        "--influx-parallel", "1"]).start()
    sdinflux.send_legacy(srv2, 2, 50)
    reqs, lines = wait_lines(rec2, 100)
    check(lines == srv2.readings_lines(), "1.x bodies are not the spool's "
          "lines in order (%d lines)" % len(lines))
    auth = "Basic " + base64.b64encode(b"alice:s3cr:et").decode()
    for r in reqs:
        check_common(r)
        check(r["path"] == "/write", "path %r" % r["path"])
        check(r["query"] == {"db": ["my_db"], "precision": ["ns"]},
              "query %r" % r["query"])
        check(r["headers"].get("authorization") == auth,
              "Authorization %r, expected %r"
              % (r["headers"].get("authorization"), auth))
        check(r["headers"].get("content-encoding", "identity").lower()
              == "identity", "Content-Encoding %r without --influx-gzip"
              % r["headers"].get("content-encoding"))
        n = len(sdinflux.body_lines(r))
        check(0 < n <= 40, "a request with %d lines (--influx-batch 40)" % n)
    check(srv2.stop() == 0, "exit status after SIGTERM not 0")
    rec.stop()
    rec2.stop()


sdpeer.run(test, deadline=60)
