#!/usr/bin/env python3
"""A NUL byte in a peer's text (JSON `\\u0000`) loses nothing on the way
to an operator: `sockdeckd ctl events` prints that message (escaped,
ASCII-only JSON) between the ones before and after it, and a
subscription's history holding it still arrives whole. Before, the C
readers (jansson without JSON_ALLOW_NUL) dropped the event, and with it
a whole history line."""
import json
import queue
import subprocess
import threading

import sdpeer
import sdwire
from sdpeer import check

TEXT = "a\x00b"


def lines_of(proc, q):
    for line in proc.stdout:
        q.put(line.decode("ascii"))


def wait_text(q, text, seen, timeout=10.0):
    """Read events off q into seen until a message with text arrives."""
    while True:
        try:
            line = q.get(timeout=timeout)
        except queue.Empty:
            sdpeer.fail("no message %r from ctl events; printed %r"
                        % (text, seen))
        ev = json.loads(line)
        seen.append(ev)
        if ev.get("event") == "message" and ev.get("text") == text:
            return


def test():
    srv = sdpeer.Server(nports=1).start()
    p = subprocess.Popen([sdpeer.binary(), "ctl", "--control",
                          srv.control_path, "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    q, seen = queue.Queue(), []
    threading.Thread(target=lines_of, args=(p, q), daemon=True).start()
    s = srv.connect()
    # the stream is on once ctl events prints what this client sends
    for i in range(50):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "probe %d" % i))
        sdpeer.recv_until_quiet(s, quiet=0.1, timeout=5)
        try:
            if "probe" in q.get(timeout=0.2):
                break
        except queue.Empty:
            pass
    for t in ("before", TEXT, "after"):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, t))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    wait_text(q, "after", seen)
    texts = [e.get("text") for e in seen if e.get("event") == "message"]
    check(texts[-3:] == ["before", TEXT, "after"], "ctl events printed "
          "the messages %r: the one with a NUL is missing" % texts)

    c = srv.control()
    c.send({"cmd": "subscribe", "history": 10})
    a = c.readline()
    h = [e.get("text") for e in a.get("history", [])]
    check(h[-3:] == ["before", TEXT, "after"], "history: %r" % h)
    c.close()
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    p.communicate(timeout=10)
    check(p.returncode == 0, "ctl events exit %r" % p.returncode)


sdpeer.run(test)
