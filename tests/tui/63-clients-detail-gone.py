#!/usr/bin/env python3
"""A client that disconnects while its detail view is open: the view
stays, says `disconnected at HH:MM:SS (why)` and `gone`, keeps its last
known fields (how long it was connected: `for DURATION`), and its log
has the disconnect line; Esc goes back to a table without it. The
dashboard does not crash."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def test():
    d = sdtmux.Dashboard(80, 24).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "about to go"))
    sdpeer.recv_until_quiet(s, quiet=0.2, timeout=5)
    d.wait_for("Clients (1)")
    cid = d.ctl({"cmd": "clients"})["clients"][0]["id"]
    port = s.getsockname()[1]
    d.keys("Enter")
    d.wait_until(lambda ls: "Client #%d" % cid in "\n".join(ls) and
                 "127.0.0.1:%d" % port in "\n".join(ls),
                 "the detail view of #%d" % cid)
    s.close()
    lines = d.wait_until(lambda ls: re.search(
        r"disconnected at \d\d:\d\d:\d\d\.\d{3} \(closed by peer\)",
        "\n".join(ls)), "`disconnected at ... (closed by peer)`")
    text = "\n".join(lines)
    check("gone" in text, "`gone` in the view:\n" + d.dump())
    check("127.0.0.1:%d" % port in text, "its last known fields stay")
    check(re.search(r"connected +\d\d:\d\d:\d\d, for \d", text),
          "its connection time, as it was when it went:\n" + d.dump())
    check(re.search(r"#%d\b.* disconnect" % cid, text),
          "the disconnect line in its log:\n" + d.dump())
    d.keys("Escape")
    d.wait_for("Clients (0)", what="Esc: the table, without the client")
    check(not d.pane_dead()[0], "the dashboard exited")


sdtmux.run(test)
