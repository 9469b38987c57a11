#!/usr/bin/env python3
"""Admission on a --proxy-protocol port is by the header's address, not
the balancer's: --deny refuses a denied real address though the
balancer (127.0.0.1) is allowed, --allow lets in only the real addresses
it names, and --max-clients-per-ip counts real addresses, taken and
released against the same one: three devices behind one balancer
address each get their cap, the next from a full address is refused
("too many clients from this address"), and a slot freed by a close
is there again. The settings come from the configuration file (keys
proxy-protocol, proxy-from), as every option may, and a reload changes
them for the connections that come after it (sockdeckd(1): RELOAD)."""
import os

import sdpeer
import sdproxy
import sdwire
from sdpeer import check


def conn(srv, port, src, sport):
    """A proxied client from src:sport that is answered."""
    s = sdpeer.connect(port)
    s.sendall(sdproxy.v2(src, sport) + sdwire.legacy_msg(sdpeer.DEV, "hi"))
    ev = srv.wait_event("connect", lambda e: e.get("peer_port") == sport)
    check(ev.get("peer") == src, "connect: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "hi"))
    return s


def refused(srv, port, src, sport, reason):
    mark = srv.mark()
    s = sdpeer.connect(port)
    s.sendall(sdproxy.v1(src, sport) + sdwire.legacy_msg(sdpeer.DEV, "no"))
    sdpeer.expect_eof(s, what="%s refused" % src)
    s.close()
    ev = srv.wait_event("drop", lambda e: e.get("peer_port") == sport,
                        since=mark)
    check(ev.get("peer") == src and ev.get("reason") == reason,
          "drop: %r, expected %s %r" % (ev, src, reason))


def test():
    port, = sdpeer.free_ports(1)
    srv = sdpeer.Server(ports=[port])
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("proxy-protocol = %d\nproxy-from = 127.0.0.0/8\n"
                "allow = 127.0.0.0/8,192.0.2.0/24,2001:db8::/32\n"
                "deny = 192.0.2.66\nmax-clients-per-ip = 2\n" % port)
    srv.extra = ["--config", conf]
    srv.start()
    refused(srv, port, "192.0.2.66", 5001, "address denied")
    refused(srv, port, "198.51.100.1", 5002, "address not allowed")
    # Two each from three real addresses, all through 127.0.0.1.
    socks = {}
    for i, src in enumerate(("192.0.2.1", "192.0.2.2", "2001:db8:0:1::9")):
        socks[src] = [conn(srv, port, src, 6000 + 10 * i + k)
                      for k in range(2)]
    refused(srv, port, "192.0.2.1", 6100, "too many clients from this "
            "address")
    # An IPv6 /64 is one address.
    refused(srv, port, "2001:db8:0:1::77", 6101, "too many clients from "
            "this address")
    rows = sdproxy.clients(srv)
    check(sorted((r["peer"], r["peer_port"]) for r in rows) == sorted(
        (src, 6000 + 10 * i + k) for i, src in enumerate(
            ("192.0.2.1", "192.0.2.2", "2001:db8:0:1::9")) for k in range(2)),
        "ctl clients: %r" % rows)
    # A close frees the real address's slot.
    mark = srv.mark()
    socks["192.0.2.1"][0].close()
    srv.wait_event("disconnect", lambda e: e.get("peer_port") == 6000,
                   since=mark)
    socks["192.0.2.1"][0] = conn(srv, port, "192.0.2.1", 6200)
    refused(srv, port, "192.0.2.1", 6201, "too many clients from this "
            "address")
    for ss in socks.values():
        for s in ss:
            s.close()

    # Live reload: the port no longer proxied takes plain clients (the
    # open ones stay); proxied again with another --proxy-from, 127.0.0.1
    # is refused.
    keep = conn(srv, port, "192.0.2.9", 6300)
    with open(conf, "w") as f:
        f.write("allow = 127.0.0.0/8,192.0.2.0/24\n")
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and "proxy-protocol" in r.get("changed", [])
          and "proxy-from" in r.get("changed", []), "reload: %r" % r)
    s = sdpeer.connect(port)
    ev = srv.client_event(s)
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "plain now"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "plain now"))
    check(ev.get("peer") == "127.0.0.1", "after reload: %r" % ev)
    s.close()
    with open(conf, "w") as f:
        f.write("proxy-protocol = %d\nproxy-from = 10.0.0.0/8\n" % port)
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True, "reload: %r" % r)
    mark = srv.mark()
    s = sdpeer.connect(port)
    s.sendall(sdproxy.v2("192.0.2.10", 6400))
    sdpeer.expect_eof(s, what="127.0.0.1 not in the new --proxy-from")
    s.close()
    ev = srv.wait_event("drop", since=mark)
    check(ev.get("reason") == "not from --proxy-from", "drop: %r" % ev)
    keep.sendall(sdwire.legacy_msg(sdpeer.DEV, "still"))
    row = sdproxy.client_at(srv, "192.0.2.9", 6300)
    check(row is not None, "the open proxied client went at the reload")
    sdpeer.expect_bytes(keep, sdpeer.reply_for(row["fd"], "still"))
    keep.close()
    check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test)
