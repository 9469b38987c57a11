#!/usr/bin/env python3
"""With --devices, a client's detail view says how it was admitted and
as which device of the registry: auth "registry pump-7"."""
import sdpeer
import sdreg
import sdtmux
import sdwire
from sdtmux import check

DEV = "02:00:00:00:00:43"


def test():
    d0 = sdtmux.mkdtemp()
    path = sdreg.write(d0, [sdreg.line(sdwire.mac(DEV), "pump-7",
                                       token=b"tok")])
    d = sdtmux.Dashboard(120, 40, extra=["--devices", path]).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.hello(sdwire.mac(DEV), b"boiler", token=b"tok"))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    d.wait_for("Clients (1)")
    port = s.getsockname()[1]
    sdtmux.open_detail(d, port)
    lines = d.wait_until(lambda ls: sdtmux.detail_field(ls, "name") ==
                         "boiler", "the detail view")
    check(sdtmux.detail_field(lines, "auth") == "registry pump-7",
          "auth: %r\n%s" % (sdtmux.detail_field(lines, "auth"), d.dump()))


sdtmux.run(test)
