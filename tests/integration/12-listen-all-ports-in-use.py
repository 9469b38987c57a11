#!/usr/bin/env python3
"""When no port of the list can be opened the server logs listen-failed
for each and exits with status 1."""
import socket

import sdpeer
from sdpeer import check


def test():
    ports = sdpeer.free_ports(2)
    hogs = []
    try:
        for p in ports:
            h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            h.bind(("127.0.0.1", p))
            h.listen(1)
            hogs.append(h)
        srv = sdpeer.Server(ports=ports, expect_listen=[])
        srv.start()
        rc = srv.wait_exit(timeout=10)
        check(rc == 1, "exit status %r with every port in use, expected 1"
              % rc)
        for p in ports:
            check(srv.find_events("listen-failed",
                                  lambda e, p=p: e.get("port") == p),
                  "no listen-failed event for port %d: %r"
                  % (p, srv.events))
    finally:
        for h in hogs:
            h.close()


sdpeer.run(test)
