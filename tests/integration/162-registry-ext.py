#!/usr/bin/env python3
"""--devices, extension clients: HELLO must carry the token of the MAC
it claims, from an address of its CIDRs, for an enabled device. A wrong
token, another device's token, none, an unknown MAC, a revoked device
and an address outside the CIDRs (10.0.0.0/8 for 127.0.0.1) are each
answered ERROR 5 "token refused" and closed, the disconnect event
saying why, counted in ctl status (registry.refused); frames before
HELLO are refused as with --token. The right token gets WELCOME; the
client shows as auth "registry" with its device_name (ctl clients, ctl
client, the hello event). A frame naming another MAC on that connection
is answered ERROR 5 naming it, not served, counted
(registry.mac_mismatch), and the connection goes on. Ten refusals in a
minute from one address refuse it, the right token too.
(sockdeckd(1): DEVICES.)"""
import time

import sdpeer
import sdreg
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:44:55")
B = sdwire.mac("00:11:22:33:44:56")
C = sdwire.mac("00:11:22:33:44:57")
D = sdwire.mac("00:11:22:33:44:58")
X = sdwire.mac("0a:11:22:33:44:55")
TA, TB = b"token-of-a", b"token-of-b"


def test():
    srv = sdpeer.Server(extra=["--reply-format", sdpeer.ECHO_FMT])
    path = sdreg.write(srv.dir, [
        sdreg.line(A, "pump-a", token=TA, cidrs="127.0.0.0/8,::1"),
        sdreg.line(B, "pump-b", token=TB),
        sdreg.line(C, "pump-c", token=b"tc", state="revoked"),
        sdreg.line(D, "pump-d", token=b"td", cidrs="10.0.0.0/8"),
    ])
    srv.extra += ["--devices", path]
    srv.start()
    cases = [
        (sdwire.hello(A, b"x", token=TB), "another device's token",
         "token refused (00:11:22:33:44:55)"),
        (sdwire.hello(A, b"x", token=b"wrong"), "a wrong token",
         "token refused"),
        (sdwire.hello(A, b"x", token=TA + b"x"), "the token and a byte",
         "token refused"),
        (sdwire.hello(A, b"x"), "no token", "token refused"),
        (sdwire.hello(X, b"x", token=TA), "an unknown MAC",
         "registry: unknown device (0a:11:22:33:44:55)"),
        (sdwire.hello(C, b"x", token=b"tc"), "a revoked device",
         "registry: device revoked"),
        (sdwire.hello(D, b"x", token=b"td"), "outside its CIDRs",
         "registry: address not allowed for this device"),
    ]
    for first, what, why in cases:
        mark = srv.mark()
        sdreg.refused_ext(srv, first, what)
        ev = srv.wait_event("disconnect", lambda e: why in
                            e.get("reason", ""), since=mark)
        check(ev.get("level") == "error", "%s: disconnect %r" % (what, ev))
    # Frames before HELLO are refused (not by the registry: unnamed).
    first = b"HELLO with the token first"
    sdreg.refused_ext(srv, sdwire.msg(1, b"hi"), "MSG before HELLO",
                      text=first)
    sdreg.refused_ext(srv, sdwire.sensor_batch(1, A, [(1, 1.0, b"")]),
                      "SENSOR_BATCH before HELLO", text=first)
    st = sdreg.status(srv)
    check(st == {"devices": 4, "refused": 7, "mac_mismatch": 0},
          "status registry %r" % st)
    check(srv.readings_lines() == [], "a refused batch was stored")

    # The right token.
    s = srv.connect()
    s.sendall(sdwire.hello(A, b"a-client", token=TA))
    w = sdwire.parse_welcome(sdpeer.expect_frame(s, sdwire.T_WELCOME))
    ev = srv.wait_event("hello", lambda e: e.get("id") == w["client_id"])
    check(ev.get("auth") == "registry" and
          ev.get("device_name") == "pump-a", "hello event %r" % ev)
    s.sendall(sdwire.msg(2, b"with its token"))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT))
    check(b"with its token" in t["text"], "reply %r" % t)
    c = [c for c in srv.ctl({"cmd": "clients"})["clients"]
         if c["id"] == w["client_id"]][0]
    check(c["auth"] == "registry" and c["device_name"] == "pump-a" and
          c["device"] == "00:11:22:33:44:55", "ctl clients %r" % c)
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "client", str(w["client_id"])])
    check(rc == 0 and "auth          registry" in out and
          "device_name   pump-a" in out, "ctl client: %r %r" % (out, err))

    # Its frames may name no other device.
    now = int(time.time() * 1e9)
    mark = srv.mark()
    s.sendall(sdwire.sensor_batch(7, B, [(now, 2.5, b"")]))
    t, p = sdpeer.recv_frame(s)
    e = sdwire.parse_error(p) if t == sdwire.T_ERROR else {}
    check(e.get("code") == 5 and b"00:11:22:33:44:56" in e.get("text", b""),
          "a batch for B: frame 0x%04x %r" % (t, e or p[:80]))
    srv.wait_event("bad-frame", lambda e: "frame names device "
                   "00:11:22:33:44:56" in e.get("reason", ""), since=mark)
    s.sendall(sdwire.legacy_msg(B, "as b"))
    e = sdwire.parse_error(sdpeer.expect_frame(s, sdwire.T_ERROR))
    check(e["code"] == 5, "a legacy frame for B: %r" % e)
    # ... and it goes on as its own device.
    s.sendall(sdwire.ping(9))
    sdpeer.expect_frame(s, sdwire.T_PONG)
    s.sendall(sdwire.sensor_batch(8, A, [(now, 1.5, b"")]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    st = sdreg.status(srv)
    check(st["mac_mismatch"] == 2 and st["refused"] == 7,
          "status registry %r" % st)
    lines = srv.readings_lines()
    check(len(lines) == 1 and "00:11:22:33:44:55" in lines[0],
          "readings %r" % lines)
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "status"])
    check("registry devices 4  refused 7  mac mismatch 2" in out,
          "ctl status: %r" % out)
    s.close()

    # Ten refusals a minute from one address, and it is refused unheard.
    for i in range(3):
        sdreg.refused_ext(srv, sdwire.hello(A, b"x", token=b"no"), "more")
    mark = srv.mark()
    sdreg.refused_ext(srv, sdwire.hello(A, b"x", token=TA), "throttled")
    srv.wait_event("disconnect", lambda e: "too many refusals" in
                   e.get("reason", ""), since=mark)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
