#!/usr/bin/env python3
"""A device that sends readings and then none for --device-timeout
seconds raises device-silent (mac, name, silent_s, interval_s; a
warning), connected or not, and device-back (silent_s) at its next
reading; `ctl devices` and `ctl status` say silent meanwhile, and the
gap is no interval. Without --device-timeout the floor is 60 s: a device
sending every 0.2 s is not silent after 3 s. A silent device stays
silent across a restart without a second event; a device that was not
is watched from the start. The text log says
`device-silent mac=M silent_s=S interval_s=I`. /metrics counts them:
sockdeck_devices{state="silent"} 1 while silent, 0 once back."""
import time

import sdmetrics
import sdpeer
import sdwire
from sdpeer import check

L = sdwire.mac("00:11:22:33:87:01")
M = "00:11:22:33:87:01"
Q = sdwire.mac("00:11:22:33:87:02")


def device(srv, mac=M):
    for d in srv.ctl({"cmd": "devices"})["devices"]:
        if d["mac"] == mac:
            return d
    sdpeer.fail("no device %s" % mac)


def readings(s, dev, n, gap=0.2):
    for i in range(n):
        s.sendall(sdwire.legacy_sensor(dev, float(i)))
        time.sleep(gap)


def silent_metric(srv):
    return sdmetrics.value(sdmetrics.parse(sdmetrics.scrape(
        srv.metrics_port)), "sockdeck_devices", state="silent")


def silent_then_back(d):
    srv = sdmetrics.server(data_dir=d, extra=["--device-timeout", "2"])
    s = srv.connect()
    readings(s, L, 5)
    last = time.monotonic()
    mark = srv.mark()
    ev = srv.wait_event("device-silent", lambda e: e.get("mac") == M,
                        timeout=8, since=mark)
    waited = time.monotonic() - last
    check(waited >= 1.8, "silent after %.2fs of a 2 s timeout" % waited)
    check(ev["level"] == "warning" and ev["name"] is None and
          ev["silent_s"] >= 1.9 and 0.1 <= ev["interval_s"] <= 0.6,
          "device-silent %r" % ev)
    check(device(srv)["state"] == "silent", "state %r" % device(srv))
    st = srv.ctl({"cmd": "status"})["status"]["devices"]
    check(st["silent"] == 1 and st["online"] == 0, "status %r" % st)
    check(silent_metric(srv) == 1, "sockdeck_devices{state=silent} %r"
          % silent_metric(srv))

    time.sleep(1.0)     # a gap of 3 s: no interval
    mark = srv.mark()
    s.sendall(sdwire.legacy_sensor(L, 9.0))
    back = srv.wait_event("device-back", lambda e: e.get("mac") == M,
                          since=mark)
    check(back["level"] == "info" and back["silent_s"] >= 1.9,
          "device-back %r" % back)
    dv = device(srv)
    check(dv["state"] == "online", "state after back %r" % dv)
    check(silent_metric(srv) == 0, "sockdeck_devices{state=silent} %r "
          "after back" % silent_metric(srv))
    check(dv["interval_s"] < 0.4, "the silence counted as an interval: %r"
          % dv["interval_s"])
    check(len(srv.find_events("device-silent")) == 1, "silent events %r"
          % srv.find_events("device-silent"))

    # Gone: silent again after the timeout, disconnected.
    readings(s, L, 2)
    s.close()
    mark = srv.mark()
    srv.wait_event("device-silent", lambda e: e.get("mac") == M, timeout=8,
                   since=mark)
    check(device(srv)["state"] == "silent", "state %r" % device(srv))
    # Q, not silent at the stop, is watched from the next start.
    q = srv.connect()
    readings(q, Q, 3)
    q.close()
    srv.stop()

    srv = sdpeer.Server(data_dir=d, extra=["--device-timeout", "2"]).start()
    check(device(srv)["state"] == "silent", "state after a restart %r"
          % device(srv))
    srv.wait_event("device-silent", lambda e: e.get("mac") ==
                   "00:11:22:33:87:02", timeout=8)
    time.sleep(1.0)
    check(srv.find_events("device-silent", lambda e: e.get("mac") == M) ==
          [], "a second device-silent for a device silent at the stop")
    srv.stop()


def default_floor():
    srv = sdpeer.Server().start()
    s = srv.connect()
    readings(s, L, 5)
    time.sleep(3.0)
    check(srv.find_events("device-silent") == [],
          "silent before the 60 s floor: %r" % srv.find_events("device-silent"))
    check(device(srv)["state"] == "online", "state %r" % device(srv))
    s.close()


def text_log():
    srv = sdpeer.Server(extra=["--device-timeout", "1"])
    a = srv.argv()
    srv.argv = lambda: [x for x in a if x not in ("--log-format", "json")]
    srv.start(wait=False)
    deadline = time.monotonic() + 10
    while not any(" listen " in ln for ln in srv.raw_lines):
        check(time.monotonic() < deadline, "no listen line: %r"
              % srv.raw_lines)
        time.sleep(0.05)
    s = srv.connect()
    readings(s, L, 3)
    deadline = time.monotonic() + 8
    while not any(" device-silent " in ln for ln in srv.raw_lines):
        check(time.monotonic() < deadline, "no device-silent line: %r"
              % srv.raw_lines[-5:])
        time.sleep(0.05)
    ln = [x for x in srv.raw_lines if " device-silent " in x][0]
    check(" device-silent mac=%s silent_s=" % M in ln and
          " interval_s=0." in ln, "text line %r" % ln)
    s.close()


def test():
    silent_then_back(sdpeer.Server().dir)
    default_floor()
    text_log()


sdpeer.run(test)
