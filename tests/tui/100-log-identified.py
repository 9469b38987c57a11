#!/usr/bin/env python3
"""With --devices, the Log says how a client was identified: the first
admitted legacy frame of a connection `identified as meter-1
(registry)`, an extension client's `hello "NAME" as pump (registry)`;
their rows' sec column (200 columns) says `plain meter-1`, `plain
pump`. Attached to a server whose registry name holds ESC and a bidi
override, the sec column shows them as `?` (80 and 200 columns) and
the hello line escaped (\\x1b, \\u{202e}), no byte raw."""
import json
import os
import re
import time

import sdpeer
import sdreg
import sdtmux
import sdwire
from sdterm import FakeServer
from sdtmux import check

L1 = sdwire.mac("02:00:00:00:01:00")
T = sdwire.mac("02:00:00:00:01:01")


def test():
    d0 = sdtmux.mkdtemp()
    path = sdreg.write(d0, [sdreg.line(L1, "meter-1"),
                            sdreg.line(T, "pump", token=b"t")])
    d = sdtmux.Dashboard(200, 40, extra=["--devices", path]).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(L1, "from meter"))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    port = s.getsockname()[1]
    ls = d.wait_until(lambda ls: any(
        re.search(r"127\.0\.0\.1:%d .*identified as meter-1 \(registry\)"
                  % port, r) for r in sdtmux.log_rows(ls)),
        "the Log: identified as meter-1 (registry)")
    h = d.connect()
    h.sendall(sdwire.hello(T, b"boiler", token=b"t"))
    sdpeer.expect_frame(h, sdwire.T_WELCOME)
    d.wait_until(lambda ls: any('hello "boiler" as pump (registry)' in r
                                for r in sdtmux.log_rows(ls)),
                 'the Log: hello "boiler" as pump (registry)')
    ls = d.wait_until(lambda ls: " plain meter-1 " in
                      (sdtmux.client_row(ls, port) or ""),
                      "the row: plain meter-1")
    check(" plain pump " in (sdtmux.client_row(ls, h.getsockname()[1]) or ""),
          "the hello client's row:\n%s" % d.dump(ls))
    s.close()
    h.close()
    hostile()


EVIL = "\x1b[31mX\u202e"


def fake(conn):
    """A control socket whose one client has the registry name EVIL."""
    f = conn.makefile("rb")
    now = time.time_ns()
    row = {"id": 7, "fd": 9, "peer": "127.0.0.1", "peer_port": 40007,
           "port": 1, "device": "02:00:00:00:00:07", "proto": "ext",
           "connected_ns": now, "state": "idle", "auth": "registry",
           "device_name": EVIL,
           "tls": {"version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256"}}
    hello = {"event": "hello", "time": time.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "id": 7, "name": "x",
        "device": "02:00:00:00:00:07", "auth": "registry",
        "device_name": EVIL}
    for line in f:
        req = json.loads(line)
        ans = {"ok": True}
        if req.get("cmd") == "clients":
            ans.update(total=1, matched=1, offset=0, clients=[row],
                       sort=req.get("sort", "connected"),
                       reverse=req.get("reverse", False))
            if req.get("filter"):
                ans["filter"] = req["filter"]
        conn.sendall((json.dumps(ans) + "\n").encode())
        if req.get("cmd") == "subscribe":
            conn.sendall((json.dumps(hello) + "\n").encode())


def hostile():
    path = os.path.join(sdtmux.mkdtemp(), "control.sock")
    srv = FakeServer(fake, path=path)
    d = sdtmux.Dashboard(80, 24, args=["attach", "--control", path]).start()
    ls = d.wait_until(lambda ls: " ?[31\u2026 " in
                      (sdtmux.client_row(ls, 40007) or ""),
                      "at 80 columns the name as ?[31\u2026")
    check(any("as \\x1b[31mX\\u{202e} (regi" in r
              for r in sdtmux.log_rows(ls)),
          "the hello line escaped:\n" + d.dump(ls))
    d.resize(200, 50)
    ls = d.wait_until(lambda ls: " TLS1.3 ?[31mX??? " in
                      (sdtmux.client_row(ls, 40007) or ""),
                      "at 200 columns TLS1.3 ?[31mX???")
    raw = "\n".join(d.screen(escapes=True))
    check("\u202e" not in raw and "\x1b[31mX" not in raw,
          "a raw byte on screen")
    d.keys("q")
    d.wait_exit()
    check(not srv.errors, "fake server: %r" % srv.errors)


sdtmux.run(test)
