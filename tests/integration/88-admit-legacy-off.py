#!/usr/bin/env python3
"""--legacy off[@PORTS]: on such a port a legacy frame is a protocol
error (`bad-frame`) and the connection is closed unanswered; an
extension client that sends one hears ERROR code 3 first. Extension
clients are served there as before, and with --token that locks the port
to clients that know the token. The last --legacy rule naming a port
wins; other ports keep legacy."""
import sdpeer
import sdwire
from sdpeer import check

TOKEN = b"s3cret"


def test():
    p1, p2, p3 = sdpeer.free_ports(3)
    srv = sdpeer.Server(ports=[p1, p2, p3], extra=[
        "--legacy", "off", "--legacy", "on@%d" % p2,
        "--legacy", "on@%d" % p3, "--legacy", "off@%d-%d" % (p3, p3),
        "--token", TOKEN.decode()])
    srv.start()
    for port in (p1, p3):
        mark = srv.mark()
        s = srv.connect(port)
        cid = srv.client_event(s)["id"]
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hi"))
        sdpeer.expect_eof(s, what="legacy message on port %d" % port)
        s.close()
        ev = srv.wait_event("bad-frame", lambda e: e.get("id") == cid,
                            since=mark)
        check("legacy" in ev.get("reason", ""), "reason: %r" % ev)
        check(not srv.find_events("message", since=mark),
              "a legacy message was taken on port %d" % port)

    # A reading and a file header are refused the same way.
    for frame in (sdwire.legacy_sensor(sdpeer.DEV, 21.5),
                  sdwire.legacy_file_head(sdpeer.DEV, 1, 1000)):
        s = srv.connect(p1)
        s.sendall(frame)
        sdpeer.expect_eof(s, what="legacy frame on port %d" % p1)
        s.close()
    check(not srv.readings_lines(), "a legacy reading was stored")

    # An extension client with the token is served on p1; a legacy frame
    # from it gets ERROR 3, then the close.
    s = srv.connect(p1)
    s.sendall(sdwire.hello(sdpeer.DEV, b"dev", TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.sendall(sdwire.msg(7, b"framed"))
    p = sdpeer.expect_frame(s, sdwire.T_TEXT)
    check(sdwire.parse_text(p)["ref"] == 7, "MSG not answered")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "old"))
    p = sdpeer.expect_frame(s, sdwire.T_ERROR)
    check(sdwire.parse_error(p)["code"] == 3, "error %r" % (sdwire.parse_error(p),))
    sdpeer.expect_eof(s, what="extension client after a legacy frame")
    s.close()

    # Without the token, p1 takes nothing.
    s = srv.connect(p1)
    s.sendall(sdwire.hello(sdpeer.DEV, b"dev", b"wrong"))
    p = sdpeer.expect_frame(s, sdwire.T_ERROR)
    check(sdwire.parse_error(p)["code"] == 5, "wrong token: %r"
          % (sdwire.parse_error(p),))
    s.close()

    # p2 (the later "on" rule) keeps legacy.
    s = srv.connect(p2)
    fd = srv.client_event(s)["fd"]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "legacy ok"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "legacy ok"))
    s.close()
    check(srv.stop() == 0, "server did not stop cleanly")

    st, out, err = sdpeer.run_cli(["--headless", "--ports", str(p1),
                                   "--legacy", "maybe"])
    check(st == 2 and "--legacy" in err, "--legacy maybe: %r %r" % (st, err))


sdpeer.run(test)
