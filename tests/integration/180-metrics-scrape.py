#!/usr/bin/env python3
"""--metrics-listen: a scrape taken while readings stream in passes
`promtool check metrics` (Debian's prometheus package); once they are
in, sockdeck_readings_total, sockdeck_messages_total and the bytes equal
what `ctl status` says; the connections gauge counts the clients by
port and protocol (and, once gone, sockdeck_connections_ended_total),
bad frames count by reason and files by result. /healthz says ok, HEAD
has headers and no body, another path is 404 and does not echo it, and
no sample carries a device's MAC (labels never take what a peer
chooses). A sender paused for a full spool (a sink down, --spool-max
4k) counts in sockdeck_backpressure_pauses_total and its seconds in
..._paused_seconds_total. Two HELLOs refused for their token are two
sockdeck_auth_failures_total. A body over its maximum is a 500 saying
so. A second server asked for the same metrics port exits saying so.
(sockdeckd(1) METRICS.)"""
import shutil
import subprocess
import tempfile
import threading

import sdinflux
import sdmetrics
import sdpeer
import sdwire
from sdpeer import check

if shutil.which("promtool") is None:
    sdpeer.skip("promtool not found (install prometheus)")


def quiet_send(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass


def test():
    srv = sdmetrics.server(nports=2)
    port = srv.metrics_port
    stop = threading.Event()
    sent = []

    def stream():
        # Batches until three scrapes were checked while they flowed.
        while not stop.is_set():
            sent.append(len(sdinflux.send_legacy(
                srv, 4, 1000, first_dev=4 * len(sent))))

    t = threading.Thread(target=stream, daemon=True)
    t.start()
    checked = 0
    while checked < 3:
        text = sdmetrics.scrape(port)
        r = subprocess.run(["promtool", "check", "metrics"],
                           input=text.encode(), capture_output=True,
                           timeout=30)
        check(r.returncode == 0, "promtool check metrics failed: %s%s"
              % (r.stdout.decode(), r.stderr.decode()))
        checked += 1
    stop.set()
    t.join()
    total = sum(sent)
    sdpeer.log("promtool passed %d scrapes taken while %d readings "
               "streamed in" % (checked, total))

    st = srv.ctl({"cmd": "status"})["status"]
    s = sdmetrics.parse(sdmetrics.scrape(port))
    tot = st["totals"]
    for name, key in (("sockdeck_readings_total", "readings"),
                      ("sockdeck_messages_total", "messages"),
                      ("sockdeck_connections_total", "connections"),
                      ("sockdeck_received_bytes_total", "bytes_in")):
        check(sdmetrics.value(s, name) == tot[key], "%s %r, status %r"
              % (name, sdmetrics.value(s, name), tot[key]))
    check(sdmetrics.value(s, "sockdeck_readings_total") == total,
          "readings_total %r, sent %d"
          % (sdmetrics.value(s, "sockdeck_readings_total"), total))

    # Two legacy clients on the first port (one said a message), one
    # extension client on the second; the streams' clients gone first
    # (the server sees their close a moment after the peer).
    sdmetrics.wait_metric(port, "sockdeck_clients", lambda v: v == 0, 10)
    a = srv.connect(srv.ports[0])
    b = srv.connect(srv.ports[0])
    c = srv.connect(srv.ports[1])
    fa = srv.client_event(a)["fd"]
    srv.client_event(b)
    srv.client_event(c)
    sdpeer.hello(c, name=b"dev-x")
    a.sendall(sdwire.legacy_msg(sdwire.mac("02:00:00:00:00:aa"), "hi"))
    sdpeer.expect_bytes(a, sdpeer.reply_for(fa, "hi"))
    s = sdmetrics.parse(sdmetrics.scrape(port))
    p0, p1 = str(srv.ports[0]), str(srv.ports[1])
    for p, proto, want in ((p0, "legacy", 2), (p0, "extension", 0),
                           (p1, "legacy", 0), (p1, "extension", 1)):
        got = sdmetrics.value(s, "sockdeck_connections", port=p,
                              protocol=proto)
        check(got == want, "port %s %s connections %r, expected %d"
              % (p, proto, got, want))
    check(sdmetrics.value(s, "sockdeck_clients") == 3, "clients %r"
          % sdmetrics.value(s, "sockdeck_clients"))
    for k in s:
        for _, v in k[1]:
            check("02:00" not in v and "dev-x" not in v,
                  "a label carries peer text: %r" % (k,))

    # An unknown extension frame type, a legacy file stored: a bad frame
    # by its reason, a file by its result, the totals as status says.
    c.sendall(sdwire.frame(0x53EE, b"zz"))
    sdpeer.expect_frame(c, sdwire.T_ERROR)
    b.sendall(sdwire.legacy_file(sdwire.mac("02:00:00:00:00:ab"), 0,
                                 b"hello"))
    sdpeer.expect_bytes(b, b"file upload successful!!", what="file reply")
    st = srv.ctl({"cmd": "status"})["status"]["totals"]
    s = sdmetrics.parse(sdmetrics.scrape(port))
    bad = {dict(k[1])["reason"]: v for k, v in s.items()
           if k[0] == "sockdeck_bad_frames_total"}
    check(bad.get("unknown_type") == 1 and sum(bad.values()) ==
          st["bad_frames"], "bad frames by reason %r, status %r"
          % (bad, st["bad_frames"]))
    files = {dict(k[1])["result"]: v for k, v in s.items()
             if k[0] == "sockdeck_file_results_total"}
    check(files.get("ok") == 1 and sum(files.values()) == 1 and
          st["files"] == 1, "files by result %r, status %r"
          % (files, st["files"]))
    for x in (a, b, c):
        x.close()
    s = sdmetrics.wait_metric(port, "sockdeck_clients", lambda v: v == 0, 10)
    ended = {(dict(k[1])["port"], dict(k[1])["protocol"]): v
             for k, v in s.items()
             if k[0] == "sockdeck_connections_ended_total"}
    check(ended.get((p1, "extension")) == 1 and ended.get((p1, "legacy"))
          == 0 and sum(ended.values()) ==
          sdmetrics.value(s, "sockdeck_connections_total"),
          "clients gone by port and protocol %r, connections %r" % (
              ended, sdmetrics.value(s, "sockdeck_connections_total")))

    code, _, body = sdmetrics.get(port, "/healthz")
    check(code == 200 and body == b"ok\n", "/healthz %r %r" % (code, body))
    code, hdrs, body = sdmetrics.get(port, "/metrics", method="HEAD")
    check(code == 200 and body == b"" and int(hdrs["content-length"]) > 0,
          "HEAD /metrics: %r, %r, body %r" % (code, hdrs, body[:40]))
    code, _, body = sdmetrics.get(port, "/<script>evil")
    check(code == 404 and b"evil" not in body and b"script" not in body,
          "unknown path: %r %r" % (code, body))
    # --token: each refused HELLO counts as an auth failure.
    tsrv = sdmetrics.server(extra=["--token", "s3cret"])
    for tok in (b"wrong", b""):
        x = tsrv.connect()
        x.sendall(sdwire.hello(sdwire.mac("02:00:00:00:00:bb"), b"t",
                               token=tok))
        sdpeer.expect_frame(x, sdwire.T_ERROR)
        x.close()
    s = sdmetrics.parse(sdmetrics.scrape(tsrv.metrics_port))
    check(sdmetrics.value(s, "sockdeck_auth_failures_total") == 2,
          "auth failures %r after two refused HELLOs"
          % sdmetrics.value(s, "sockdeck_auth_failures_total"))
    check(tsrv.stop() == 0, "exit status after SIGTERM not 0")

    # A sink that cannot deliver and --spool-max 4k: the sender is
    # paused, and the pause counts, in number and in seconds.
    dead = sdpeer.free_port()
    bsrv = sdmetrics.server(extra=["--influx-url", "http://127.0.0.1:%d"
                                   % dead, "--influx-db", "sd",
                                   "--spool-max", "4k"])
    y = bsrv.connect()
    data = b"".join(sdwire.legacy_sensor(sdpeer.DEV, i * 0.5)
                    for i in range(3000))
    threading.Thread(target=lambda: quiet_send(y, data), daemon=True).start()
    s = sdmetrics.wait_metric(bsrv.metrics_port, "sockdeck_backpressure_pauses_total",
                    lambda v: v >= 1, 15)
    check(sdmetrics.value(s, "sockdeck_backpressure") == 1,
          "paused, but sockdeck_backpressure %r"
          % sdmetrics.value(s, "sockdeck_backpressure"))
    s = sdmetrics.wait_metric(bsrv.metrics_port,
                    "sockdeck_backpressure_paused_seconds_total",
                    lambda v: v >= 1.0, 10)
    y.close()
    bsrv.kill()

    # A body over its maximum (lowered to 2000 bytes by a fault
    # injection) is a 500 that says so, not a cut body.
    fsrv = sdmetrics.server(env={"SD_FAULT_METRICS_BODY": "2000"})
    code, _, body = sdmetrics.get(fsrv.metrics_port, "/metrics")
    check(code == 500 and body == b"metrics: the body is over its "
          b"maximum\n", "/metrics over its maximum: %r %r" % (code, body))
    check(sdmetrics.get(fsrv.metrics_port, "/healthz")[0] == 200,
          "/healthz after a body over its maximum")
    check(fsrv.stop() == 0, "exit status after SIGTERM not 0")

    # The port taken (by this server): a second one says so and exits.
    d = tempfile.mkdtemp(prefix="sdtest-")
    r = subprocess.run([sdpeer.binary(), "--headless", "-b", "127.0.0.1",
                        "-p", str(sdpeer.free_port()), "-d", d,
                        "--metrics-listen", "127.0.0.1:%d" % port],
                       capture_output=True, text=True, timeout=20)
    shutil.rmtree(d, ignore_errors=True)
    check(r.returncode != 0 and "--metrics-listen 127.0.0.1:%d: " % port
          in r.stderr, "a second server on the metrics port: status %r, "
          "%r" % (r.returncode, r.stderr))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=120)
