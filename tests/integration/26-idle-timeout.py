#!/usr/bin/env python3
"""--idle-timeout 1: a silent client is dropped after 1 s of silence, not
later (`drop` with reason `idle timeout`, then EOF); a client that keeps
talking stays."""
import datetime
import time

import sdpeer
import sdwire
from sdpeer import check


def ev_time(e):
    """An event's time in seconds."""
    t = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def test():
    srv = sdpeer.Server(extra=["--idle-timeout", "1"]).start()
    quiet = srv.connect()
    eq = srv.client_event(quiet)
    busy = srv.connect()
    eb = srv.client_event(busy)
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 3.0:
        n += 1
        busy.sendall(sdwire.legacy_msg(sdpeer.DEV, "tick %d" % n))
        sdpeer.expect_bytes(busy, sdpeer.reply_for(eb["fd"], "tick %d" % n))
        time.sleep(0.25)
    d = srv.wait_event("drop", lambda e: e.get("id") == eq["id"], timeout=3)
    check(d.get("reason") == "idle timeout", "drop reason %r" % d)
    # At its timeout (server times, to the millisecond), not a later one.
    idle = ev_time(d) - ev_time(eq)
    check(0.998 <= idle < 1.9, "dropped after %.3fs of silence with "
          "--idle-timeout 1" % idle)
    sdpeer.expect_eof(quiet, what="idle client")
    check(not srv.find_events("drop", lambda e: e.get("id") == eb["id"]),
          "the talking client was dropped")
    busy.sendall(sdwire.legacy_msg(sdpeer.DEV, "still"))
    sdpeer.expect_bytes(busy, sdpeer.reply_for(eb["fd"], "still"))
    busy.close()
    quiet.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    # 0 = off: a silent client stays
    srv = sdpeer.Server(extra=["--idle-timeout", "0"]).start()
    s = srv.connect()
    e = srv.client_event(s)
    time.sleep(2.0)
    check(not srv.find_events("drop"), "dropped with --idle-timeout 0")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "x"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(e["fd"], "x"))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
