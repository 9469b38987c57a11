#!/usr/bin/env python3
"""Rates the server keeps over a window: a steady stream of 40 legacy
messages a second reads 40/s (within 10%) in status `rates` (with the
window, 5 s) every time it is asked, never twice that or 0, and the
same figure in the client's `rate` in `clients`, in `ctl status` and in
`ctl clients`; once the stream stops the rates fall to 0 within the
window."""
import re
import time

import sdpeer
import sdwire
from sdpeer import check

N = 40


def near(v, want=N):
    return abs(v - want) <= want * 0.1


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    cid = srv.client_event(s)["id"]
    st = sdpeer.Steady(s, N, lambda i: sdwire.legacy_msg(
        sdpeer.DEV, "m%d" % i)).start()
    # The window fills: 5 whole seconds after the first whole one.
    time.sleep(6.5)
    samples = []
    for _ in range(8):
        r = srv.ctl({"cmd": "status"})["status"]["rates"]
        c = [x for x in srv.ctl({"cmd": "clients"})["clients"]
             if x["id"] == cid]
        check(c, "client %d not in clients" % cid)
        samples.append((r["messages"], c[0]["rate"]))
        check(r["window"] == 5, "rates window %r, expected 5" % r["window"])
        check(r["bytes_in"] > 0 and r["bytes_out"] > 0,
              "byte rates while messages flow: %r" % r)
        time.sleep(0.4)
    check(all(near(a) and near(b) for a, b in samples),
          "a steady %d/s read (status, client): %r" % (N, samples))
    check(all(abs(a - b) <= N * 0.05 for a, b in samples),
          "status and the client's rate differ: %r" % samples)

    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "status"])
    m = re.search(r"rates over 5s: messages ([\d.]+)/s", out)
    check(rc == 0 and m and near(float(m.group(1))),
          "ctl status: %r %r" % (out, err))
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "clients"])
    # RATE, IDENT, then the TLS column ("-" on a plain port)
    m = re.search(r"([\d.]+)/s +- +-$", out.strip())
    check(rc == 0 and "RATE" in out and m and near(float(m.group(1))),
          "ctl clients: %r %r" % (out, err))

    sent = st.stop()
    check(sent > N * 8, "the stream sent only %d" % sent)
    deadline = time.monotonic() + 8
    while True:
        r = srv.ctl({"cmd": "status"})["status"]["rates"]
        if r["messages"] == 0:
            break
        check(time.monotonic() < deadline, "rates after the stream "
              "stopped: %r" % r)
        time.sleep(0.2)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
