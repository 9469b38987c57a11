#!/usr/bin/env python3
"""`ctl sensors` answers one entry per (device, channel) (issue 16): a
device sending `temp` and `hum` has two, a legacy reading a third with
channel "" (the store's lines have no channel tag for it); each has its
last value, min and max over the window, its interval and, when a window
is asked for, the window's history: SD_SENSOR_BUCKETS buckets of
[min, max, last], null where no reading came (a gap, not the last value
again)."""
import time

import sdpeer
import sdwire
from sdpeer import check

BUCKETS = 60


def by_key(ans):
    return {(s["device"], s["channel"]): s for s in ans["sensors"]}


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    sdpeer.hello(s)
    seq = 0
    # temp: 20, 25, 22 in three reads a little apart; hum: one reading
    for v in (20.0, 25.0, 22.0):
        seq += 1
        s.sendall(sdwire.sensor_batch(seq, sdpeer.DEV, [(0, v, b"temp")]))
        sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
        time.sleep(0.15)
    seq += 1
    s.sendall(sdwire.sensor_batch(seq, sdpeer.DEV, [(0, -3.5, b"hum")]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    legacy = srv.connect()
    legacy.sendall(sdwire.legacy_sensor(sdwire.mac("02:00:00:00:00:07"), 7.5))
    deadline = time.monotonic() + 10
    while True:
        ans = srv.ctl({"cmd": "sensors", "window": 60})
        if len(ans.get("sensors", [])) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(ans.get("ok") is True, "answer %r" % ans)
    got = by_key(ans)
    dev = sdpeer.DEV_STR
    check(set(got) == {(dev, "temp"), (dev, "hum"),
                       ("02:00:00:00:00:07", "")},
          "sensors keyed %r, not by (device, channel)" % sorted(got))
    t = got[(dev, "temp")]
    check(t["value"] == 22.0 and t["count"] == 3, "temp %r" % t)
    check(t["min"] == 20.0 and t["max"] == 25.0,
          "temp min/max %r/%r, not 20/25" % (t.get("min"), t.get("max")))
    check(50 <= t["interval_ms"] <= 2000, "temp interval_ms %r after reads "
          "150 ms apart" % t.get("interval_ms"))
    check(0 <= t["age_ms"] < 10000, "temp age_ms %r" % t.get("age_ms"))
    check(got[(dev, "hum")]["value"] == -3.5, "hum %r" % got[(dev, "hum")])
    check(ans["window"] == 60 and ans["step"] == 1,
          "window %r step %r" % (ans.get("window"), ans.get("step")))
    h = t["history"]
    check(isinstance(h, list) and len(h) == BUCKETS,
          "history of %d buckets" % len(h))
    data = [b for b in h if b is not None]
    check(1 <= len(data) <= 3 and None in h,
          "history %r: buckets with data and gaps (null) expected" % h)
    check(min(b[0] for b in data) == 20.0 and
          max(b[1] for b in data) == 25.0 and data[-1][2] == 22.0,
          "history %r: min 20, max 25, last 22" % data)

    # the other windows: the same readings in 10 s and 1 min buckets
    for win, step in ((600, 10), (3600, 60)):
        a = srv.ctl({"cmd": "sensors", "window": win})
        t = by_key(a)[(dev, "temp")]
        check(a["window"] == win and a["step"] == step and
              len(t["history"]) == BUCKETS and t["min"] == 20.0 and
              t["max"] == 25.0, "window %d: %r" % (win, a))
    # without a window: no history, the fields all the same
    a = srv.ctl({"cmd": "sensors"})
    t = by_key(a)[(dev, "temp")]
    check("history" not in t and t["min"] == 20.0, "plain answer %r" % t)

    # a silent sensor's history ends in a gap
    time.sleep(2.2)
    t = by_key(srv.ctl({"cmd": "sensors", "window": 60}))[(dev, "temp")]
    check(t["history"][-1] is None and t["history"][-2] is None,
          "2 s after the last reading the last buckets are %r, not gaps"
          % t["history"][-3:])
    check(t["age_ms"] >= 2000, "age_ms %r after 2.2 s" % t["age_ms"])
    s.close()
    legacy.close()
    srv.stop()


sdpeer.run(test)
