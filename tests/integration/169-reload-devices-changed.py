#!/usr/bin/env python3
"""`ctl reload` names `devices` in changed when what the registry admits
changed, whatever its path: a device revoked, renamed, given another
token or other CIDRs, added or removed in the same file; the file
rewritten with the same devices (another order, comments, spacing) or
moved to another path with the same content changes nothing, and the
reload says so (changed [], `nothing changed`)."""
import os

import sdpeer
import sdreg
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:69:01")
B = sdwire.mac("00:11:22:33:69:02")
C = sdwire.mac("00:11:22:33:69:03")


def reload(srv, want, what):
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and r.get("changed") == want,
          "%s: reload %r, expected changed %r" % (what, r, want))


def test():
    srv = sdpeer.Server()
    a = sdreg.line(A, "pump-a", token=b"ta")
    b = sdreg.line(B, "meter-b", cidrs="127.0.0.0/8")
    path = sdreg.write(srv.dir, [a, b])
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("devices = %s\n" % path)
    srv.extra += ["--config", conf]
    srv.start()

    reload(srv, [], "nothing touched")
    with open(path, "w") as f:
        f.write("# rewritten\n\n%s\n%s\n" % (b.replace(" ", "\t"), a))
    reload(srv, [], "the same devices, another order, a comment, tabs")
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "reload"])
    check(rc == 0 and out.strip() == "nothing changed",
          "ctl reload of the same file: %d %r %r" % (rc, out, err))

    edits = [
        ([sdreg.line(A, "pump-a", token=b"ta", state="revoked"), b],
         "A revoked"),
        ([sdreg.line(A, "pump-a", token=b"ta"), b], "A enabled again"),
        ([a, sdreg.line(B, "meter-2", cidrs="127.0.0.0/8")], "B renamed"),
        ([sdreg.line(A, "pump-a", token=b"tb"), b], "A's token"),
        ([a, sdreg.line(B, "meter-b", cidrs="10.0.0.0/8")], "B's CIDRs"),
        ([a, b, sdreg.line(C, "cam-c")], "C added"),
        ([a, b], "C removed"),
    ]
    for lines, what in edits:
        sdreg.write(srv.dir, lines)
        reload(srv, ["devices"], what)
        reload(srv, [], what + ", then again")
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "reload"])
    check(rc == 0 and out.strip() == "nothing changed", "ctl reload: %d %r"
          % (rc, out))

    moved = sdreg.write(srv.dir, [b, a], name="devices.moved")
    with open(conf, "w") as f:
        f.write("devices = %s\n" % moved)
    reload(srv, [], "moved, the same devices")
    sdreg.write(srv.dir, [b], name="devices.moved")
    reload(srv, ["devices"], "A removed from the moved file")
    with open(conf, "w") as f:
        f.write("")
    reload(srv, ["devices"], "no registry any more")
    s = srv.connect()
    s.sendall(sdwire.hello(A, b"x"))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
