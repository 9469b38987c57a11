#!/usr/bin/env python3
"""`sockdeckd attach` starts full and survives a server restart:
  - the Log shows what happened before it attached (a message sent and a
    client that left before attach ran), from the server's recent events;
  - when the server stops, line 1 says `server gone` with none of the
    gone server's figures (no `listening`, no rates) and line 2 says it
    will attach again;
  - when a server comes back on the same data directory, the dashboard
    attaches again by itself: the header is live again and a client of
    the new server shows.
Before, the Log started empty, the header kept `(1/1 listening)` and the
rates of a server that was gone, and attach stayed gone for ever."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def rows(lines):
    return sdtmux.log_rows(lines) or []


def test():
    srv = sdpeer.Server(nports=1).start()
    early = srv.connect()
    early.sendall(sdwire.legacy_msg(sdpeer.DEV, "before attach"))
    sdpeer.recv_until_quiet(early, quiet=0.3, timeout=5)
    gone = srv.connect()
    gone_peer = "127.0.0.1:%d" % gone.getsockname()[1]
    gone.close()

    d = sdtmux.Dashboard(120, 40, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()
    d.wait_until(
        lambda ls: any('"before attach"' in l for l in rows(ls))
        and any(gone_peer in l and "disconnected" in l
                for l in rows(ls)),
        "the message and the disconnect from before attach in the Log")
    d.wait_for(re.compile(r"\(1/1 listening\)"))

    srv.stop()
    lines = d.wait_until(lambda ls: "server gone" in ls[0],
                         "`server gone` on line 1")
    check("listening" not in lines[0] and "/s" not in lines[0]
          and "clients" not in lines[0],
          "line 1 keeps the gone server's figures:\n" + d.dump(lines))
    check("again" in lines[1], "line 2 does not say it attaches again:\n"
          + d.dump(lines))

    srv2 = sdpeer.Server(nports=1, data_dir=srv.dir).start()
    c = srv2.connect()
    c.sendall(sdwire.legacy_msg(sdpeer.DEV, "after return"))
    sdpeer.recv_until_quiet(c, quiet=0.3, timeout=5)
    peer = "127.0.0.1:%d" % c.getsockname()[1]
    lines = d.wait_until(
        lambda ls: "server gone" not in ls[0]
        and re.search(r"\(1/1 listening\)", ls[0]) is not None
        and any(peer in r for r in sdtmux.clients_rows(ls)),
        "attached again: live header and the new server's client",
        timeout=20)
    check(any('"after return"' in l for l in rows(lines)),
          "the new server's message is not in the Log:\n" + d.dump(lines))
    check(sum('"before attach"' in l for l in rows(lines)) <= 1,
          "a line shown twice after attaching again:\n" + d.dump(lines))
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")
    c.close()
    early.close()
    srv2.stop()


sdtmux.run(test, deadline=90)
