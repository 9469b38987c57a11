#!/usr/bin/env python3
"""Every port of a range listens and answers a legacy message with the raw
reply `[<fd> socket] return data => <text>`; `status` on the control
socket lists every port as listening."""
import sdpeer
import sdwire
from sdpeer import check


def test():
    srv = sdpeer.Server(nports=5).start()
    for p in srv.ports:
        s = srv.connect(p)
        ev = srv.client_event(s)
        check(ev.get("port") == p, "connect event port %r, expected %d"
              % (ev.get("port"), p))
        text = "hello port %d" % p
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
        sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], text),
                            what="reply on port %d" % p)
        sdpeer.expect_quiet(s, 0.2, "after the reply on port %d" % p)
        s.close()

    r = srv.ctl({"cmd": "status"})
    check(r.get("ok") is True, "status not ok: %r" % r)
    st = r.get("status") or {}
    listed = {}
    for e in st.get("ports", []):
        listed[e.get("port")] = e
    for p in srv.ports:
        check(p in listed, "status lists no entry for port %d: %r"
              % (p, st.get("ports")))
        check(listed[p].get("state") == "listening",
              "port %d state %r, expected listening" % (p, listed[p]))
    check(st.get("pid") == srv.pid, "status pid %r, server pid %d"
          % (st.get("pid"), srv.pid))
    rc = srv.stop()
    check(rc == 0, "exit status %r after SIGTERM, expected 0" % rc)


sdpeer.run(test)
