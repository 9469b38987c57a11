#!/usr/bin/env python3
"""--reply-format with every placeholder ({fd} {id} {port} {text}
{device}) shapes the legacy reply, and the extension TEXT reply too."""
import sdpeer
import sdwire
from sdpeer import check

FMT = "<{id}|{port}|{device}|{fd}> {text} ({text})"


def test():
    srv = sdpeer.Server(extra=["--reply-format", FMT]).start()
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hi there"))
    want = ("<%d|%d|%s|%d> hi there (hi there)"
            % (ev["id"], srv.ports[0], sdpeer.DEV_STR, ev["fd"])).encode()
    sdpeer.expect_bytes(s, want, what="formatted legacy reply")
    sdpeer.expect_quiet(s, 0.3)
    x = srv.connect()
    ex = srv.client_event(x)
    sdpeer.hello(x, dev=sdwire.mac("01:02:03:04:05:06"))
    x.sendall(sdwire.msg(5, b"ext"))
    t = sdwire.parse_text(sdpeer.expect_frame(x, sdwire.T_TEXT))
    want = ("<%d|%d|01:02:03:04:05:06|%d> ext (ext)"
            % (ex["id"], srv.ports[0], ex["fd"])).encode()
    check(t["ref"] == 5 and t["text"] == want, "formatted TEXT reply %r, "
          "expected %r" % (t, want))
    s.close()
    x.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
