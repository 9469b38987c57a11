#!/usr/bin/env python3
"""--max-clients 3: a 4th connection is closed by the server (EOF) with a
`drop` event `too many clients`; the 3 are served; once one leaves, a new
client is accepted. --max-clients-per-port 1 limits each port."""
import time

import sdpeer
import sdwire
from sdpeer import check


def served(srv, s, text):
    fd = srv.client_event(s)["fd"]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text), what=text)


def test():
    srv = sdpeer.Server(nports=2, extra=["--max-clients", "3"]).start()
    socks = [srv.connect(srv.ports[i % 2]) for i in range(3)]
    for i, s in enumerate(socks):
        served(srv, s, "client %d" % i)
    mark = srv.mark()
    extra = srv.connect(srv.ports[1])
    sdpeer.expect_eof(extra, what="4th connection")
    d = srv.wait_event("drop", since=mark)
    check(d.get("reason") == "too many clients", "drop reason %r"
          % d.get("reason"))
    extra.close()
    for i, s in enumerate(socks):
        served(srv, s, "still %d" % i)
    socks[0].close()
    srv.wait_events("disconnect", 1, since=mark)
    time.sleep(0.1)
    again = srv.connect(srv.ports[0])
    served(srv, again, "after one left")
    for s in socks[1:] + [again]:
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    srv = sdpeer.Server(nports=2, extra=["--max-clients-per-port", "1"])
    srv.start()
    a = srv.connect(srv.ports[0])
    served(srv, a, "a")
    b = srv.connect(srv.ports[1])
    served(srv, b, "b")
    mark = srv.mark()
    c = srv.connect(srv.ports[0])
    sdpeer.expect_eof(c, what="2nd connection on a port with a limit of 1")
    srv.wait_event("drop", since=mark)
    for s in (a, b, c):
        s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
