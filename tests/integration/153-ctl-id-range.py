#!/usr/bin/env python3
"""A control request's client "id" names a client only as the integer
it is: 2^32 + N, N - 2^32, a string or a float naming client N is `no
such client` for kick, block, send and client, and client N is left
alone; N itself still works."""
import sdpeer
import sdwire
from sdpeer import check

def wrong(n):
    """Ways of almost naming client n."""
    return [n + (1 << 32), n - (1 << 32), n + (1 << 33), str(n), float(n)]


def test():
    srv = sdpeer.Server(nports=1, extra=["--reply-format",
                                         sdpeer.ECHO_FMT]).start()
    a = srv.connect()
    check(sdpeer.answered(a, sdpeer.DEV, "hello"), "no answer")
    n = srv.client_event(a)["id"]
    for bad in wrong(n):
        for req in ({"cmd": "kick", "id": bad},
                    {"cmd": "block", "id": bad, "secs": 60},
                    {"cmd": "send", "id": bad, "text": "psst"},
                    {"cmd": "client", "id": bad}):
            r = srv.ctl(req)
            check(r.get("error") == "no such client",
                  "%r: %r" % (req, r))
    check(srv.ctl({"cmd": "blocks"})["blocks"] == [], "something blocked")
    check(sdpeer.answered(a, sdwire.mac("02:00:00:00:00:53"), "still"),
          "client %d was touched by a wrong id" % n)
    r = srv.ctl({"cmd": "client", "id": n})
    check(r.get("ok") is True and r["client"]["id"] == n, "client: %r" % r)
    r = srv.ctl({"cmd": "kick", "id": n})
    check(r.get("ok") is True, "kick: %r" % r)
    sdpeer.expect_eof(a, what="the kicked client")
    srv.stop()


sdpeer.run(test)
