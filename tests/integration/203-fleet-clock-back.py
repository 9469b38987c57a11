#!/usr/bin/env python3
"""A wall clock set back (DATA_DIR/fleet written while it was a year
ahead) does not pin the devices seen since to that future: a device
seen now is last seen now (last_seen_ms about 0, not a year below it),
and the file still keeps the order last seen, so after a restart the
device seen last comes first and the one seen longest ago is the one
the table forgets first. (sockdeckd(1) FLEET.)"""
import os
import time

import sdpeer
import sdwire
from sdpeer import check

YEAR = 365 * 86400 * 10 ** 9
OLD = "00:11:22:33:03:01"
NEW = "00:11:22:33:03:02"


def devices(srv):
    r = srv.ctl({"cmd": "devices"})
    check(r.get("ok") is True, "devices answer %r" % r)
    return r["devices"]


def test():
    d = sdpeer.Server().dir       # removed at the end, with its server
    ahead = time.time_ns() + YEAR
    with open(os.path.join(d, "fleet"), "w") as f:
        f.write("sockdeck-devices 1\n%s %d %d %d 1000000000 5 0 0 legacy "
                "0 0 127.0.0.1:4000\nend 1\n" % (OLD, ahead, ahead, ahead))
    srv = sdpeer.Server(data_dir=d).start()
    s = srv.connect()
    srv.client_event(s)
    s.sendall(sdwire.legacy_sensor(sdwire.mac(NEW), 1.0))
    time.sleep(0.5)
    got = {v["mac"]: v for v in devices(srv)}
    check(NEW in got, "new device not listed: %r" % got)
    ms = got[NEW]["last_seen_ms"]
    check(-2000 <= ms <= 60000, "seen now, last_seen_ms %d (%s)"
          % (ms, got[NEW]["last_seen"]))
    check(got[NEW]["last_seen"][:4] == time.strftime("%Y", time.gmtime()),
          "last_seen %r" % got[NEW]["last_seen"])
    s.close()
    check(srv.stop() == 0, "exit status %r" % srv.returncode)
    srv = sdpeer.Server(data_dir=d).start()
    order = [v["mac"] for v in devices(srv)]
    check(order == [NEW, OLD], "after a restart, seen last first: %r"
          % order)
    check(srv.stop() == 0, "exit status %r" % srv.returncode)


sdpeer.run(test)
