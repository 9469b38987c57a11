#!/usr/bin/env python3
"""At 80 columns the header's first line keeps every figure whole even
when the words before them do not fit: attached to a server with five
ports apart, `attached`, the uptime, the port list (`FIRST,+4`), the
listening count, clients, the in-rate and `rd` all fit, because the
version (and then the port list, then the name) gives way first.
Before, the line was cut at the edge in the middle of `rd N/s`."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

LINE1 = re.compile(r" up \S+ ports (\d+,\+4 )?5/5 clients (\d+) in "
                   r"\d+(\.\d)? [kMG]?B/s rd \d+(\.\d)?k?/s$")


def test():
    srv = sdpeer.Server(ports=sdpeer.free_ports(5, consecutive=False)
                        ).start()
    socks = []
    for i in range(12):
        s = srv.connect()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hello %d" % i))
        socks.append(s)
    d = sdtmux.Dashboard(80, 24, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()

    def whole(ls):
        return (ls and "attached" in ls[0] and
                LINE1.search(ls[0].rstrip()) is not None and
                " clients 12 " in ls[0] and
                sdtmux.display_width(ls[0].rstrip()) <= 80)
    lines = d.wait_until(whole, "line 1 whole at 80 columns, attached, "
                         "with 12 clients and 5 ports apart")
    check("attached" in lines[0], "not attached: %r" % lines[0])
    d.keys("q")
    check(d.wait_exit() == 0, "attach exit status")
    for s in socks:
        s.close()
    srv.stop()


sdtmux.run(test)
