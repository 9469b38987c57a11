#!/usr/bin/env python3
"""--devices with mutual TLS: a device whose credential is its client
certificate (cert:sha256:FINGERPRINT) is admitted by that certificate,
by either protocol, and may then name no other device: a legacy frame
for another MAC closes the connection, an extension frame for another
MAC is answered ERROR 5 and the connection goes on; both are counted
(registry.mac_mismatch). Its certificate may not HELLO as another
device (even one that needs no credential), and its MAC is refused on
a connection without that certificate or with another one (counted in
registry.refused). (sockdeckd(1): DEVICES, TLS.)"""
import hashlib
import ssl
import time

import sdpeer
import sdreg
import sdtls
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:44:a1")
B = sdwire.mac("00:11:22:33:44:b2")


def fingerprint(pem):
    with open(pem) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return "sha256:" + hashlib.sha256(der).hexdigest()


def tls(port, pki, leaf=None):
    ctx = sdtls.context(pki)
    if leaf is not None:
        ctx.load_cert_chain(*leaf)
    return sdtls.connect(port, pki, ctx=ctx)


def test():
    pki = sdtls.Pki()
    leaf_a = pki.leaf("dev-a", "/CN=dev-a", client=True)
    leaf_b = pki.leaf("dev-b", "/CN=dev-b", client=True)
    path = sdreg.write(pki.dir, [
        sdreg.line(A, "cam-a", cert=fingerprint(leaf_a[0])),
        sdreg.line(B, "meter-b"),
    ])
    srv, _, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                "--devices", path, plain=False)

    # Its certificate admits it; a legacy frame for B closes it.
    s = tls(port, pki, leaf_a)
    ev = srv.client_event(s)
    sdreg.served_then_cut(s, ev["fd"], A, "from a", B, "A, then B")
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    check("frame names device 00:11:22:33:44:b2; this connection is "
          "00:11:22:33:44:a1" in d.get("reason", ""), "reason %r" % d)

    # By the extension protocol: an ERROR, and it goes on.
    s = tls(port, pki, leaf_a)
    s.sendall(sdwire.hello(A, b"cam"))
    w = sdwire.parse_welcome(sdpeer.expect_frame(s, sdwire.T_WELCOME))
    c = [c for c in srv.ctl({"cmd": "clients"})["clients"]
         if c["id"] == w["client_id"]][0]
    check(c["auth"] == "registry" and c["device_name"] == "cam-a" and
          c["tls"].get("identity") == fingerprint(leaf_a[0]),
          "ctl clients %r" % c)
    now = int(time.time() * 1e9)
    s.sendall(sdwire.sensor_batch(1, B, [(now, 1.0, b"")]))
    e = sdwire.parse_error(sdpeer.expect_frame(s, sdwire.T_ERROR))
    check(e["code"] == 5 and b"00:11:22:33:44:b2" in e["text"],
          "a batch for B: %r" % e)
    s.sendall(sdwire.sensor_batch(2, A, [(now, 2.0, b"")]))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    s.close()
    st = sdreg.status(srv)
    check(st["mac_mismatch"] == 2 and st["refused"] == 0,
          "status registry %r" % st)

    # Its certificate may not HELLO as B; A is refused without it.
    h = tls(port, pki, leaf_a)
    h.sendall(sdwire.hello(B, b"x"))
    e = sdwire.parse_error(sdpeer.expect_frame(h, sdwire.T_ERROR))
    check(e["code"] == 5 and e["text"] == b"token refused",
          "HELLO as B: %r" % e)
    sdpeer.expect_eof(h, what="HELLO as B")
    for leaf, what in ((None, "no certificate"),
                       (leaf_b, "another certificate")):
        s = tls(port, pki, leaf)
        ev = srv.client_event(s)
        s.sendall(sdwire.legacy_msg(A, "x"))
        check(sdpeer.expect_eof(s, what=what) == b"", "%s: answered" % what)
        d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
        check("certificate not the device's" in d.get("reason", ""),
              "%s: reason %r" % (what, d))
    st = sdreg.status(srv)
    check(st == {"devices": 2, "refused": 3, "mac_mismatch": 2},
          "status registry %r" % st)
    lines = srv.readings_lines()
    check(len(lines) == 1 and "00:11:22:33:44:a1" in lines[0],
          "readings %r" % lines)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
