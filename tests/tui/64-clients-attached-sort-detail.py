#!/usr/bin/env python3
"""Attached to a headless server (`sockdeckd attach`), the client table
sorts reversed (`r`), filters (`/`) and opens a client's detail view
(Enter) over the control socket as in process, with the client's lines
of the log since attaching; the detail view says when the client
goes."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def test():
    srv = sdpeer.Server(nports=1).start()
    socks, ports = [], []
    for i in range(3):
        s = srv.connect()
        s.sendall(sdwire.legacy_msg(sdwire.mac("02:00:00:00:00:%02x" %
                                               (0x30 + i)), "hi %d" % i))
        sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
        socks.append(s)
        ports.append(s.getsockname()[1])
    d = sdtmux.Dashboard(120, 40, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()
    d.wait_for("Clients (3)", what="the attached dashboard's table")
    title = lambda ls: sdtmux.clients_title(ls) or ""
    d.wait_until(lambda ls: sdtmux.client_order(ls, ports) == ports,
                 "the rows in connection order")
    d.keys("r")
    d.wait_until(lambda ls: "sort: connected \u25bc" in title(ls) and
                 sdtmux.client_order(ls, ports) == ports[::-1],
                 "`r`: the rows the other way")
    d.keys("/")
    d.type("00:31")
    d.keys("Enter")
    d.wait_until(lambda ls: "(1 of 3)" in title(ls) and
                 sdtmux.client_order(ls, ports) == [ports[1]],
                 "the filter on the server: one client")
    cid = [c["id"] for c in srv.ctl({"cmd": "clients"})["clients"]
           if c["peer_port"] == ports[1]][0]
    d.keys("Enter")
    lines = d.wait_until(lambda ls: "Client #%d" % cid in "\n".join(ls) and
                         re.search(r"\bdevice +02:00:00:00:00:31\b",
                                   "\n".join(ls)),
                         "the detail view of #%d, attached" % cid)
    socks[1].sendall(sdwire.legacy_msg(sdwire.mac("02:00:00:00:00:31"),
                                       "seen attached"))
    d.wait_for("seen attached", what="its new message in its log")
    socks[1].close()
    d.wait_for(re.compile(r"disconnected at \d\d:\d\d:\d\d"),
               what="`disconnected at` once it goes")
    d.keys("Escape")
    d.wait_until(lambda ls: "(0 of 2)" in title(ls),
                 "the table: the filter matches nobody now")
    d.keys("q")
    check(d.wait_exit() == 0, "attach exit status")
    for s in socks:
        s.close()
    check(srv.stop() == 0, "server exit status")


sdtmux.run(test)
