#!/usr/bin/env python3
"""--devices, legacy clients: a device of the registry with no
credential ("-"), enabled, from an address of its CIDRs, is served
byte for byte as without a registry (the original's reply). Every other
legacy frame closes its connection without a byte back, the disconnect
event saying why, counted in ctl status: an address outside the CIDRs
(10.0.0.0/8 for 127.0.0.1), a revoked device, an unknown MAC, a device
that has a token (it must HELLO), a device whose certificate the
connection does not have. A legacy connection may carry several
admitted devices; a HELLO for a "-" device binds the connection to it.
(sockdeckd(1): DEVICES.)"""
import sdpeer
import sdreg
import sdwire
from sdpeer import check

L1 = sdwire.mac("00:11:22:33:44:01")
L2 = sdwire.mac("00:11:22:33:44:02")
L3 = sdwire.mac("00:11:22:33:44:03")
L4 = sdwire.mac("00:11:22:33:44:04")
T = sdwire.mac("00:11:22:33:44:05")
K = sdwire.mac("00:11:22:33:44:06")
X = sdwire.mac("00:11:22:33:44:99")


def test():
    srv = sdpeer.Server()
    path = sdreg.write(srv.dir, [
        sdreg.line(L1, "meter-1", cidrs="127.0.0.1"),
        sdreg.line(L2, "meter-2", cidrs="10.0.0.0/8"),
        sdreg.line(L3, "meter-3", state="revoked"),
        sdreg.line(L4, "meter-4", cidrs="127.0.0.0/8,::1/128"),
        sdreg.line(T, "pump", token=b"t"),
        sdreg.line(K, "cam", cert="sha256:" + "ab" * 32),
    ])
    srv.extra += ["--devices", path]
    srv.start()

    # Admitted: the original's reply, exactly.
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_msg(L1, "hello from L1"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "hello from L1"),
                        what="L1's reply")
    s.sendall(sdwire.legacy_msg(L4, "and L4"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "and L4"),
                        what="L4 on the same connection")
    c = [c for c in srv.ctl({"cmd": "clients"})["clients"]
         if c["id"] == ev["id"]][0]
    check(c["auth"] == "registry" and c["device_name"] == "meter-4",
          "ctl clients %r" % c)

    cases = [
        (sdwire.legacy_msg(L2, "x"), "outside its CIDRs",
         "registry: address not allowed for this device "
         "(00:11:22:33:44:02)"),
        (sdwire.legacy_sensor(L3, 1.5), "revoked",
         "registry: device revoked (00:11:22:33:44:03)"),
        (sdwire.legacy_msg(X, "x"), "unknown",
         "registry: unknown device (00:11:22:33:44:99)"),
        (sdwire.legacy_msg(T, "x"), "a token device",
         "registry: device has a token: HELLO with it"),
        (sdwire.legacy_file(K, 1, b"abc"), "a certificate device",
         "registry: certificate not the device's"),
    ]
    for frame, what, why in cases:
        reason = sdreg.refused_legacy(srv, frame, what)
        check(reason.startswith(why), "%s: reason %r" % (what, reason))
    # The admitted connection is still served; an unknown device on it
    # closes it.
    sdreg.served_then_cut(s, ev["fd"], L1, "still", X, "L1, then X")
    st = sdreg.status(srv)
    check(st == {"devices": 6, "refused": 6, "mac_mismatch": 0},
          "status registry %r" % st)
    check(srv.find_events("message", lambda e: e.get("device") in
                          ("00:11:22:33:44:02", "00:11:22:33:44:99",
                           "00:11:22:33:44:05")) == [],
          "a refused message was taken")

    # A HELLO for a device without a credential binds the connection.
    h = srv.connect()
    h.sendall(sdwire.hello(L4, b"gw"))
    sdpeer.expect_frame(h, sdwire.T_WELCOME)
    h.sendall(sdwire.legacy_msg(L1, "as L1"))
    e = sdwire.parse_error(sdpeer.expect_frame(h, sdwire.T_ERROR))
    check(e["code"] == 5, "L1 on L4's connection: %r" % e)
    check(sdreg.status(srv)["mac_mismatch"] == 1, "mac_mismatch")

    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
