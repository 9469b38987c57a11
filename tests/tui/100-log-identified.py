#!/usr/bin/env python3
"""With --devices, the Log says how a client was identified: the first
admitted legacy frame of a connection `identified as meter-1
(registry)`, an extension client's `hello "NAME" as pump (registry)`;
their rows' sec column (200 columns) says `plain meter-1`, `plain
pump`."""
import re

import sdpeer
import sdreg
import sdtmux
import sdwire
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


sdtmux.run(test)
