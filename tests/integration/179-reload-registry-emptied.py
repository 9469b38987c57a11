#!/usr/bin/env python3
"""A reload that finds the --devices file emptied (an editor caught
writing it in place, a truncation) is not put in force: ctl reload
exits 1 saying the file lists no device, the devices connected stay
connected and new ones are still admitted by the old registry. Once
the file is whole again, a reload applies it. (sockdeckd(1): RELOAD.)"""
import os
import tempfile

import sdpeer
import sdreg
import sdwire
from sdpeer import check

A = sdwire.mac("00:11:22:33:44:55")
B = sdwire.mac("00:11:22:33:44:66")


def reload(srv):
    return sdpeer.run_cli(["ctl", "--control", srv.control_path, "reload"])


def admitted(srv, mac, token):
    s = srv.connect()
    s.sendall(sdwire.hello(mac, b"dev", token=token))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    return s


def test():
    d = tempfile.mkdtemp(prefix="sdreg-")
    whole = [sdreg.line(A, "pump-a", token=b"ta")]
    path = sdreg.write(d, whole)
    srv = sdpeer.Server(extra=["--devices", path]).start()
    a = admitted(srv, A, b"ta")
    for text in ("", "# being rewritten\n"):
        with open(path, "w") as f:
            f.write(text)
        rc, out, err = reload(srv)
        check(rc == 1 and "lists no device" in out + err,
              "reload of an emptied registry %r: %d %r %r"
              % (text, rc, out, err))
    a.sendall(sdwire.ping(7))
    sdpeer.expect_frame(a, sdwire.T_PONG)
    admitted(srv, A, b"ta").close()
    sdreg.write(d, whole + [sdreg.line(B, "pump-b", token=b"tb")])
    rc, out, err = reload(srv)
    check(rc == 0 and "devices" in out, "reload of the whole file: %d %r %r"
          % (rc, out, err))
    admitted(srv, B, b"tb").close()
    a.close()
    check(os.path.exists(path) and srv.stop() == 0,
          "exit status after SIGTERM not 0")


sdpeer.run(test)
