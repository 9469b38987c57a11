#!/usr/bin/env python3
"""A TCP client that sends a legacy message shows as a row of the Clients
box with its peer 127.0.0.1:PORT and device aa:bb:cc:dd:ee:ff, and the
title says Clients (1); when it closes, the row goes, Clients (0), and
the Log shows `disconnected`. The dashboard runs with `--refresh 3600`
(one snapshot at the start): the row can only come and go by the
connect and disconnect events, never by a periodic re-poll."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def row(lines, needle):
    return [l for l in sdtmux.clients_rows(lines) if needle in l]


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--refresh", "3600", "--reply-format", sdpeer.ECHO_FMT]).start()
    d.wait_ready()
    s = d.connect()
    lport = s.getsockname()[1]
    peer = "127.0.0.1:%d" % lport
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hello dashboard"))
    got = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    check(b"return data => hello dashboard" in got,
          "no reply to the legacy message: %r" % got)
    lines = d.wait_until(
        lambda ls: any(sdtmux.DEV_STR in l for l in row(ls, peer))
        and "Clients (1)" in "\n".join(ls),
        "a Clients row with %s and %s, title Clients (1)"
        % (peer, sdtmux.DEV_STR))
    r = row(lines, peer)[0]
    check(re.search(r"\blegacy\b", r), "row lacks proto `legacy`: %r" % r)
    check(re.search(r"(?<![\d:])%d(?!\d)" % d.port, r.replace(peer, "")),
          "row lacks the server port %d: %r" % (d.port, r))
    d.wait_until(lambda ls: re.search(r"\bclients 1\b", ls[0]),
                 "the header to say `clients 1`", timeout=3)
    # `HH:MM:SS.mmm  #ID PEER on PORT DEVICE  EVENT  detail`, the id
    # padded to 4 digits, the device once known (SPEC-dashboard.md)
    lg = sdtmux.log_rows(lines) or []
    stamp = r"(?<!\d)\d\d:\d\d:\d\d\.\d{3}  #(?=\d+ +%s)[\d ]{4} %s on %d" % (
        re.escape(peer), re.escape(peer), d.port)
    conn = re.compile(stamp + r"  connected\b")
    msg = re.compile(stamp + r' %s  message  "hello dashboard"'
                     % re.escape(sdpeer.DEV_STR))
    check(any(conn.search(l) for l in lg),
          "Log lacks `HH:MM:SS.mmm  #ID  %s on %d  connected`:\n%s"
          % (peer, d.port, d.dump(lines)))
    check(any(msg.search(l) for l in lg),
          "Log lacks `HH:MM:SS.mmm  #ID  %s on %d %s  message  \"hello "
          "dashboard\"`:\n%s" % (peer, d.port, sdpeer.DEV_STR,
                                  d.dump(lines)))

    s.close()
    lines = d.wait_until(
        lambda ls: not row(ls, peer) and "Clients (0)" in "\n".join(ls),
        "the row of %s to vanish and Clients (0)" % peer)
    d.wait_until(lambda ls: re.search(r"\bclients 0\b", ls[0]),
                 "the header to say `clients 0`", timeout=3)
    lines = d.wait_until(
        lambda ls: any(re.search(stamp + r" %s  disconnected\b"
                                 % re.escape(sdpeer.DEV_STR), l)
                       for l in (sdtmux.log_rows(ls) or [])),
        "a Log line `HH:MM:SS.mmm  #ID  %s on %d %s  disconnected`"
        % (peer, d.port, sdpeer.DEV_STR))


sdtmux.run(test)
