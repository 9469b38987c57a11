#!/usr/bin/env python3
"""`ctl clients` with a few thousand idle connections (from 127.0.0.1 to
127.0.0.4):

- `sockdeckd ctl --json clients` prints one valid JSON answer with every
  id exactly once;
- 16 control clients that ask for `clients` 20 times each and never
  read do not grow the server's memory (the answer is written as the
  socket takes it; their further requests wait), and `ctl status` from
  another control client still answers (on a server of its own, run
  without ASan's quarantine, which RSS would count);
- connections closing while an answer is under way: the answer stays
  one valid line, with no id twice, every connection still open in it,
  and the subscriber's events for the closes come after the line, never
  inside it;
- the windowed request {"cmd":"clients","sort":KEY,"offset":N,
  "limit":K} answers the total and the right K rows for every sort key
  and offset (checked against the full list sorted here)."""
import json
import os
import resource
import socket
import subprocess
import time

import sdpeer
import sdwire
from sdpeer import check

N = 3000
SOURCES = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
HOGS = 16           # control clients that never read
HOG_REQUESTS = 20   # clients requests each sends at once
RSS_GROWTH_KB = 8 * 1024


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 2 * N + 500)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < 2 * N + 200:
        sdpeer.skip("descriptor hard limit %d is too low" % hard)


def wait_clients(srv, n, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        got = srv.ctl({"cmd": "status"})["status"]["clients"]
        if got == n:
            return
        check(time.monotonic() < deadline,
              "server has %d clients, want %d" % (got, n))
        time.sleep(0.05)


def check_windows(srv, socks):
    # Some traffic so "in" and "out" differ between clients.
    for i in range(0, 60):
        s = socks[i * 37 % len(socks)]
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "x" * (i % 7 + 1)))
        sdpeer.recv_until_quiet(s, quiet=0.05, timeout=2)
    time.sleep(0.3)         # the last replies are counted (bytes_out)
    full = srv.ctl({"cmd": "clients"}, timeout=30)["clients"]
    n = len(full)
    for key in ("connected", "id", "peer", "in", "out"):
        want = sorted(full, key=sdpeer.client_sort_key(key))
        for off in (0, 1, n // 2 - 3, n - 40, n - 5, n, n + 10):
            r = srv.ctl({"cmd": "clients", "sort": key, "offset": off,
                         "limit": 25})
            check(r.get("ok") is True and r.get("total") == n,
                  "window %s@%d: total %r, want %d (%r)"
                  % (key, off, r.get("total"), n, str(r)[:200]))
            got = [c["id"] for c in r["clients"]]
            exp = [c["id"] for c in want[off:off + 25]]
            check(got == exp, "window %s@%d: ids %r, want %r"
                  % (key, off, got[:8], exp[:8]))
    for bad in ({"sort": "nonsense"}, {"offset": -1}, {"limit": "x"}):
        r = srv.ctl(dict(bad, cmd="clients"))
        check(r.get("ok") is False, "%r is refused: %r" % (bad, str(r)[:80]))
    r = srv.ctl({"cmd": "clients", "sort": "peer", "limit": 0})
    check(r.get("clients") == [] and r.get("total") == n,
          "limit 0: no rows, the total: %r" % str(r)[:80])


def check_cli(srv, ids):
    r = subprocess.run([sdpeer.binary(), "ctl", "--data-dir", srv.dir,
                        "--timeout", "30", "--json", "clients"],
                       capture_output=True, timeout=60)
    check(r.returncode == 0, "ctl clients: %r" % (r.stderr[:300],))
    lines = r.stdout.decode().splitlines()
    check(len(lines) == 1, "ctl --json clients: %d lines" % len(lines))
    got = [c["id"] for c in json.loads(lines[0])["clients"]]
    check(len(got) == len(set(got)), "an id twice in ctl clients")
    check(set(got) == ids, "ctl clients: %d ids, want %d (missing %r)"
          % (len(got), len(ids), sorted(ids - set(got))[:5]))


def check_hogs(srv):
    base = srv.rss_kb()
    hogs = []
    req = (json.dumps({"cmd": "clients"}) + "\n").encode() * HOG_REQUESTS
    for _ in range(HOGS):
        h = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        h.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        h.connect(srv.control_path)
        h.sendall(req)
        hogs.append(h)
    # The server works on them; another operator is still answered.
    for _ in range(10):
        t = time.monotonic()
        st = srv.ctl({"cmd": "status"}, timeout=10)
        check(st.get("ok") is True, "ctl status beside the hogs: %r" % st)
        check(time.monotonic() - t < 5, "ctl status took %.1fs"
              % (time.monotonic() - t))
        time.sleep(0.1)
    grown = srv.rss_kb() - base
    sdpeer.log("RSS grew %d kB with %d control clients not reading"
               % (grown, HOGS))
    check(grown < RSS_GROWTH_KB, "RSS grew %d kB (> %d) for control "
          "clients that do not read" % (grown, RSS_GROWTH_KB))
    for h in hogs:
        h.close()


def check_closing(srv, socks, ids):
    c = srv.control()
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    check(c.request({"cmd": "subscribe"}).get("ok") is True, "subscribe")
    c.send({"cmd": "clients", "seq": 7})
    head = b""
    while len(head) < 2048:
        chunk = c.sock.recv(2048 - len(head))
        check(chunk, "control socket closed")
        head += chunk
    # Close every third connection, and every one in the middle: the
    # one the answer is at among them (the server holds 64 KiB of it,
    # the socket some 200 KiB: a few hundred rows of ~300 bytes).
    gone = set()
    order = sorted(ids)
    closed = [i for i in range(len(socks))
              if i % 3 == 0 or 300 <= i < len(socks) - 300]
    for i in closed:
        socks[i].close()
        gone.add(order[i])
    wait_clients(srv, len(ids) - len(gone))
    c.buf = head
    r = c.readline(timeout=30)
    check(r.get("ok") is True and r.get("seq") == 7,
          "the streamed answer: %r" % str(r)[:200])
    got = [x["id"] for x in r["clients"]]
    check(len(got) == len(set(got)), "an id twice in the streamed answer")
    check(set(got) <= ids, "ids never connected in the answer")
    check((ids - gone) <= set(got), "open connections missing: %r"
          % sorted((ids - gone) - set(got))[:5])
    # The events of the closes come after the line, whole.
    n = 0
    while n < len(gone):
        e = c.readline(timeout=30)
        check("event" in e, "not an event after the answer: %r" % e)
        if e["event"] == "disconnect":
            n += 1
    c.close()
    closed = set(closed)
    return [s for i, s in enumerate(socks) if i not in closed], ids - gone


def connect_all(srv):
    socks = []
    for i in range(N):
        socks.append(sdpeer.connect_from(SOURCES[i % len(SOURCES)],
                                         srv.ports[0]))
    wait_clients(srv, N)
    return socks


def hogs_server():
    # ASan keeps freed memory in quarantine, which RSS counts: without
    # it RSS shows what the server holds.
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"ASAN_OPTIONS": (asan + ":" if asan else "") +
           "quarantine_size_mb=0"}
    srv = sdpeer.Server(extra=["--max-clients-per-ip", "0"],
                        env=env).start()
    socks = connect_all(srv)
    check_hogs(srv)
    for s in socks:
        s.close()
    check(srv.stop() == 0, "server exit status")


def test():
    raise_nofile()
    hogs_server()
    srv = sdpeer.Server(extra=["--max-clients-per-ip", "0"]).start()
    socks = connect_all(srv)
    ids = set(e["id"] for e in srv.wait_events("connect", N, timeout=30))
    check(len(ids) == N, "%d connect events, want %d" % (len(ids), N))

    check_cli(srv, ids)
    check_windows(srv, socks)
    socks, ids = check_closing(srv, socks, ids)
    check_cli(srv, ids)
    for s in socks:
        s.close()
    check(srv.stop() == 0, "server exit status")


sdpeer.run(test, deadline=85)
