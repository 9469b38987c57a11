#!/usr/bin/env python3
"""--devices: the first legacy frame the registry admits on a connection
fires `identified` (id, device, auth "registry", device_name), before
the frame's own event, once a connection however many frames and
devices follow; an extension client says the same in its hello event
(auth, device_name) and gets no identified. A refused legacy frame, and
a legacy device without a registry, fire none. The text log says
`identified id=N device=MAC auth=registry device_name=NAME` and the
hello line `auth=registry device_name=NAME`."""
import time

import sdpeer
import sdreg
import sdwire
from sdpeer import check

L1 = sdwire.mac("00:11:22:33:68:01")
L2 = sdwire.mac("00:11:22:33:68:02")
T = sdwire.mac("00:11:22:33:68:05")
X = sdwire.mac("00:11:22:33:68:99")


def registry(directory):
    return sdreg.write(directory, [
        sdreg.line(L1, "meter-1"),
        sdreg.line(L2, "meter-2"),
        sdreg.line(T, "pump", token=b"t"),
    ])


def events_of(srv, cid):
    return [e for e in list(srv.events) if e.get("id") == cid]


def json_events():
    srv = sdpeer.Server()
    srv.extra += ["--devices", registry(srv.dir)]
    srv.start()
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_msg(L1, "one"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "one"), what="L1")
    idf = srv.wait_event("identified", lambda e: e.get("id") == ev["id"])
    check(idf.get("device") == "00:11:22:33:68:01" and
          idf.get("auth") == "registry" and
          idf.get("device_name") == "meter-1" and idf["level"] == "info",
          "identified %r" % idf)
    names = [e["event"] for e in events_of(srv, ev["id"])]
    check(names.index("identified") < names.index("message"),
          "identified after the message: %r" % names)
    s.sendall(sdwire.legacy_msg(L1, "two") + sdwire.legacy_msg(L2, "three"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "two") +
                        sdpeer.reply_for(ev["fd"], "three"), what="L1, L2")
    srv.wait_events("message", 3, lambda e: e.get("id") == ev["id"])
    n = len(srv.find_events("identified", lambda e: e.get("id") == ev["id"]))
    check(n == 1, "%d identified events on one connection" % n)

    h = srv.connect()
    h.sendall(sdwire.hello(T, b"p", token=b"t"))
    sdpeer.expect_frame(h, sdwire.T_WELCOME)
    hev = srv.wait_event("hello", lambda e: e.get("device") ==
                         "00:11:22:33:68:05")
    check(hev.get("auth") == "registry" and hev.get("device_name") == "pump",
          "hello %r" % hev)

    reason = sdreg.refused_legacy(srv, sdwire.legacy_msg(X, "x"), "unknown")
    check("unknown device" in reason, "refused: %r" % reason)
    # Only the first connection's, none for the extension client's
    # HELLO nor the refused frame.
    check(len(srv.find_events("identified")) == 1,
          "identified events: %r" % srv.find_events("identified"))
    s.close()
    h.close()
    srv.stop()

    srv = sdpeer.Server().start()
    s = srv.connect()
    ev = srv.client_event(s)
    sdpeer.legacy_reply(s, ev["fd"], "no registry")
    srv.wait_event("message", lambda e: e.get("id") == ev["id"])
    check(srv.find_events("identified") == [],
          "identified without a registry")
    s.close()


def raw_lines(srv, pred, what, timeout=10.0):
    """Wait until a text log line (Server.raw_lines) matches pred."""
    deadline = time.monotonic() + timeout
    while True:
        got = [ln for ln in list(srv.raw_lines) if pred(ln)]
        if got:
            return got
        check(time.monotonic() < deadline and srv.alive(),
              "no text log line %s: %r" % (what, srv.raw_lines[-8:]))
        time.sleep(0.05)


def text_log():
    srv = sdpeer.Server()
    srv.extra += ["--devices", registry(srv.dir), "--log-format", "text"]
    srv.start(wait=False)
    raw_lines(srv, lambda ln: " listen " in ln, "listen")
    s = srv.connect()
    s.sendall(sdwire.legacy_msg(L2, "text"))
    idf = raw_lines(srv, lambda ln: " identified " in ln, "identified")
    check(len(idf) == 1 and idf[0].endswith(
        " device=00:11:22:33:68:02 auth=registry device_name=meter-2"),
        "text identified lines: %r" % idf)
    h = srv.connect()
    h.sendall(sdwire.hello(T, b"p", token=b"t"))
    sdpeer.expect_frame(h, sdwire.T_WELCOME)
    hel = raw_lines(srv, lambda ln: " hello " in ln, "hello")
    check("auth=registry device_name=pump" in hel[0],
          "text hello lines: %r" % hel)
    s.close()
    h.close()


def test():
    json_events()
    text_log()


sdpeer.run(test)
