#!/usr/bin/env python3
"""A control client that sends requests and never reads the answers
costs the server a bounded buffer: once its unread answers pass a high
mark the server stops reading its requests (so the client's sends stall
on full socket buffers) and goes on with everything else, another
control client answered promptly; when the client reads at last, every
request it managed to send is answered, in order. Subscribing again
brings no second copy of the history. Before, the server read every
request and queued every answer: the client pushed tens of MB of
requests and the server's memory grew with them."""
import json
import socket
import time

import sdpeer
import sdwire
from sdpeer import check

PUSH_SECONDS = 2.0
TAKEN_MAX = 2 << 20     # socket buffers both ways, with room to spare
PAD = "p" * 1000        # requests of 1 kB: the bytes taken tell
JUNK_MAX = 512 << 10    # 3-byte lines, 40-byte errors: 64 KiB of errors
                        # is 5 kB of lines, the rest socket buffers


def push(path, req=None):
    """Send requests (status ones by default) without reading for
    PUSH_SECONDS; the socket and how many bytes of requests the server
    let in."""
    h = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    h.connect(path)
    h.setblocking(False)
    req = req or b"".join(json.dumps({"cmd": "status", "seq": i,
                                      "pad": PAD}).encode() + b"\n"
                          for i in range(2000))
    taken, sent_reqs, pending = 0, 0, b""
    end = time.monotonic() + PUSH_SECONDS
    while time.monotonic() < end and taken < 4 * TAKEN_MAX:
        if not pending:
            pending = req
        try:
            n = h.send(pending)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        sent_reqs += pending[:n].count(b"\n")
        pending = pending[n:]
        taken += n
    return h, taken, sent_reqs, len(pending)


def read_answers(h, want, timeout=60.0):
    h.setblocking(True)
    h.settimeout(timeout)
    buf, got, seqs = b"", 0, []
    while got < want:
        chunk = h.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for l in lines:
            got += 1
            seqs.append(json.loads(l).get("seq"))
    return seqs


def test():
    srv = sdpeer.Server(nports=1).start()
    s = srv.connect()
    for i in range(50):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "m%d " % i + "x" * 200))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    rss0 = srv.rss_kb()

    h, taken, nreq, part = push(srv.control_path)
    sdpeer.log("the server took %d bytes (%d requests) in %.1fs"
               % (taken, nreq, PUSH_SECONDS))
    check(taken < TAKEN_MAX, "the server took %d bytes of requests from a "
          "client that reads no answer: it does not stop reading" % taken)
    t0 = time.monotonic()
    a = srv.ctl({"cmd": "status"})
    took = time.monotonic() - t0
    check(a.get("ok") is True and took < 3.0, "another control client "
          "waited %.1fs for status" % took)
    grew = srv.rss_kb() - rss0
    check(grew < 64 * 1024, "RSS grew %d kB" % grew)
    # the request cut at the end is never finished: only whole ones count
    seqs = read_answers(h, nreq)
    check(len(seqs) == nreq, "%d answers to %d requests" % (len(seqs), nreq))
    check(seqs == [i % 2000 for i in range(nreq)], "answers out of order")
    h.close()

    # Lines that are no JSON object are answered with an error, and an
    # error left unread pauses the client like any other answer (before,
    # those were read on until 8 MiB of errors cut the client off).
    h, taken, nreq, part = push(srv.control_path, b"[]\n" * 100000)
    sdpeer.log("junk: the server took %d bytes (%d lines)" % (taken, nreq))
    check(taken < JUNK_MAX, "the server took %d bytes of junk lines from "
          "a client that reads no answer" % taken)
    seqs = read_answers(h, nreq)
    check(len(seqs) == nreq, "%d errors to %d junk lines" % (len(seqs),
                                                            nreq))
    h.close()

    c = srv.control()
    c.send({"cmd": "subscribe", "history": 20})
    a = c.readline()
    check(len(a.get("history", [])) == 20, "first subscribe: %r"
          % a.get("history", [])[:2])
    c.send({"cmd": "subscribe", "history": 20})
    a = c.readline()
    check(a.get("ok") is True and "history" not in a, "a second subscribe "
          "brought history again: %d events" % len(a.get("history", [])))
    c.close()
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
