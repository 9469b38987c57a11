#!/usr/bin/env python3
"""Clients that never read their replies are held, then dropped, and
the server lives on. Each client has a 4 KiB receive buffer and sends
small requests whose answers are larger than they are (legacy
messages) or as large (PINGs, extension messages), flat out: once half
of --out-buffer waits unread, the server parses no more of its requests,
and after --frame-timeout (2 s here) it drops the client (`answers not
read`). Every other client is served throughout, and a transfer that a
dropped client had open is parked, not lost: the same device resumes
it. (A slow reader is held, not dropped: test 204.)"""
import time

import sdpeer
import sdwire
from sdpeer import check


def gone(srv, cid):
    """Whether client cid is no longer in the server's table."""
    r = srv.ctl({"cmd": "clients"})
    return not any(c.get("id") == cid for c in r.get("clients", []))


def flood(srv, s, ev, payload, what):
    """Send payload flat out from s, never reading, until the server
    drops it; the server must stay up and say why."""
    block = payload * max(1, (256 << 10) // len(payload))
    s.setblocking(False)
    deadline = time.monotonic() + 30
    look = 0
    while time.monotonic() < deadline and srv.alive():
        try:
            s.send(block)
        except (BlockingIOError, InterruptedError):
            time.sleep(0.001)
        except OSError:
            break               # reset: the server closed it
        # Every message is logged: look for the drop now and then only.
        if time.monotonic() > look:
            look = time.monotonic() + 0.5
            if gone(srv, ev["id"]):
                break
    time.sleep(0.2)
    check(srv.alive(), "server died during the %s flood (exit %r)" %
          (what, srv.proc.poll()))
    deadline = time.monotonic() + 10
    while not gone(srv, ev["id"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(gone(srv, ev["id"]), "%s flood: the client was not dropped" %
          what)
    # A flood of logged messages may outrun this reader: the headless
    # log then drops lines (and says so) rather than wait for it, and
    # the disconnect line may be among them. Either line is written
    # after the table changed (the log goes out once per loop turn).
    deadline = time.monotonic() + 10
    while True:
        d = srv.find_events("disconnect",
                            lambda e: e.get("id") == ev["id"])
        if d or srv.find_events("log-dropped") or \
                time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if d:
        check(d[0].get("reason") == "answers not read",
              "%s flood: disconnect reason %r" % (what,
                                                  d[0].get("reason")))
    else:
        check(srv.find_events("log-dropped"), "%s flood: no disconnect "
              "line and no log-dropped line" % what)
    s.close()


def ext_client(srv, name):
    s = srv.connect(rcvbuf=4096)
    ev = srv.client_event(s)
    s.sendall(sdwire.hello(sdpeer.DEV, name))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    return s, ev


def still_serves(srv, good, egood, text):
    good.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(good, sdpeer.reply_for(egood["fd"], text),
                        what="well-behaved client after a flood")


def test():
    srv = sdpeer.Server(extra=["--frame-timeout", "2"]).start()
    good = srv.connect()
    egood = srv.client_event(good)

    s = srv.connect(rcvbuf=4096)
    flood(srv, s, srv.client_event(s), sdwire.legacy_msg(sdpeer.DEV, "a"),
          "legacy message")
    still_serves(srv, good, egood, "after legacy")

    s, ev = ext_client(srv, b"pinger")
    flood(srv, s, ev, sdwire.ping(0x1234), "PING")
    still_serves(srv, good, egood, "after ping")

    s, ev = ext_client(srv, b"talker")
    flood(srv, s, ev, sdwire.msg(7, b"y"), "extension message")
    still_serves(srv, good, egood, "after ext msg")

    data = bytes(range(256)) * 512
    key = 0x1234
    s, ev = ext_client(srv, b"cam")
    s.sendall(sdwire.file_offer(1, len(data), key, b"flood.bin"))
    acc = sdwire.parse_file_accept(sdpeer.expect_frame(
        s, sdwire.T_FILE_ACCEPT))
    check(acc["offset"] == 0, "fresh transfer accepted at %r" % (acc,))
    s.sendall(sdwire.file_chunk(1, 0, data[:4096]))
    flood(srv, s, ev, sdwire.ping(0x5678), "PING with a transfer open")

    r = srv.connect()
    r.sendall(sdwire.hello(sdpeer.DEV, b"cam"))
    sdpeer.expect_frame(r, sdwire.T_WELCOME)
    r.sendall(sdwire.file_offer(2, len(data), key, b"flood.bin"))
    acc = sdwire.parse_file_accept(sdpeer.expect_frame(
        r, sdwire.T_FILE_ACCEPT))
    check(acc["offset"] == 4096, "resumed at %r, expected 4096" % (acc,))
    r.sendall(sdwire.file_chunk(2, 4096, data[4096:]))
    r.sendall(sdwire.file_end(2, len(data), sdwire.xxh3_64(data)))
    res = sdwire.parse_file_result(sdpeer.expect_frame(
        r, sdwire.T_FILE_RESULT))
    check(res["status"] == 0, "resumed transfer result %r" % (res,))
    r.close()

    still_serves(srv, good, egood, "at the end")
    good.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
