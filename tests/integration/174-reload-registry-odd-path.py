#!/usr/bin/env python3
"""A --devices file whose name is not UTF-8 (issue 18 review): when a
reload finds it broken, ctl reload still answers (exit 1, the file's
name escaped, with its line): the error quoted the name's raw bytes,
jansson refused them, and ctl got no answer at all. The server's own
log says the same, and the old registry stays in force."""
import os
import tempfile

import sdpeer
import sdreg
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:44:55")


def test():
    d = tempfile.mkdtemp(prefix="sdreg-")
    path = os.path.join(d, "dev\udcff\x1bices")
    sdreg.write(d, [sdreg.line(A, "pump-a", token=b"ta")],
                name=os.path.basename(path))
    srv = sdpeer.Server(extra=["--devices", path]).start()
    with open(path, "a") as f:
        f.write("not a device line\n")
    rc, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "reload"])
    want = "dev\\xff\\x1bices:3:"
    check(rc == 1 and want in out + err and "no answer" not in err and
          "\x1b" not in out + err,
          "reload of a broken registry: %d %r %r" % (rc, out, err))
    ev = srv.wait_event("reload", lambda e: e.get("state") == "failed")
    check(want in ev.get("reason", ""), "the reload event: %r" % ev)
    s = srv.connect()
    s.sendall(sdwire.hello(A, b"dev", token=b"ta"))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
