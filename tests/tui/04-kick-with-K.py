#!/usr/bin/env python3
"""With the only client selected in the Clients pane, `K` asks
`Disconnect #ID IP:PORT? (y/n)`; `n` keeps the client, `y` drops it: the
socket sees EOF and the row vanishes. `k` is up only, there too: it
never asks (issue 16: one slip of vi's up asked to drop a client). `--refresh 3600` (one snapshot
at the start): the row goes by the disconnect event, not by a re-poll."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def row(lines, needle):
    return [l for l in sdtmux.clients_rows(lines) if needle in l]


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--refresh", "3600"]).start()
    d.wait_ready()
    s = d.connect()
    lport = s.getsockname()[1]
    peer = "127.0.0.1:%d" % lport
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "kick me"))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_until(lambda ls: row(ls, peer) and "Clients (1)" in "\n".join(ls),
                 "the row of %s" % peer)
    r = d.ctl({"cmd": "clients"})
    cl = [c for c in r.get("clients", []) if c.get("peer_port") == lport]
    check(cl, "control socket does not list our client: %r" % r)
    cid = cl[0]["id"]
    prompt = re.compile(r"Disconnect #%d %s\? \(y/n\)"
                        % (cid, re.escape(peer)))

    # the Clients pane has the focus at start; Home selects its first row
    d.keys("Home")
    d.keys("k")
    sdpeer.expect_quiet(s, 0.3, "client after `k`")
    check(not re.search(r"\(y/n\)", d.text()), "`k` asked:\n" + d.dump())
    d.keys("K")
    d.wait_for(prompt, what="the prompt `Disconnect #%d %s? (y/n)`"
               % (cid, peer))
    d.keys("n")
    d.wait_gone(prompt, what="the prompt to close on `n`")
    sdpeer.expect_quiet(s, 0.5, "client after `K` `n`")
    lines = d.screen()
    check(row(lines, peer) and "Clients (1)" in "\n".join(lines),
          "`K` `n` dropped the row:\n" + d.dump(lines))
    r = d.ctl({"cmd": "clients"})
    check(any(c.get("peer_port") == lport for c in r.get("clients", [])),
          "`K` `n` dropped the client: %r" % r)

    d.keys("K")
    d.wait_for(prompt)
    d.keys("y")
    sdpeer.expect_eof(s, timeout=5, what="client after `K` `y`")
    d.wait_until(lambda ls: not row(ls, peer)
                 and "Clients (0)" in "\n".join(ls),
                 "the row of %s to vanish, Clients (0)" % peer)
    d.wait_gone(prompt)
    s.close()


sdtmux.run(test)
