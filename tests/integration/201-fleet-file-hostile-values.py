#!/usr/bin/env python3
"""DATA_DIR/fleet is read at start: numbers past what a clock or an
interval can be (a last_seen of INT64_MAX ns, an interval of INT64_MAX
ns, which five times over overflowed when the silence check took it)
and an address that is not printable ASCII (bytes that are not UTF-8,
which made the device vanish from `ctl devices`, and escapes) make the
line wrong: the file is set aside as fleet.bad, said, and the server
starts with no device, runs its silence checks and takes new devices
without a sanitizer report. A file within the bounds is read back
whole. (sockdeckd(1) FILES, DATA_DIR/fleet.)"""
import os
import time

import sdpeer
import sdwire
from sdpeer import check

I64 = 2 ** 63 - 1
NEW = sdwire.mac("00:11:22:33:01:01")


def line(mac, first, last, read, interval, readings, addr):
    return ("%s %d %d %d %d %d 0 0 legacy 0 0 %s\n"
            % (mac, first, last, read, interval, readings, addr))


def devices(srv):
    r = srv.ctl({"cmd": "devices"})
    check(r.get("ok") is True, "devices answer %r" % r)
    return r


def start(d, text):
    path = os.path.join(d, "fleet")
    with open(path, "wb") as f:
        f.write(text)
    return sdpeer.Server(data_dir=d, extra=["--device-save", "1"]).start()


def refused(d, text, what):
    srv = start(d, text)
    ev = srv.wait_event("error", lambda e: "fleet" in e.get("reason", ""))
    check("fleet.bad" in ev["reason"], "%s: error %r" % (what, ev))
    r = devices(srv)
    check(r["total"] == 0, "%s: %d devices remembered" % (what, r["total"]))
    # The silence check runs over the table, a new device comes.
    s = srv.connect()
    srv.client_event(s)
    s.sendall(sdwire.legacy_sensor(NEW, 1.0))
    time.sleep(1.5)
    r = devices(srv)
    check(r["total"] == 1 and len(r["devices"]) == 1,
          "%s: new device %r" % (what, r))
    s.close()
    check(srv.stop() == 0, "%s: exit status %r" % (what, srv.returncode))
    os.unlink(os.path.join(d, "fleet.bad"))


def test():
    d = sdpeer.Server().dir       # removed at the end, with its server
    now = time.time_ns()
    head = b"sockdeck-devices 1\n"
    ok = line("00:11:22:33:01:02", now - 10 ** 9, now, now, 10 ** 9, 5,
              "127.0.0.1:4000")
    refused(d, head + (ok + line("00:11:22:33:01:03", now, I64, now, 10 **
                                 9, 5, "-")).encode() + b"end 2\n",
            "last_seen INT64_MAX")
    refused(d, head + (ok + line("00:11:22:33:01:03", now, now, now, I64,
                                 5, "-")).encode() + b"end 2\n",
            "interval INT64_MAX")
    refused(d, head + ok.encode() + line("00:11:22:33:01:03", now, now,
                                         now, 10 ** 9, 5, "X").encode()
            .replace(b"X", b"\xff\xfe:1") + b"end 2\n", "address not UTF-8")
    refused(d, head + ok.encode() + line("00:11:22:33:01:03", now, now,
                                         now, 10 ** 9, 5, "\x1b[2J:1")
            .encode() + b"end 2\n", "address with an escape")
    # Within the bounds: every device back, listed.
    srv = start(d, head + (ok + line("00:11:22:33:01:03", now, now + 1, 0,
                                     0, 0, "[::1]:9")).encode() + b"end 2\n")
    r = devices(srv)
    check(r["total"] == 2 and len(r["devices"]) == 2, "good file: %r" % r)
    check(not srv.find_events("error"), "good file: %r"
          % srv.find_events("error"))
    check(srv.stop() == 0, "exit status %r" % srv.returncode)


sdpeer.run(test)
