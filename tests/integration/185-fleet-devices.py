#!/usr/bin/env python3
"""The fleet: every device a connection speaks for is remembered, with
what it sent. `{"cmd":"devices"}` lists them seen last first (mac, the
registry's name, state, first and last seen, address, protocol, tls,
readings, files, messages, interval_s, rate), at most `limit`, with the
total and the counts by state that `ctl status` has too; a closed
connection leaves its device offline; a frame the registry refused
leaves no device. `sockdeckd ctl devices` prints the same as a table."""
import re
import time

import sdpeer
import sdreg
import sdwire
from sdpeer import check

L = sdwire.mac("00:11:22:33:85:01")
E = sdwire.mac("00:11:22:33:85:02")
X = sdwire.mac("00:11:22:33:85:99")     # not in the registry
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def devices(srv, **kw):
    r = srv.ctl(dict({"cmd": "devices"}, **kw))
    check(r.get("ok") is True, "devices answer %r" % r)
    return r


def by_mac(r):
    return {d["mac"]: d for d in r["devices"]}


def wait_state(srv, mac, state, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        d = by_mac(devices(srv)).get(mac)
        if d is not None and d["state"] == state:
            return d
        if time.monotonic() > deadline:
            sdpeer.fail("%s not %s within %.1fs: %r" % (mac, state, timeout, d))
        time.sleep(0.05)


def test():
    srv = sdpeer.Server()
    srv.extra += ["--devices", sdreg.write(srv.dir, [
        sdreg.line(L, "meter-85"),
        sdreg.line(E, "pump-85", token=b"t85"),
    ])]
    srv.start()
    check(devices(srv)["total"] == 0, "devices before any came")

    s = srv.connect()
    ev = srv.client_event(s)
    for i in range(4):
        s.sendall(sdwire.legacy_sensor(L, 1.0 + i))
        time.sleep(0.2)
    s.sendall(sdwire.legacy_msg(L, "hi"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "hi"))
    s.sendall(sdwire.legacy_file(L, 0, b"x" * 100))
    srv.wait_event("file-done", lambda e: e.get("id") == ev["id"])
    sdpeer.recv_until_quiet(s)      # the file's reply

    h = srv.connect()
    h.sendall(sdwire.hello(E, b"p", token=b"t85"))
    sdpeer.expect_frame(h, sdwire.T_WELCOME)
    for seq in (1, 2):
        h.sendall(sdwire.sensor_batch(seq, E, [(0, 1.0, b"a"), (0, 2.0, b"b"),
                                              (0, 3.0, b"c")]))
        sdpeer.expect_frame(h, sdwire.T_SENSOR_ACK)

    # Refused by the registry: remembered nowhere.
    x = srv.connect()
    x.sendall(sdwire.legacy_sensor(X, 5.0))
    sdpeer.expect_eof(x, what="an unknown legacy device")

    r = devices(srv)
    check(r["total"] == 2 and r["online"] == 2 and r["offline"] == 0 and
          r["silent"] == 0, "counts %r" % {k: r[k] for k in
                                           ("total", "online", "offline",
                                            "silent")})
    check([d["mac"] for d in r["devices"]] ==
          ["00:11:22:33:85:02", "00:11:22:33:85:01"],
          "not seen last first: %r" % r["devices"])
    e, d = r["devices"]
    want_keys = {"mac", "name", "state", "first_seen", "last_seen",
                 "last_seen_ms", "address", "protocol", "tls", "readings",
                 "files", "messages", "interval_s", "rate"}
    check(want_keys <= set(d), "keys %r" % sorted(d))
    check(d["name"] == "meter-85" and d["state"] == "online" and
          d["protocol"] == "legacy" and d["tls"] is False and
          d["readings"] == 4 and d["messages"] == 1 and d["files"] == 1,
          "legacy device %r" % d)
    check(d["address"] == "127.0.0.1:%d" % s.getsockname()[1],
          "address %r, the peer's %r" % (d["address"], s.getsockname()))
    check(0.1 <= d["interval_s"] <= 0.6, "interval %r (sent every 0.2 s)"
          % d["interval_s"])
    check(d["rate"] > 0, "rate %r" % d["rate"])
    check(RFC3339.match(d["first_seen"]) and RFC3339.match(d["last_seen"])
          and d["first_seen"] < d["last_seen"] and
          0 <= d["last_seen_ms"] < 10000, "times %r" % d)
    check(e["name"] == "pump-85" and e["protocol"] == "ext" and
          e["readings"] == 6 and e["messages"] == 0 and e["files"] == 0 and
          e["address"] == "127.0.0.1:%d" % h.getsockname()[1],
          "extension device %r" % e)

    # Seen again: first.
    s.sendall(sdwire.legacy_msg(L, "again"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "again"))
    r = devices(srv)
    check([d["mac"] for d in r["devices"]] ==
          ["00:11:22:33:85:01", "00:11:22:33:85:02"],
          "seen again, not first: %r" % r["devices"])

    one = devices(srv, limit=1)
    check(len(one["devices"]) == 1 and one["total"] == 2 and
          one["devices"][0]["mac"] == "00:11:22:33:85:01",
          "limit 1: %r" % one)
    for bad in (0, 2001, "3", -1):
        a = srv.ctl({"cmd": "devices", "limit": bad})
        check(a.get("ok") is False and "limit" in a.get("error", ""),
              "limit %r answered %r" % (bad, a))

    st = srv.ctl({"cmd": "status"})["status"]["devices"]
    check(st == {"total": 2, "online": 2, "offline": 0, "silent": 0},
          "status devices %r" % st)

    # Its connection gone: offline, the counts following.
    s.close()
    wait_state(srv, "00:11:22:33:85:01", "offline")
    st = srv.ctl({"cmd": "status"})["status"]["devices"]
    check(st == {"total": 2, "online": 1, "offline": 1, "silent": 0},
          "status devices after a close %r" % st)

    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "devices"])
    check(rc == 0, "ctl devices: %d %r" % (rc, err))
    lines = out.splitlines()
    check(lines[0] == "devices 2  online 1  offline 1  silent 0",
          "first line %r" % lines[0])
    check(lines[1].split()[:3] == ["MAC", "NAME", "STATE"], "header %r"
          % lines[1])
    row = lines[2].split()
    check(row[:3] == ["00:11:22:33:85:01", "meter-85", "offline"] and
          "legacy" in row and "4" in row, "legacy row %r" % lines[2])
    check("ext" in lines[3].split() and "pump-85" in lines[3],
          "extension row %r" % lines[3])
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "status"])
    check(rc == 0 and "devices 2  online 1  offline 1  silent 0" in out,
          "ctl status: %r" % out)

    # Back from another address: the last connection's.
    s2 = sdpeer.connect_from("127.0.0.2", srv.ports[0])
    s2.sendall(sdwire.legacy_sensor(L, 7.0))
    d = wait_state(srv, "00:11:22:33:85:01", "online")
    check(d["address"] == "127.0.0.2:%d" % s2.getsockname()[1],
          "address after a reconnection %r" % d["address"])
    s2.close()
    h.close()


sdpeer.run(test)
