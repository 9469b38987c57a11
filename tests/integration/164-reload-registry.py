#!/usr/bin/env python3
"""A reload reads the --devices registry afresh (sockdeckd(1): RELOAD,
DEVICES): a device revoked in the file, or whose CIDRs no longer hold
its address, is disconnected at reload ("revoked at reload", counted in
ctl reload's disconnected) while the others go on; a device added to
the file is admitted after it; a registry that no longer parses fails
the reload (ctl reload exits 1 with its file and line) and the old
registry stays in force."""
import sdpeer
import sdreg
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:44:55")
B = sdwire.mac("00:11:22:33:44:56")
C = sdwire.mac("00:11:22:33:44:57")
TA, TB, TC = b"token-of-a", b"token-of-b", b"token-of-c"


def hello(srv, dev, token):
    s = srv.connect()
    s.sendall(sdwire.hello(dev, b"dev", token=token))
    w = sdwire.parse_welcome(sdpeer.expect_frame(s, sdwire.T_WELCOME))
    return s, w["client_id"]


def answered(s, what):
    s.sendall(sdwire.ping(3))
    sdpeer.expect_frame(s, sdwire.T_PONG)


def test():
    srv = sdpeer.Server()
    path = sdreg.write(srv.dir, [sdreg.line(A, "pump-a", token=TA),
                                 sdreg.line(B, "pump-b", token=TB)])
    srv.extra += ["--devices", path]
    srv.start()
    sa, ida = hello(srv, A, TA)
    sb, idb = hello(srv, B, TB)
    sdreg.refused_ext(srv, sdwire.hello(C, b"x", token=TC), "C unknown")

    # A revoked, C added; B unchanged.
    sdreg.write(srv.dir, [sdreg.line(A, "pump-a", token=TA,
                                     state="revoked"),
                          sdreg.line(B, "pump-b", token=TB),
                          sdreg.line(C, "pump-c", token=TC)])
    mark = srv.mark()
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") and r.get("disconnected") == 1, "reload: %r" % r)
    ev = srv.wait_event("disconnect", lambda e: e.get("id") == ida,
                        since=mark)
    check("revoked at reload" in ev.get("reason", ""),
          "A's disconnect: %r" % ev)
    sdpeer.expect_eof(sa, what="the revoked device's connection")
    sa.close()
    answered(sb, "B after the reload")
    sc, idc = hello(srv, C, TC)
    sdreg.refused_ext(srv, sdwire.hello(A, b"x", token=TA), "A revoked")

    # A registry that does not parse: the reload fails, C stays admitted.
    with open(path, "a") as f:
        f.write("not a device line\n")
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "reload"])
    check(rc == 1 and "devices" in (out + err) and ":5" in (out + err),
          "reload of a broken registry: %d %r %r" % (rc, out, err))
    answered(sc, "C after the failed reload")
    s2, _ = hello(srv, C, TC)
    s2.close()
    sb.close()
    sc.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
