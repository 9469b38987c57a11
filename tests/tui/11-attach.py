#!/usr/bin/env python3
"""`sockdeckd attach --data-dir D` shows a running headless server's
clients (the same peers `sockdeckd ctl --json clients` lists) with
`attached` in the header; quitting it leaves the server serving."""
import json
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def test():
    srv = sdpeer.Server(nports=1, extra=["--reply-format", sdpeer.ECHO_FMT]).start()
    socks = [srv.connect(), srv.connect()]
    peers = []
    for i, s in enumerate(socks):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "attach test %d" % i))
        got = sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
        check(b"attach test %d" % i in got, "no reply: %r" % got)
        peers.append("127.0.0.1:%d" % s.getsockname()[1])
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "--json",
                                   "clients"])
    check(rc == 0, "ctl clients: status %d, stderr %r" % (rc, err))
    j = None
    for cand in (out.strip(), (out.strip().splitlines() or [""])[-1]):
        try:
            j = json.loads(cand)
            break
        except ValueError:
            pass
    check(j is not None, "ctl --json clients: not JSON: %r" % out[:300])
    lst = j.get("clients", []) if isinstance(j, dict) else j
    ctl_peers = sorted("%s:%d" % (c["peer"], c["peer_port"]) for c in lst)
    check(ctl_peers == sorted(peers), "ctl lists %r, we are %r"
          % (ctl_peers, peers))

    d = sdtmux.Dashboard(120, 40, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()
    d.wait_for(" sockdeckd 0.1.0", what="the attached dashboard's header")

    def rows_ok(ls):
        rows = sdtmux.clients_rows(ls)
        return ("Clients (2)" in "\n".join(ls)
                and all(any(p in r for r in rows) for p in ctl_peers))

    lines = d.wait_until(rows_ok, "Clients (2) with rows for %s"
                         % ", ".join(ctl_peers))
    check(re.search(r"\battached\b", lines[0]),
          "the header does not say `attached`:\n" + d.dump(lines))
    check(any(sdtmux.DEV_STR in r for r in sdtmux.clients_rows(lines)),
          "no device %s in the rows:\n%s" % (sdtmux.DEV_STR, d.dump(lines)))

    # Quitting attach detaches: no question about the clients.
    d.keys("q")
    deadline = time.monotonic() + 10
    while not d.pane_dead()[0]:
        check(not re.search(r"\(y/n\)", d.text()), "the attached "
              "dashboard asked before detaching:\n" + d.dump())
        check(time.monotonic() < deadline, "the attached dashboard did not "
              "quit on `q`:\n" + d.dump())
        time.sleep(0.05)
    st = d.wait_exit()
    check(st == 0, "attached dashboard: exit status %r, expected 0" % st)
    check(not d.modes()["alternate"], "terminal not restored after quitting"
          " attach")

    time.sleep(0.2)
    check(srv.alive(), "the headless server exited when the attached "
          "dashboard quit")
    for i, s in enumerate(socks):
        sdpeer.expect_quiet(s, 0.2, "client %d after detaching" % i)
    n = srv.connect()
    n.sendall(sdwire.legacy_msg(sdpeer.DEV, "still there?"))
    got = sdpeer.recv_until_quiet(n, quiet=0.3, timeout=5)
    check(b"return data => still there?" in got,
          "the server did not answer a new client after detach: %r" % got)
    for s in socks + [n]:
        s.close()
    check(srv.stop() == 0, "headless server: exit status not 0")


sdtmux.run(test)
