#!/usr/bin/env python3
"""`broadcast` on the control socket reaches all of 50 legacy clients as
raw text and an extension client as TEXT kind 2 ref 0; the response's
`clients` count and the `broadcast` event are right."""
import sdpeer
import sdwire
from sdpeer import check

N = 50


def test():
    srv = sdpeer.Server(nports=2).start()
    socks = [srv.connect(srv.ports[i % 2]) for i in range(N)]
    srv.wait_events("connect", N)
    ext = srv.connect(srv.ports[1])
    sdpeer.hello(ext, name=b"ext-peer")
    srv.wait_event("hello")
    text = "attention all devices \u2713"
    r = srv.ctl({"cmd": "broadcast", "text": text, "seq": 42})
    check(r.get("ok") is True, "broadcast not ok: %r" % r)
    check(r.get("clients") == N + 1, "broadcast reached %r clients, "
          "expected %d" % (r.get("clients"), N + 1))
    check(r.get("seq") == 42, "seq not echoed: %r" % r)
    for i, s in enumerate(socks):
        sdpeer.expect_bytes(s, text.encode(), what="broadcast at legacy "
                            "client %d" % i)
    p = sdpeer.expect_frame(ext, sdwire.T_TEXT)
    t = sdwire.parse_text(p)
    check(t["kind"] == 2 and t["ref"] == 0 and t["text"] == text.encode(),
          "extension client got %r, expected TEXT kind 2 ref 0 %r"
          % (t, text))
    ev = srv.wait_event("broadcast")
    check(ev.get("text") == text and ev.get("clients") == N + 1,
          "broadcast event %r" % ev)
    for s in socks[:5]:
        sdpeer.expect_quiet(s, 0.1, "after the broadcast")

    # a second broadcast after some clients left counts the rest
    for s in socks[:10]:
        s.close()
    srv.wait_events("disconnect", 10)
    r = srv.ctl({"cmd": "broadcast", "text": "second"})
    check(r.get("ok") and r.get("clients") == N + 1 - 10,
          "second broadcast: %r, expected clients %d" % (r, N - 9))
    for s in socks[10:]:
        sdpeer.expect_bytes(s, b"second", what="second broadcast")
    for s in socks[10:]:
        s.close()
    ext.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
