#!/usr/bin/env python3
"""Enter on a client in the Clients pane opens its detail view below
the header: id, descriptor, address and port, server port, device,
name, protocol, auth, state, connect time, last activity, bytes and
frames both ways, its transfer, its readings, and its own lines of the
log (not another client's). Esc goes back to the table; so does q
(which does not quit from there)."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

DEV = "02:00:00:00:00:42"


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    other = d.connect()
    other.sendall(sdwire.legacy_msg(sdpeer.DEV, "from the other one"))
    sdpeer.recv_until_quiet(other, quiet=0.2, timeout=5)
    s = d.connect()
    sdpeer.hello(s, dev=sdwire.mac(DEV), name=b"boiler-3")
    s.sendall(sdwire.legacy_msg(sdwire.mac(DEV), "pressure ok"))
    d.wait_for("Clients (2)")
    c = [x for x in d.ctl({"cmd": "clients"})["clients"]
         if x["name"] == "boiler-3"][0]
    port = s.getsockname()[1]
    sdtmux.open_detail(d, port)
    lines = d.wait_for("Client #%d" % c["id"], what="the detail view")
    lines = d.wait_until(lambda ls: sdtmux.detail_field(ls, "name") == "boiler-3",
                         "the fields of #%d" % c["id"])
    want = {
        "fd": str(c["fd"]),
        "peer": "127.0.0.1:%d" % port,
        "server port": str(d.port),
        "device": DEV,
        "protocol": "extension",
        "auth": "none",
        "transfer": "none",
    }
    for k, v in want.items():
        check(sdtmux.detail_field(lines, k) == v, "%s: %r, want %r" % (k, sdtmux.detail_field(lines, k),
                                                         v))
    for k in ("state", "connected", "last active", "bytes", "frames"):
        check(sdtmux.detail_field(lines, k), "no %r field" % k)
    check(re.match(r"\d+ in, \d+ out", sdtmux.detail_field(lines, "frames")),
          "frames: %r" % sdtmux.detail_field(lines, "frames"))
    s.sendall(sdwire.legacy_sensor(sdwire.mac(DEV), 21.5))
    lines = d.wait_until(lambda ls: (sdtmux.detail_field(ls, "readings") or "")
                         .startswith("21.5"), "its device's reading 21.5")
    text = "\n".join(lines)
    check("pressure ok" in text, "its message in its log:\n" + d.dump())
    check("from the other one" not in text, "another client's line in "
          "its log:\n" + d.dump())
    check(sdtmux.title_line(lines, "Log") is None or "Log of" in text,
          "the detail view is full screen")
    d.keys("Escape")
    d.wait_until(lambda ls: sdtmux.client_row(ls, port) is not None and
                 "Client #" not in "\n".join(ls), "Esc: the table again")
    d.keys("Enter")
    d.wait_for("Client #%d" % c["id"], what="the detail view again")
    d.keys("q")
    d.wait_until(lambda ls: sdtmux.client_row(ls, port) is not None,
                 "q: the table again")
    check(not d.pane_dead()[0], "q in the detail view quit")
    s.close()
    other.close()


sdtmux.run(test)
