#!/usr/bin/env python3
"""The clients window's order, filter and state, and `ctl client ID`
(sockdeckd(1), CONTROL SOCKET):

- every row has a non-empty "state": `new` before a frame, `idle` after
  one, `receiving N%` while a file arrives, `paused (rate)` when
  --device-rate holds the connection back;
- {"reverse":true} gives the same order backwards, for every sort key
  (the new ones too: port, device, name, last, state), at every offset;
- {"filter":F} keeps the rows whose address, device, name or state hold
  F in any case, says how many ("matched") beside the "total", and
  pages through them;
- {"cmd":"client","id":N} answers one client with every field (name,
  frames, auth, state), and an unknown id is an error naming it;
  `sockdeckd ctl client ID` prints the fields;
- wrong "reverse" and "filter" values are refused."""
import subprocess
import time

import sdpeer
import sdwire
from sdpeer import check

DEVS = [sdwire.mac("02:00:00:00:00:%02x" % i) for i in range(1, 7)]
RATE_DEV = sdwire.mac("02:00:00:00:00:99")


def rows(srv, **kw):
    r = srv.ctl(dict(kw, cmd="clients"))
    check(r.get("ok") is True, "clients %r: %r" % (kw, str(r)[:200]))
    return r


def by_id(srv):
    return {c["id"]: c for c in srv.ctl({"cmd": "clients"})["clients"]}


def wait_state(srv, cid, pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        c = by_id(srv).get(cid)
        if c is not None and pred(c["state"]):
            return c
        check(time.monotonic() < deadline, "client %d: %s; state %r"
              % (cid, what, c and c["state"]))
        time.sleep(0.05)


def check_states(srv, ids, socks):
    for c in by_id(srv).values():
        check(isinstance(c.get("state"), str) and c["state"],
              "empty state: %r" % c)
    wait_state(srv, ids[0], lambda s: s == "new", "`new` before a frame")
    wait_state(srv, ids[1], lambda s: s == "idle", "`idle` after one")
    wait_state(srv, ids[2], lambda s: s.startswith("receiving ") and
               s.endswith("%") and 0 < int(s[10:-1]) < 100,
               "`receiving N%` during a file")
    wait_state(srv, ids[3], lambda s: s.startswith("paused (rate)"),
               "`paused (rate)` over --device-rate")


def check_order(srv):
    full = srv.ctl({"cmd": "clients"})["clients"]
    n = len(full)
    for key in ("connected", "id", "peer", "in", "out", "port", "device",
                "name"):
        want = sorted(full, key=sdpeer.client_sort_key(key))
        for rev in (False, True):
            exp_all = [c["id"] for c in (want[::-1] if rev else want)]
            for off in (0, 1, n // 2, n - 2, n):
                r = rows(srv, sort=key, reverse=rev, offset=off, limit=3)
                check(r["total"] == n and r["matched"] == n and
                      r["reverse"] is rev and r["sort"] == key,
                      "window %s rev=%s: %r" % (key, rev, str(r)[:200]))
                got = [c["id"] for c in r["clients"]]
                check(got == exp_all[off:off + 3], "%s rev=%s @%d: %r, "
                      "want %r" % (key, rev, off, got, exp_all[off:off + 3]))
    # last and state: reversed is the same rows backwards
    for key in ("last", "state"):
        fw = [c["id"] for c in rows(srv, sort=key)["clients"]]
        bw = [c["id"] for c in rows(srv, sort=key, reverse=True)["clients"]]
        check(sorted(fw) == sorted(c["id"] for c in full) and
              fw == bw[::-1], "%s: %r reversed %r" % (key, fw, bw))
    st = [c["state"] for c in rows(srv, sort="state")["clients"]]
    check(st[0].startswith("paused"), "sort state: paused first: %r" % st)


def check_filter(srv, ids):
    r = rows(srv, filter="02:00:00:00:00:0")
    n = r["total"]
    got = [c["device"] for c in r["clients"]]
    check(r["matched"] == len(got) and len(got) >= 3 and
          all(d.startswith("02:00:00:00:00:0") for d in got),
          "filter on a device prefix: %r" % str(r)[:300])
    r = rows(srv, filter="IDLE")
    check(r["matched"] >= 1 and all(c["state"] == "idle"
                                     for c in r["clients"]),
          "filter IDLE (any case) finds the idle: %r" % str(r)[:300])
    r = rows(srv, filter="Named-Peer")
    check([c["id"] for c in r["clients"]] == [ids[4]] and
          r["matched"] == 1 and r["total"] == n,
          "filter on a HELLO name: %r" % str(r)[:300])
    r = rows(srv, filter="127.0.0.1:", sort="id", reverse=True, offset=1,
             limit=2)
    exp = sorted(ids, reverse=True)[1:3]
    check([c["id"] for c in r["clients"]] == exp and r["matched"] == n,
          "filter on the address, reversed, from 1: %r want %r"
          % (str(r)[:300], exp))
    r = rows(srv, filter="no such thing", sort="peer")
    check(r["clients"] == [] and r["matched"] == 0 and r["total"] == n,
          "a filter nothing matches: %r" % str(r)[:200])


def check_one(srv, ids):
    r = srv.ctl({"cmd": "client", "id": ids[4]})
    c = r.get("client") or {}
    check(r.get("ok") is True and c.get("id") == ids[4] and
          c.get("name") == "named-peer" and c.get("proto") == "ext" and
          c.get("frames_in", 0) >= 1 and c.get("auth") == "none" and
          c.get("state") == "idle" and "fd" in c and "last_active" in c,
          "client %d: %r" % (ids[4], r))
    r = srv.ctl({"cmd": "client", "id": 999999})
    check(r.get("ok") is False and r.get("id") == 999999 and
          r.get("error") == "no such client", "unknown id: %r" % r)
    out = subprocess.run([sdpeer.binary(), "ctl", "--data-dir", srv.dir,
                          "client", str(ids[4])], capture_output=True,
                         timeout=30)
    text = out.stdout.decode()
    check(out.returncode == 0 and "named-peer" in text and
          "frames" in text and "state" in text and "idle" in text,
          "ctl client: %d %r %r" % (out.returncode, text, out.stderr))
    out = subprocess.run([sdpeer.binary(), "ctl", "--data-dir", srv.dir,
                          "client", "999999"], capture_output=True,
                         timeout=30)
    check(out.returncode == 1 and b"no such client" in out.stderr,
          "ctl client unknown: %d %r" % (out.returncode, out.stderr))


def test():
    srv = sdpeer.Server(extra=["--device-rate", "100k/60"]).start()
    socks, ids = [], []
    for i in range(6):
        socks.append(srv.connect())
        ids.append(srv.wait_events("connect", i + 1)[i]["id"])
    # 0: nothing sent; 1: one message; 2: half a file; 3: over its rate;
    # 4: an extension client with a name; 5: a few messages
    socks[1].sendall(sdwire.legacy_msg(DEVS[1], "hi"))
    sdpeer.recv_until_quiet(socks[1], quiet=0.2)
    socks[2].sendall(sdwire.legacy_file_head(DEVS[2], 0, 1 << 20) +
                     b"x" * (60 << 10))
    socks[3].sendall(b"".join(sdwire.legacy_msg(RATE_DEV, "y" * 1000)
                              for _ in range(150)))
    sdpeer.hello(socks[4], dev=DEVS[4], name=b"named-peer")
    for t in ("a", "bb", "ccc"):
        socks[5].sendall(sdwire.legacy_msg(DEVS[5], t * 40))
    sdpeer.recv_until_quiet(socks[5], quiet=0.2)
    check_states(srv, ids, socks)
    check_order(srv)
    check_filter(srv, ids)
    check_one(srv, ids)
    for bad in ({"reverse": "yes"}, {"filter": 3}, {"filter": "x" * 65}):
        r = srv.ctl(dict(bad, cmd="clients"))
        check(r.get("ok") is False, "%r is refused: %r" % (bad, r))
    for s in socks:
        s.close()
    check(srv.stop() == 0, "server exit status")


sdpeer.run(test, deadline=60)
