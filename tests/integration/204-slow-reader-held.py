#!/usr/bin/env python3
"""A client that sends its requests faster than it reads the answers is
held back, not dropped: with --out-buffer 64k and answers that echo
the text, 16,000 legacy messages of 500 bytes (8 MB: more than the
kernel's socket buffers take on the way back, 4 MiB at most for the
server's) are sent while the client reads nothing, until the server
stops parsing: no more than it can answer within the cap (ctl clients:
the client is `sending`, not paused, and not all its bytes were
parsed); once the client reads, every message is
answered in order and the client is still connected. The same over a
TLS port. Before, buffered requests were parsed regardless, and the
client was dropped for a full output buffer. (sockdeckd(1)
--out-buffer.)"""
import select
import ssl
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check

N = 16000
AGAIN = (BlockingIOError, InterruptedError, ssl.SSLWantReadError,
         ssl.SSLWantWriteError)


def client_row(srv, cid):
    for c in srv.ctl({"cmd": "clients"}).get("clients", []):
        if c.get("id") == cid:
            return c
    return None


def pump(s, out, want, look):
    """Send out without reading until the server has stopped parsing
    (look() twice alike, 0.3 s apart, within 20 s), then read while
    the rest goes, without blocking, until want bytes came. (the row
    when it stopped, bytes sent, bytes read)"""
    got = bytearray()
    sent = 0
    row = last = None
    s.setblocking(False)
    t = time.monotonic()
    stop_by, deadline = t + 20, t + 80
    while len(got) < len(want) and time.monotonic() < deadline:
        now = time.monotonic()
        if row is None and now >= t:
            t = now + 0.3
            cur = look()
            if cur is None or now >= stop_by or (
                    last is not None and
                    cur.get("bytes_in") == last.get("bytes_in")):
                row = cur or {}
            last = cur
        wr = [s] if sent < len(out) else []
        rd = [s] if row is not None else []
        r, w, _ = select.select(rd, wr, [], 0.05)
        if w:
            try:
                sent += s.send(out[sent:sent + 16384])
            except AGAIN:
                pass
        while r:
            try:
                chunk = s.recv(1 << 16)
            except AGAIN:
                break
            if not chunk:
                return row, sent, bytes(got)
            got.extend(chunk)
    return row, sent, bytes(got)


def case(srv, s, what):
    ev = srv.client_event(s)
    texts = ["%05d " % i + "m" * 494 for i in range(N)]
    frames = b"".join(sdwire.legacy_msg(sdpeer.DEV, t) for t in texts)
    want = b"".join(sdpeer.reply_for(ev["fd"], t, sdpeer.ECHO_FMT)
                    for t in texts)
    row, sent, got = pump(s, memoryview(frames), want,
                          lambda: client_row(srv, ev["id"]))
    check(row, "%s: the slow reader was dropped before it read" % what)
    sdpeer.log("%s held: state %r, paused %r, bytes in %r, out %r" % (
        what, row.get("state"), row.get("paused"), row.get("bytes_in"),
        row.get("bytes_out")))
    check(row.get("state") == "sending" and row.get("paused") is False,
          "%s: a client with unread answers shows %r (paused %r), "
          "expected sending" % (what, row.get("state"), row.get("paused")))
    check(row.get("bytes_in") < len(frames), "%s: all %d bytes were "
          "parsed while nothing was read" % (what, len(frames)))
    check(sent == len(frames), "%s: %d of %d bytes sent" % (
        what, sent, len(frames)))
    check(got == want, "%s: %d of %d answer bytes, as expected: %r"
          % (what, len(got), len(want), got == want[:len(got)]))
    check(client_row(srv, ev["id"]) is not None,
          "%s: the slow reader was dropped after it read everything"
          % what)
    gone = srv.find_events("disconnect", lambda e: e.get("id") == ev["id"])
    check(not gone, "%s: disconnected: %r" % (what, gone))
    s.close()


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki, "--out-buffer", "64k",
                                   "--reply-format", sdpeer.ECHO_FMT)
    case(srv, sdpeer.connect(plain, rcvbuf=8192), "plain")
    case(srv, sdtls.connect(tls, pki), "TLS")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
