#!/usr/bin/env python3
"""--proxy-protocol: on a proxied port a PROXY header (v1 or v2, told
apart by its first bytes) comes first, from a --proxy-from address, and
the client is the header's address and port: in the connect event, in
`ctl clients`, in the reply's fd. A legacy message after the header gets
the original reply byte for byte, also when it comes in the same
segment as the header. v2 TLVs are skipped; a LOCAL header keeps the
connection's own address. On a port that is not proxied a PROXY header
is just bytes (the legacy decoder's garbage), as before."""
import sdpeer
import sdproxy
import sdwire
from sdpeer import check


def through(srv, port, header, peer, peer_port, text, together=False):
    """Send header then a legacy message; the reply is the original's,
    and the client is peer:peer_port."""
    mark = srv.mark()
    s = sdpeer.connect(port)
    msg = sdwire.legacy_msg(sdpeer.DEV, text)
    if together:
        s.sendall(header + msg)
    else:
        # Not a client until a byte after the header (a health check
        # closes before one, unlogged).
        s.sendall(header)
        sdpeer.expect_quiet(s, what="before the first frame")
        check(not srv.find_events("connect", since=mark),
              "a client before its first byte")
        s.sendall(msg)
    ev = srv.wait_event("connect", lambda e: e.get("peer_port") == peer_port,
                        since=mark)
    check(ev.get("peer") == peer, "connect event: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], text))
    row = sdproxy.client_at(srv, peer, peer_port)
    check(row is not None, "ctl clients has no %s:%d: %r"
          % (peer, peer_port, sdproxy.clients(srv)))
    check(row["port"] == port, "client row: %r" % row)
    return s


def test():
    proxied, plain = sdpeer.free_ports(2)
    srv = sdpeer.Server(ports=[proxied, plain], extra=[
        "--proxy-protocol", str(proxied), "--proxy-from", "127.0.0.0/8"])
    srv.start()
    socks = [
        through(srv, proxied, sdproxy.v1("203.0.113.7", 40001), "203.0.113.7",
                40001, "via v1"),
        through(srv, proxied, sdproxy.v1("2001:db8::17", 40002),
                "2001:db8::17", 40002, "via v1 tcp6", together=True),
        through(srv, proxied, sdproxy.v2("198.51.100.9", 40003),
                "198.51.100.9", 40003, "via v2"),
        through(srv, proxied, sdproxy.v2(
            "2001:db8:1::5", 40004, tlvs=sdproxy.tlv(0x01, b"h2") +
            sdproxy.tlv(0x04, b"")), "2001:db8:1::5", 40004, "v2 tcp6 tlvs",
            together=True),
    ]
    # LOCAL: the connection's own address.
    mark = srv.mark()
    s = sdpeer.connect(proxied)
    s.sendall(sdproxy.v2_local() + sdwire.legacy_msg(sdpeer.DEV, "local"))
    ev = srv.client_event(s)
    check(ev.get("peer") == "127.0.0.1", "LOCAL: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "local"))
    socks.append(s)
    # v1 UNKNOWN: the same.
    s = sdpeer.connect(proxied)
    s.sendall(b"PROXY UNKNOWN\r\n" + sdwire.legacy_msg(sdpeer.DEV, "unk"))
    ev = srv.client_event(s)
    check(ev.get("peer") == "127.0.0.1", "UNKNOWN: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "unk"))
    socks.append(s)

    # A port that is not proxied: the header is garbage to the legacy
    # decoder, the client is who connected, and a message after it is
    # answered as before.
    s = sdpeer.connect(plain)
    ev = srv.client_event(s)
    s.sendall(sdproxy.v1("203.0.113.8", 40009) +
              sdwire.legacy_msg(sdpeer.DEV, "plain"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "plain"))
    check(ev.get("peer") == "127.0.0.1", "plain port: %r" % ev)
    check(sdproxy.client_at(srv, "203.0.113.8", 40009) is None,
          "a header on a plain port named the client")
    socks.append(s)
    check(not srv.find_events("drop", since=mark), "drops: %r"
          % srv.find_events("drop", since=mark))
    for s in socks:
        s.close()
    check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test)
