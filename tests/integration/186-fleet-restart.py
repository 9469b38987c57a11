#!/usr/bin/env python3
"""The fleet is remembered across restarts in DATA_DIR/fleet: after a
clean stop (the last write waited for) every device comes back with its
counts and first_seen, offline; after kill -9, what the last periodic
write (--device-save) held; a file that cannot be read (garbage, or cut
short: no end line) is set aside as fleet.bad and said in an error
event, and the server starts with no device remembered; a write that
fails is said once, and the next that works puts the file in place."""
import os
import signal
import time

import sdpeer
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:86:01")
B = sdwire.mac("00:11:22:33:86:02")


def devices(srv):
    r = srv.ctl({"cmd": "devices"})
    check(r.get("ok") is True, "devices answer %r" % r)
    return {d["mac"]: d for d in r["devices"]}


def send(srv, dev, n, text=None):
    s = srv.connect()
    ev = srv.client_event(s)
    for i in range(n):
        s.sendall(sdwire.legacy_sensor(dev, float(i)))
        time.sleep(0.05)
    if text is not None:
        s.sendall(sdwire.legacy_msg(dev, text))
        sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], text))
    return s


def server(d, *extra):
    return sdpeer.Server(data_dir=d, extra=["--device-save", "1"] +
                         list(extra)).start()


def wait_file_has(path, mac, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and mac in open(path).read():
            return
        time.sleep(0.1)
    sdpeer.fail("%s not in %s within %.1fs" % (mac, path, timeout))


def clean_stop(d):
    srv = server(d, "--device-save", "3600")
    s = send(srv, A, 5, "hello")
    before = devices(srv)["00:11:22:33:86:01"]
    s.close()
    check(srv.stop() == 0, "exit status %r" % srv.returncode)
    text = open(os.path.join(d, "fleet")).read()
    check(text.startswith("sockdeck-devices 1\n") and
          text.endswith("end 1\n"), "fleet file %r" % text)
    srv = server(d)
    after = devices(srv).get("00:11:22:33:86:01")
    check(after is not None, "device forgotten at a restart")
    for k in ("first_seen", "readings", "messages", "files", "protocol",
              "address", "interval_s", "last_seen"):
        check(after[k] == before[k], "%s: %r before, %r after"
              % (k, before[k], after[k]))
    check(after["state"] == "offline", "state %r" % after["state"])
    srv.stop()


def killed(d):
    srv = server(d)
    s = send(srv, B, 3)
    wait_file_has(os.path.join(d, "fleet"), "00:11:22:33:86:02")
    srv.stop(signal.SIGKILL)
    s.close()
    srv = server(d)
    got = devices(srv)
    check(got.get("00:11:22:33:86:02", {}).get("readings") == 3 and
          "00:11:22:33:86:01" in got, "after kill -9: %r" % got)
    srv.stop()


def bad_file(d, text, what):
    path = os.path.join(d, "fleet")
    with open(path, "w") as f:
        f.write(text)
    srv = server(d)
    ev = srv.wait_event("error", lambda e: "fleet" in e.get("reason", ""))
    check("fleet.bad" in ev["reason"], "%s: error %r" % (what, ev))
    check(devices(srv) == {}, "%s: devices remembered" % what)
    check(open(path + ".bad").read() == text, "%s: not set aside" % what)
    # The next write starts afresh.
    s = send(srv, A, 1)
    wait_file_has(path, "00:11:22:33:86:01")
    s.close()
    srv.stop()


def write_fails(d):
    """A write that fails is said once (an error event), not at each
    try, and the next that works puts the file in place."""
    tmp = os.path.join(d, "fleet.tmp")
    os.mkdir(tmp)
    srv = server(d)
    ev = srv.wait_event("error", lambda e: "cannot write" in
                        e.get("reason", ""))
    check("fleet" in ev["reason"], "error %r" % ev)
    time.sleep(2.5)
    n = len(srv.find_events("error", lambda e: "cannot write" in
                            e.get("reason", "")))
    check(n == 1, "%d errors for one failing write, tried every second" % n)
    os.rmdir(tmp)
    s = send(srv, B, 1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open(os.path.join(d, "fleet")) as f:
            if " 4 0 0 legacy" in f.read():
                break
        time.sleep(0.1)
    else:
        sdpeer.fail("the file not written again once it could be")
    s.close()
    srv.stop()


def test():
    d = sdpeer.Server().dir       # removed at the end, with its server
    clean_stop(d)
    killed(d)
    write_fails(d)
    whole = open(os.path.join(d, "fleet")).read()
    cut = whole[:whole.rindex("end ")]
    bad_file(d, cut, "cut short")
    bad_file(d, cut + "end 3\n", "an end line counting more")
    bad_file(d, "\x00garbage\n" * 10, "garbage")
    bad_file(d, whole.replace("legacy", "legacy junk", 1), "extra field")


sdpeer.run(test)
