#!/usr/bin/env python3
"""A port of the range already in use gets `listen-failed` with a reason
(and state failed in `status`) while the other ports serve."""
import socket

import sdpeer
import sdwire
from sdpeer import check


def test():
    ports = sdpeer.free_ports(3)
    busy = ports[1]
    hog = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        hog.bind(("127.0.0.1", busy))
        hog.listen(1)
        srv = sdpeer.Server(ports=ports, expect_listen=[ports[0], ports[2]])
        srv.start()
        lf = srv.wait_event("listen-failed", lambda e: e.get("port") == busy)
        check(isinstance(lf.get("reason"), str) and lf["reason"],
              "listen-failed without a reason: %r" % lf)
        check(not srv.find_events("listen", lambda e: e.get("port") == busy),
              "a listen event for the busy port %d" % busy)
        for p in (ports[0], ports[2]):
            s = srv.connect(p)
            fd = srv.client_event(s)["fd"]
            s.sendall(sdwire.legacy_msg(sdpeer.DEV, "on %d" % p))
            sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "on %d" % p),
                                what="reply on port %d" % p)
            s.close()
        st = srv.ctl({"cmd": "status"})["status"]
        by = {e.get("port"): e for e in st.get("ports", [])}
        check(by.get(busy, {}).get("state") == "failed" and
              by[busy].get("reason"), "status entry for the busy port: %r"
              % by.get(busy))
        for p in (ports[0], ports[2]):
            check(by.get(p, {}).get("state") == "listening",
                  "status entry for port %d: %r" % (p, by.get(p)))
        check(srv.alive(), "server exited although two ports opened")
        check(srv.stop() == 0, "exit status after SIGTERM not 0")
    finally:
        hog.close()


sdpeer.run(test)
