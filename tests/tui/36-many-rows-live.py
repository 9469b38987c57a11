#!/usr/bin/env python3
"""The dashboard at 120x40 with 12,000 idle connections (from 127.0.0.1
to 127.0.0.4; more than the 10,000 rows a dashboard once held): the
Clients title and the header count every one (`Clients (12000)`,
`clients 12000`), the header clock keeps ticking (three different
seconds in 3.5 s), End shows the last client connected, selected, and
Home the first, each within a generous bound; `s` to the peer sort and
End shows the greatest peer (127.0.0.4, its highest port); q asks
about all 12000. The model holds the window on screen, not the table.
Test 37 runs the same through `sockdeckd attach`."""
import re
import resource
import socket
import time

import sdpeer
import sdtmux
from sdtmux import check

N = 12000
SOURCES = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
KEY_S = 5.0         # a key's effect on the screen, on a loaded machine


def selected(lines):
    return [l for l in sdtmux.clients_rows(lines) if l[1:3] == "> "]


def timed_key(d, key, pred, what):
    t = time.monotonic()
    d.keys(key)
    lines = d.wait_until(pred, what, timeout=30)
    took = time.monotonic() - t
    sdtmux.log("%s: %.2f s" % (key, took))
    check(took < KEY_S, "%s took %.1f s" % (what, took))
    return lines


def many_rows(attach):
    """The checks above on an in-process dashboard, or (attach) on
    `sockdeckd attach` to a headless server."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < N + 500:
        print("SKIP: descriptor hard limit %d is too low" % hard)
        raise SystemExit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    extra = ["--max-clients", str(N + 100), "--max-clients-per-ip", "0"]
    if attach:
        srv = sdpeer.Server(extra=extra).start()
        port = srv.ports[0]
        d = sdtmux.Dashboard(120, 40, port=port, data_dir=srv.dir,
                             args=["attach", "--data-dir", srv.dir])
        d.start()
        d.wait_for(" sockdeckd 0.1.0")
    else:
        d = sdtmux.Dashboard(120, 40, extra=extra)
        d.start()
        d.wait_ready()
        port = d.port
    socks = []
    for i in range(N):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((SOURCES[i % len(SOURCES)], 0))
        s.connect(("127.0.0.1", port))
        socks.append(s)
    first = "%s:%d" % socks[0].getsockname()
    last = "%s:%d" % socks[-1].getsockname()
    peers = sorted((s.getsockname() for s in socks),
                   key=lambda a: (a[0], a[1]))
    greatest = "%s:%d" % peers[-1]

    d.wait_until(lambda ls: "Clients (%d)" % N in "\n".join(ls) and
                 re.search(r"\bclients %d\b" % N, ls[0]),
                 "Clients (%d) and `clients %d` in the header" % (N, N),
                 timeout=30)
    seen = d.clock_seen(3.5)
    check(len(seen) >= 3, "the header showed %r in 3.5 s with %d clients"
          % (seen, N))

    timed_key(d, "End", lambda ls: any(last in l for l in selected(ls)),
              "End: the last client %s selected" % last)
    timed_key(d, "Home", lambda ls: any(first in l for l in selected(ls)),
              "Home: the first client %s selected" % first)
    timed_key(d, "s", lambda ls: "sort: id" in "\n".join(ls), "s: sort id")
    timed_key(d, "s", lambda ls: "sort: peer" in "\n".join(ls),
              "s: sort peer")
    timed_key(d, "End", lambda ls: any(greatest in l for l in selected(ls)),
              "End in the peer sort: %s selected" % greatest)
    if attach:
        # attached, q detaches at once: no question (tui/11)
        d.keys("q")
    else:
        timed_key(d, "q", lambda ls: "disconnect %d clients?" % N in
                  "\n".join(ls), "q: the question counts %d clients" % N)
        d.keys("y")
    check(d.wait_exit(timeout=30) == 0, "exit status")
    for s in socks:
        s.close()


if __name__ == "__main__":
    sdtmux.run(lambda: many_rows(False), deadline=58)
