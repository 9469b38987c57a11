#!/usr/bin/env python3
"""--device-timeout applies at a reload (sockdeckd(1): RELOAD): a device
not silent under a timeout of an hour goes silent within seconds once a
reload sets 1, without a restart (the reload event names the option,
not as needing a restart)."""
import os
import time

import sdpeer
import sdwire
from sdpeer import check

L = sdwire.mac("00:11:22:33:89:01")


def test():
    srv = sdpeer.Server()
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("device-timeout = 3600\n")
    srv.extra += ["--config", conf]
    srv.start()
    s = srv.connect()
    for i in range(3):
        s.sendall(sdwire.legacy_sensor(L, float(i)))
        time.sleep(0.1)
    time.sleep(2.0)
    check(srv.find_events("device-silent") == [], "silent under 3600 s")
    with open(conf, "w") as f:
        f.write("device-timeout = 1\n")
    mark = srv.mark()
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and "device-timeout" in r.get("changed", [])
          and "device-timeout" not in r.get("restart", []),
          "reload answered %r" % r)
    srv.wait_event("device-silent", lambda e: e.get("mac") ==
                   "00:11:22:33:89:01", timeout=5, since=mark)
    s.close()


sdpeer.run(test)
