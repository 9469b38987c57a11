#!/usr/bin/env python3
"""--token: HELLO with another token (one byte longer, or of the same
length one byte off), or none, is answered ERROR code 5 and the
connection closed; so is every extension frame sent before a
HELLO (MSG, SENSOR_BATCH, FILE_OFFER, PING), and none of them is served
(no reply, no stored reading, no file). The right token gets WELCOME
and everything works; legacy clients, which have no HELLO, are not
affected. The client sends the token from --token or $SOCKDECK_TOKEN.
(sockdeckd(1): --token, Extension clients; sockdeck(1): --token.)"""
import os

import sdpeer
import sdwire
from sdpeer import check

TOKEN = b"s3cret-tok"


def refused(srv, first, what):
    """Send bytes `first` on a new connection: ERROR code 5, then EOF."""
    s = srv.connect()
    s.sendall(first)
    t, p = sdpeer.recv_frame(s)
    check(t == sdwire.T_ERROR, "%s: expected ERROR, got frame 0x%04x %r"
          % (what, t, p[:60]))
    e = sdwire.parse_error(p)
    check(e["code"] == 5, "%s: ERROR code %d (%r), expected 5"
          % (what, e["code"], e["text"]))
    sdpeer.expect_eof(s, what=what)
    s.close()


def test():
    srv = sdpeer.Server(extra=["--token", TOKEN.decode(), "--reply-format", sdpeer.ECHO_FMT]).start()
    dev = sdpeer.DEV
    refused(srv, sdwire.hello(dev, b"x", token=b"wrong"), "wrong token")
    refused(srv, sdwire.hello(dev, b"x"), "no token")
    refused(srv, sdwire.hello(dev, b"x", token=TOKEN + b"x"),
            "the token and one byte more")
    refused(srv, sdwire.hello(dev, b"x", token=TOKEN[:-1] + b"u"),
            "the token's length, its last byte off")
    refused(srv, sdwire.msg(1, b"hi"), "MSG before HELLO")
    refused(srv, sdwire.sensor_batch(1, dev, [(1700000000000000000, 1.5,
                                                b"")]),
            "SENSOR_BATCH before HELLO")
    refused(srv, sdwire.file_offer(1, 3, 0, b"a.txt") +
            sdwire.file_chunk(1, 0, b"abc"), "FILE_OFFER before HELLO")
    refused(srv, sdwire.ping(7), "PING before HELLO")
    check(srv.readings_lines() == [], "a refused batch was stored: %r"
          % srv.readings_lines())
    check(not os.path.isdir(srv.files_dir) or
          os.listdir(srv.files_dir) == [],
          "a refused offer left files: %r" % os.listdir(srv.files_dir))
    st = srv.ctl({"cmd": "status"})["status"]
    check(st["totals"]["messages"] == 0, "a refused MSG was counted: %r"
          % st["totals"])

    # the right token
    s = srv.connect()
    s.sendall(sdwire.hello(dev, b"ok", token=TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME)
    s.sendall(sdwire.msg(2, b"with token"))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT))
    check(t["ref"] == 2 and b"with token" in t["text"], "reply %r" % t)

    # legacy clients are not affected
    legacy = srv.connect()
    legacy.sendall(sdwire.legacy_msg(dev, "old"))
    ev = srv.client_event(legacy)
    sdpeer.expect_bytes(legacy, sdpeer.reply_for(ev["fd"], "old",
                                                  sdpeer.ECHO_FMT),
                        what="legacy reply with --token set")

    # the client, from the option and from the environment
    target = "127.0.0.1:%d" % srv.ports[0]
    r = sdpeer.sockdeck("--token", TOKEN.decode(), "send", target, "cli")
    check(r.returncode == 0 and "cli" in r.stdout, "sockdeck --token: "
          "status %d, out %r, err %r" % (r.returncode, r.stdout, r.stderr))
    os.environ["SOCKDECK_TOKEN"] = TOKEN.decode()
    r = sdpeer.sockdeck("send", target, "env")
    check(r.returncode == 0 and "env" in r.stdout, "SOCKDECK_TOKEN: "
          "status %d, out %r, err %r" % (r.returncode, r.stdout, r.stderr))
    os.environ["SOCKDECK_TOKEN"] = "nope"
    r = sdpeer.sockdeck("send", target, "bad")
    check(r.returncode == 1 and r.stderr == "sockdeck: server error 5: "
          "token refused\n", "a wrong token: status %d, err %r" %
          (r.returncode, r.stderr))
    # A prefix of the token is refused too (not only "non-empty").
    r = sdpeer.sockdeck("--token", TOKEN.decode()[:1], "send", target,
                        "prefix")
    check(r.returncode == 1 and r.stderr == "sockdeck: server error 5: "
          "token refused\n", "a prefix of the token: status %d, err %r" %
          (r.returncode, r.stderr))
    del os.environ["SOCKDECK_TOKEN"]
    r = sdpeer.sockdeck("send", target, "none")
    check(r.returncode != 0, "no token: status 0, out %r" % r.stdout)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
