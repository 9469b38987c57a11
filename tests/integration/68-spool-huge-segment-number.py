#!/usr/bin/env python3
"""Nothing on the loop costs time in proportion to a number read from
disk (issue 12, item 4). The spool holds readings-00000001.lp, a gap,
readings-00000003.lp and readings-99999999.lp, and the InfluxDB sink's
cursor stands at the start of segment 1, so the backlog and the reader
span the whole range of numbers. The server answers `ctl status` within
a second, readings sent now flow to the sink
with the earlier ones, and SIGTERM stops it within the shutdown
timeout. (sockdeckd(1): FILES, the spool.)"""
import os
import tempfile
import time

import sdinflux
import sdpeer
from sdpeer import check

T0 = 1700000000000000000


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    planted = []
    size = 0
    for k, seq in enumerate((1, 3, 99999999)):
        lines = ["sensor,Mac-Address=02:00:00:00:00:01 value=%d %d"
                 % (k * 10 + i, T0 + k * 10 + i) for i in range(10)]
        planted += lines
        body = "".join(l + "\n" for l in lines).encode()
        size += len(body)
        with open(os.path.join(sensors, "readings-%08d.lp" % seq),
                  "wb") as f:
            f.write(body)
    with open(os.path.join(sensors, "influx.cursor"), "w") as f:
        f.write("1 0\n")
    rec = sdinflux.Recorder()
    srv = sdpeer.Server(data_dir=d, extra=[
        "--influx-url", rec.url, "--influx-db", "sd",
        "--influx-flush-ms", "50", "--shutdown-timeout", "2"]).start()
    t = time.monotonic()
    ans = srv.ctl({"cmd": "status"}, timeout=5)
    took = time.monotonic() - t
    check(ans.get("ok") and took < 1.0, "ctl status took %.2fs" % took)
    sdpeer.log("ctl status answered in %.3fs" % took)

    sent = sdinflux.send_legacy(srv, 1, 50, timeout=5)
    want = set(planted)
    deadline = time.monotonic() + 10
    while True:
        got = {l for r in rec.snapshot() if r["status"] == 204
               for l in sdinflux.body_lines(r)}
        new = got - want
        if (want <= got and len(new) >= len(sent)) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(want <= got, "%d of %d earlier readings delivered"
          % (len(want & got), len(want)))
    check(len(new) == len(sent), "%d of %d new readings delivered"
          % (len(new), len(sent)))
    st = sdinflux.wait_sink(srv, "influx", lambda e: e["backlog_bytes"] ==
                            0, timeout=5, what="backlog 0")
    check(st["delivered"] >= len(want) + len(sent), "delivered %r"
          % st["delivered"])
    t = time.monotonic()
    check(srv.stop(timeout=4) == 0, "exit status after SIGTERM not 0")
    sdpeer.log("stopped %.2fs after SIGTERM" % (time.monotonic() - t))
    rec.stop()


sdpeer.run(test)
