#!/usr/bin/env python3
"""Live under load: while 16 connections send legacy sensor frames flat
out for about 5 s, `ctl status` (a fresh control connection each time,
as an operator's `sockdeckd ctl status`) answers within 1 s, and a quiet
client's legacy message is answered within 1 s, again and again for the
whole flood, and the median of each is within 50 ms. The bounds are
generous (CI on a loaded machine: the answers take 1-3 ms here, under
ASan too); a loop held by socket reads misses them by seconds, and one
whose turns read a connection for as long as it has bytes (no bound on
a turn) has medians of 0.6-0.7 s under ASan. The flood must be real:
the server stores readings throughout."""
import time

import sdpeer
import sdwire
from sdpeer import check

FLOODERS = 16
FLOOD_S = 5.0
BOUND_S = 1.0       # each answer, under the flood
MEDIAN_S = 0.05     # the median answer, under the flood
WAIT_S = 15.0       # how long a late answer is waited for, to say it


def timed(fn):
    t = time.monotonic()
    fn()
    return time.monotonic() - t


def test():
    srv = sdpeer.Server().start()
    quiet = srv.connect()
    fd = srv.client_event(quiet)["fd"]
    quiet.sendall(sdwire.legacy_msg(sdpeer.DEV, "warm"))
    sdpeer.expect_bytes(quiet, sdpeer.reply_for(fd, "warm"))
    before = srv.ctl({"cmd": "status"})["status"]["totals"]

    flood = sdpeer.Flood(srv.ports[0], FLOODERS)
    ctl_s, msg_s = [], []
    try:
        flood.start()
        end = time.monotonic() + FLOOD_S
        n = 0
        while time.monotonic() < end:
            ctl_s.append(timed(lambda: srv.ctl({"cmd": "status"},
                                               timeout=WAIT_S)))
            text = "q%d" % n
            n += 1
            quiet.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
            msg_s.append(timed(lambda: sdpeer.expect_bytes(
                quiet, sdpeer.reply_for(fd, text), timeout=WAIT_S)))
            time.sleep(0.1)
        after = srv.ctl({"cmd": "status"}, timeout=WAIT_S)["status"]
    finally:
        sent = flood.stop()
    sdpeer.log("flood: %d connections sent %.1f MB" % (FLOODERS, sent / 1e6))
    sdpeer.log("ctl status: %d answers, max %.3f s, median %.3f s" %
               (len(ctl_s), max(ctl_s), sorted(ctl_s)[len(ctl_s) // 2]))
    sdpeer.log("quiet message: %d answers, max %.3f s, median %.3f s" %
               (len(msg_s), max(msg_s), sorted(msg_s)[len(msg_s) // 2]))
    stored = after["totals"].get("readings", 0) - before.get("readings", 0)
    sdpeer.log("readings stored during the flood: %d" % stored)
    check(stored > 0, "no readings stored during the flood: not a flood")
    check(len(ctl_s) >= 3, "only %d ctl status answers in %.0f s of flood"
          % (len(ctl_s), FLOOD_S))
    check(max(ctl_s) <= BOUND_S, "ctl status took up to %.2f s under the "
          "flood (bound %.1f s): %s" % (max(ctl_s), BOUND_S,
                                        ["%.2f" % x for x in ctl_s]))
    check(max(msg_s) <= BOUND_S, "a quiet client's message took up to "
          "%.2f s under the flood (bound %.1f s): %s"
          % (max(msg_s), BOUND_S, ["%.2f" % x for x in msg_s]))
    for what, xs in (("ctl status", ctl_s), ("a quiet message", msg_s)):
        med = sorted(xs)[len(xs) // 2]
        check(med <= MEDIAN_S, "%s took %.3f s (median) under the flood "
              "(bound %.3f s): %s" % (what, med, MEDIAN_S,
                                      ["%.3f" % x for x in xs]))
    quiet.close()
    check(srv.stop(timeout=60) == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=85)
