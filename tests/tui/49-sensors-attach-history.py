#!/usr/bin/env python3
"""`sockdeckd attach` starts with each sensor's history (issue 16): the
first time a sensor's row shows, its sparkline already covers the
seconds of readings the server had, not one value that grows a column
a second from then on."""
import time

import sdpeer
import sdsensors
import sdtmux
from sdtmux import check


def test():
    srv = sdpeer.Server(nports=1).start()
    f = sdsensors.Feeder(srv, every=0.1).add(b"temp", [1, 5, 3, 8])
    f.start()
    time.sleep(6)
    d = sdtmux.Dashboard(100, 30, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()
    d.wait_for(" sockdeckd 0.1.0", what="the attached dashboard")
    sdsensors.focus(d)
    ls = sdsensors.wait_row(d, "temp")
    r = sdsensors.row(ls, "temp")
    check(len(r["spark"].strip()) >= 2,
          "the first sparkline after attach is %r: not the history"
          % r["spark"])
    f.close()
    d.keys("q")
    d.wait_exit()
    check(srv.stop() == 0, "server exit status")


sdtmux.run(test)
