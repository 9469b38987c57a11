#!/usr/bin/env python3
"""Rows come and go by the events, not by the periodic snapshot: with
`--refresh 3600` (one snapshot at the start, the next an hour later) an
attached dashboard shows two clients that connect after it started, and
when one closes its row goes (Clients (1), header `clients 1`) while the
other stays; when the other is kicked from `sockdeckd ctl` its row goes
too. Nothing but the connect and disconnect events can have done it.
With `--refresh 3` the Sensors rate of a device sending 10 readings a
second reads about 10/s (per second, not per refresh). `--refresh` takes
1 to 3600, for the server and for attach (SPEC-dashboard.md, Refresh)."""
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

HOUR = ["--refresh", "3600"]


def row(lines, needle):
    return [l for l in sdtmux.clients_rows(lines) if needle in l]


def refused():
    """Out-of-range values: status 2, one line naming the option."""
    for args in (["--refresh", "0", "--headless"],
                 ["--refresh", "3601", "--headless"],
                 ["--refresh", "x", "--headless"],
                 ["attach", "--refresh", "0"],
                 ["attach", "--refresh", "3601"]):
        rc, out, err = sdpeer.run_cli(args)
        check(rc == 2, "`sockdeckd %s`: status %r, expected 2 (stderr %r)"
              % (" ".join(args), rc, err))
        check(err.count("\n") == 1 and "--refresh" in err,
              "`sockdeckd %s`: stderr is not one line naming --refresh: "
              "%r" % (" ".join(args), err))


def attached_rows():
    srv = sdpeer.Server(nports=1).start()
    d = sdtmux.Dashboard(120, 40, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir] + HOUR)
    d.start()
    d.wait_until(lambda ls: "Clients (0)" in "\n".join(ls)
                 and re.search(r"\battached\b", ls[0]),
                 "the attached dashboard with Clients (0)")
    a, b = srv.connect(), srv.connect()
    pa = "127.0.0.1:%d" % a.getsockname()[1]
    pb = "127.0.0.1:%d" % b.getsockname()[1]
    d.wait_until(lambda ls: row(ls, pa) and row(ls, pb)
                 and "Clients (2)" in "\n".join(ls),
                 "rows for %s and %s, Clients (2), from the connect events"
                 % (pa, pb))
    a.close()
    lines = d.wait_until(lambda ls: not row(ls, pa),
                         "the row of %s to go when it closed (the next "
                         "snapshot is an hour away)" % pa)
    check(row(lines, pb) and "Clients (1)" in "\n".join(lines)
          and re.search(r"\bclients 1\b", lines[0]),
          "after %s closed: expected the row of %s, Clients (1) and "
          "`clients 1`:\n%s" % (pa, pb, d.dump(lines)))
    mark = srv.mark()
    cl = [c for c in srv.ctl({"cmd": "clients"}).get("clients", [])
          if c.get("peer_port") == b.getsockname()[1]]
    check(cl, "the server does not list %s" % pb)
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "kick",
                                   str(cl[0]["id"])])
    check(rc == 0, "ctl kick: status %d, stderr %r" % (rc, err))
    srv.wait_event("disconnect", lambda e: e.get("id") == cl[0]["id"],
                   since=mark)
    sdpeer.expect_eof(b, timeout=5, what="the kicked client")
    lines = d.wait_until(lambda ls: not row(ls, pb)
                         and "Clients (0)" in "\n".join(ls),
                         "the row of %s to go when it was kicked" % pb)
    check(re.search(r"\bclients 0\b", lines[0]),
          "header after both left:\n" + d.dump(lines))
    d.keys("q")
    check(d.wait_exit() == 0, "attach --refresh 3600: `q` exit status")
    b.close()
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


def sensor_rate():
    d = sdtmux.Dashboard(120, 40, extra=["--refresh", "3"]).start()
    d.wait_ready()
    s = d.connect()
    rx = re.compile(re.escape(sdtmux.DEV_STR) + r" .* (\d+(?:\.\d)?)/s")
    seen = []

    def shown(ls):
        for l in ls:
            m = rx.search(l)
            if m and "Sensors" not in l and float(m.group(1)) > 0:
                seen.append(float(m.group(1)))
                return True
        return False

    # 10 readings a second until the dashboard shows a rate (at most
    # 20 s): the first snapshot learns the device, the next one, 3 s
    # later, has the rate.
    deadline = time.monotonic() + 20
    nxt = time.monotonic()
    while not shown(d.screen()):
        check(time.monotonic() < deadline, "no sensor rate within 20s:\n"
              + d.dump())
        while time.monotonic() >= nxt:
            s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 21.5))
            nxt += 0.1
        time.sleep(max(0.0, min(0.05, nxt - time.monotonic())))
    check(4 <= seen[0] <= 20, "--refresh 3 with 10 readings a second: the "
          "rate shown is %g/s, expected about 10/s:\n%s"
          % (seen[0], d.dump()))
    s.close()


def test():
    refused()
    attached_rows()
    sensor_rate()


sdtmux.run(test, deadline=80)
