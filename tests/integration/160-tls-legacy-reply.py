#!/usr/bin/env python3
"""TLS on chosen ports: `openssl s_client` sends the legacy "hi" vector
over TLS and reads the original v2.9 server's exact reply
(`[<fd> socket] message return success`, nothing more), the bytes a
plain port of the same server answers, byte for byte, while the TLS port
runs; a legacy file over TLS gets `file upload successful!!`. The
connect event, `ctl clients` and `ctl client` (JSON and text) carry the
version and cipher Python's ssl module agreed on (none on the plain
port); status marks the TLS port and counts the handshakes."""
import ssl

import sdpeer
import sdtls
import sdwire
from sdpeer import check

HI = bytes.fromhex("00 00 0e 00 00 00 22 aa bb cc dd ee ff 01 02 00"
                   " 00 00 68 69")
ABC = bytes.fromhex("ff ff 0f 00 00 00 22 aa bb cc dd ee ff 05 03 00"
                    " 00 00 61 62 63")
TAIL = b" socket] message return success"


def reply(fd):
    return ("[%d socket] message return success" % fd).encode()


def plain_exact(srv, port, what):
    """The plain port answers the vector with the original's bytes."""
    s = srv.connect(port)
    ev = srv.client_event(s)
    check("tls" not in ev, "%s: a plain connect event says tls: %r"
          % (what, ev))
    s.sendall(HI)
    sdpeer.expect_bytes(s, reply(ev["fd"]), what="%s: plain reply" % what)
    sdpeer.expect_quiet(s, 0.3, "%s: after the plain reply" % what)
    return s, ev


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki)
    p1, pev = plain_exact(srv, plain, "before TLS")

    # openssl s_client: the vector over TLS, the original's reply
    mark = srv.mark()
    got, err = sdtls.s_client(tls, pki, HI, lambda b: b.endswith(TAIL))
    ev = srv.wait_event("connect", lambda e: e.get("port") == tls,
                        since=mark)
    check(got == reply(ev["fd"]), "s_client read %r, expected %r (stderr "
          "%s)" % (got, reply(ev["fd"]), err[-300:]))
    t = ev.get("tls")
    check(isinstance(t, dict) and t.get("version", "").startswith("TLSv1.")
          and t.get("cipher"), "connect event of a TLS client: %r" % ev)
    m = srv.wait_event("message", lambda e: e.get("id") == ev["id"])
    check(m.get("text") == "hi", "message over TLS: %r" % m)

    # Python's ssl: a legacy file and the message; ctl clients says
    # what this peer agreed on
    s = sdtls.connect(tls, pki)
    cev = srv.client_event(s)
    s.sendall(ABC)
    sdpeer.expect_bytes(s, b"file upload successful!!",
                        what="legacy file over TLS")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "gr\u00fc\u00dfe"))
    sdpeer.expect_bytes(s, reply(cev["fd"]), what="UTF-8 message over TLS")
    sdpeer.expect_quiet(s, 0.3, "after the TLS replies")
    check(cev.get("tls") == {"version": s.version(),
                             "cipher": s.cipher()[0]},
          "connect event tls %r, the peer has %s %s"
          % (cev.get("tls"), s.version(), s.cipher()[0]))
    rows = {c["id"]: c for c in srv.ctl({"cmd": "clients"})["clients"]}
    check(rows[cev["id"]].get("tls") == cev["tls"],
          "ctl clients tls %r" % rows[cev["id"]].get("tls"))
    check(rows[pev["id"]].get("tls") is False,
          "ctl clients tls of a plain client %r" % rows[pev["id"]])
    one = srv.ctl({"cmd": "client", "id": cev["id"]})["client"]
    check(one.get("tls") == cev["tls"], "ctl client tls %r" % one)
    for cid, want in ((cev["id"], "tls           %s %s\n" % (
            s.version(), s.cipher()[0])), (pev["id"], "tls           no\n")):
        rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir,
                                       "client", str(cid)])
        check(rc == 0 and want in out, "ctl client %d: %r, no line %r"
              % (cid, out, want))
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "status"])
    check(rc == 0 and "tls handshakes 2  failed 0 (timed out 0)  under "
          "way 0\n" in out and (" %d  127.0.0.1        listening tls\n"
                                % tls) in out, "ctl status: %r" % out)

    # the plain port, with a TLS session open: still the same bytes
    p1.sendall(HI)
    sdpeer.expect_bytes(p1, reply(pev["fd"]), what="plain reply beside "
                        "an open TLS session")
    p2, _ = plain_exact(srv, plain, "with TLS open")

    st = sdtls.status(srv)
    marks = {p["port"]: p.get("tls") for p in st["ports"]}
    check(marks == {plain: False, tls: True}, "status ports tls %r" % marks)
    check(st["tls"]["handshakes"] == 2 and st["tls"]["failed"] == 0 and
          st["tls"]["handshaking"] == 0, "status tls %r" % st["tls"])
    check(st["clients"] == 3, "status clients %r" % st["clients"])

    # TLS 1.2 is taken by default
    s12 = sdtls.connect(tls, pki, maximum=ssl.TLSVersion.TLSv1_2)
    e12 = srv.client_event(s12)
    check(e12["tls"]["version"] == "TLSv1.2", "a 1.2 client: %r" % e12)
    s12.sendall(HI)
    sdpeer.expect_bytes(s12, reply(e12["fd"]), what="reply over TLS 1.2")

    for c in (s, s12, p1, p2):
        c.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
