#!/usr/bin/env python3
"""A client that sends its requests faster than it reads the answers is
held back, not dropped: with --out-buffer 64k and answers that echo
the text, 16,000 legacy messages of 500 bytes (8 MB: more than the
kernel's socket buffers take on the way back, 4 MiB at most for the
server's) are sent by one thread while the client reads nothing for a
second; meanwhile the server
parses no more than it can answer within the cap (ctl clients: the
client is `sending`, not paused, and at most --out-buffer waits for
it), and once the client reads, every message is answered in order and
the client is still connected. Before, buffered requests were parsed
regardless, and the client was dropped for a full output buffer.
(sockdeckd(1) --out-buffer.)"""
import threading
import time

import sdpeer
import sdwire
from sdpeer import check

N = 16000
CAP = 64 << 10


def client_row(srv, cid):
    for c in srv.ctl({"cmd": "clients"}).get("clients", []):
        if c.get("id") == cid:
            return c
    return None


def test():
    srv = sdpeer.Server(extra=["--out-buffer", "64k", "--reply-format",
                                  sdpeer.ECHO_FMT]).start()
    s = srv.connect(rcvbuf=8192)
    ev = srv.client_event(s)
    texts = ["%05d " % i + "m" * 494 for i in range(N)]
    frames = b"".join(sdwire.legacy_msg(sdpeer.DEV, t) for t in texts)
    sent = []

    def send():
        s.sendall(frames)
        sent.append(len(frames))

    th = threading.Thread(target=send, daemon=True)
    th.start()
    time.sleep(1.0)
    row = client_row(srv, ev["id"])
    check(row is not None, "the slow reader was dropped before it read")
    sdpeer.log("held: state %r, paused %r, bytes out %r" % (
        row.get("state"), row.get("paused"), row.get("bytes_out")))
    check(row.get("state") == "sending" and row.get("paused") is False,
          "a client with unread answers shows %r (paused %r), expected "
          "sending" % (row.get("state"), row.get("paused")))
    check(row.get("bytes_in") < len(frames), "all %d bytes were parsed "
          "while nothing was read" % len(frames))

    want = b"".join(sdpeer.reply_for(ev["fd"], t, sdpeer.ECHO_FMT)
                   for t in texts)
    got = bytearray()
    s.settimeout(30)
    while len(got) < len(want):
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        got.extend(chunk)
    th.join(30)
    check(sent == [len(frames)], "the requests were not all sent")
    check(bytes(got) == want, "%d of %d answer bytes, as expected: %r"
          % (len(got), len(want), bytes(got) == want[:len(got)]))
    check(client_row(srv, ev["id"]) is not None,
          "the slow reader was dropped after it read everything")
    gone = srv.find_events("disconnect", lambda e: e.get("id") == ev["id"])
    check(not gone, "disconnected: %r" % gone)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
