#!/usr/bin/env python3
"""On a --proxy-protocol port everything but a whole, valid PROXY header
from a --proxy-from address is refused, the connection closed with a
`drop` event that says why and counted in sockdeck_proxy_refused_total
by reason: a header from outside --proxy-from; first bytes that are no
header (a legacy frame); broken v1 lines (a port over 65535, a leading
zero, a lone LF) and v2 headers (version 1, a length short for its
family, a TLV past the end); a header cut short by a close; a peer that
sends nothing within --tls-handshake-timeout. A header trickled a byte
at a time within the deadline is taken. --proxy-protocol without
--proxy-from, or on a port not listened on, refuses to start (exit 2)."""
import time

import sdmetrics
import sdpeer
import sdproxy
import sdtls
import sdwire
from sdpeer import check

NAME = "sockdeck_proxy_refused_total"


def refused(srv, port, data, reason, close=False):
    """data sent to port (then our end shut when close): the server
    closes, with a drop whose reason starts with reason."""
    mark = srv.mark()
    s = sdpeer.connect(port)
    lp = s.getsockname()[1]
    if data:
        s.sendall(data)
    if close:
        s.shutdown(1)
    sdpeer.expect_eof(s, what="refused: %r" % data[:40])
    s.close()
    ev = srv.wait_event("drop", lambda e: e.get("peer_port") == lp,
                        since=mark)
    check(ev.get("peer") == "127.0.0.1" and
          str(ev.get("reason", "")).startswith(reason),
          "drop for %r: %r, expected %r" % (data[:40], ev, reason))
    check(not srv.find_events("connect", since=mark), "a client was made")


def trickled(srv, port, header, src, sport):
    s = sdpeer.connect(port)
    data = header + sdwire.legacy_msg(sdpeer.DEV, "slowly")
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        time.sleep(0.005)
    ev = srv.wait_event("connect", lambda e: e.get("peer_port") == sport)
    check(ev.get("peer") == src, "trickled: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "slowly"))
    s.close()


def test():
    port, = sdpeer.free_ports(1)
    srv = sdmetrics.server(ports=[port], extra=[
        "--proxy-protocol", str(port), "--proxy-from", "127.0.0.0/8",
        "--tls-handshake-timeout", "2"])
    sig = sdproxy.SIG
    refused(srv, port, sdwire.legacy_msg(sdpeer.DEV, "no header"),
            "no PROXY header")
    refused(srv, port, b"PROXY TCP4 10.1.2.3 10.0.0.1 65536 5000\r\n",
            "bad PROXY header: v1: bad port")
    refused(srv, port, b"PROXY TCP4 10.01.2.3 10.0.0.1 4000 5000\r\n",
            "bad PROXY header: v1: bad address")
    refused(srv, port, b"PROXY TCP4 10.1.2.3 10.0.0.1 4000 5000\n",
            "bad PROXY header: v1: LF without CR")
    refused(srv, port, sig + b"\x11\x11\x00\x0c" + bytes(12),
            "bad PROXY header: v2: version not 2")
    refused(srv, port, sig + b"\x21\x11\x00\x08" + bytes(8),
            "bad PROXY header: v2: length short for its family")
    refused(srv, port, sig + b"\x21\x11\x00\x10" + bytes(12) +
            b"\x04\x00\x09\x00", "bad PROXY header: v2: bad TLV")
    refused(srv, port, b"PROXY TCP4 10.1.2.3 10", "closed before its PROXY "
            "header", close=True)
    sdmetrics.wait_metric(srv.metrics_port, NAME, lambda v: v == 6, 5,
                          reason="invalid")
    # The deadline is one for the whole header, not one per byte.
    t0 = time.monotonic()
    refused(srv, port, sig[:5], "no PROXY header in time")
    took = time.monotonic() - t0
    check(1.5 < took < 4, "dropped after %.1fs, expected 2" % took)
    trickled(srv, port, sdproxy.v2("192.0.2.44", 4444), "192.0.2.44", 4444)
    trickled(srv, port, sdproxy.v1("192.0.2.45", 4445), "192.0.2.45", 4445)
    s = sdmetrics.wait_metric(srv.metrics_port, NAME, lambda v: v == 1, 5,
                              reason="timeout")
    for reason, n in (("missing", 1), ("invalid", 6), ("closed", 1),
                      ("timeout", 1), ("not_from_proxy_from", 0)):
        v = sdmetrics.value(s, NAME, reason=reason)
        check(v == n, "%s{reason=%s} = %r, expected %d" % (NAME, reason, v, n))
    check(srv.stop() == 0, "server did not stop cleanly")

    # From outside --proxy-from: refused at accept, header or not.
    srv = sdmetrics.server(ports=[port], extra=[
        "--proxy-protocol", str(port), "--proxy-from", "10.0.0.0/8"])
    refused(srv, port, sdproxy.v2("192.0.2.1", 1234), "not from "
            "--proxy-from")
    refused(srv, port, b"", "not from --proxy-from")
    s = sdmetrics.wait_metric(srv.metrics_port, NAME, lambda v: v == 2, 5,
                              reason="not_from_proxy_from")
    check(srv.stop() == 0, "server did not stop cleanly")

    d = srv.dir
    ports = ["--ports", str(port)]
    sdtls.start_refused(d, ports + ["--proxy-protocol", str(port)],
                        "--proxy-protocol needs --proxy-from", "no from")
    sdtls.start_refused(d, ports + ["--proxy-protocol", str(port + 1),
                                    "--proxy-from", "127.0.0.1"],
                        "--proxy-protocol: %d is not one of --ports"
                        % (port + 1), "a port not listened on")
    sdtls.start_refused(d, ports + ["--proxy-protocol", str(port),
                                    "--proxy-from", "127.0.0.0/33"],
                        "--proxy-from", "a bad prefix")


sdpeer.run(test)
