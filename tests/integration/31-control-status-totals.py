#!/usr/bin/env python3
"""`status` reports version, pid, uptime, node_id (--node-id, the host
name by default), clients, addresses (only those
a listening port takes: with --bind 127.0.0.1 that one alone, with the
wildcards every address including ::1) and totals that count messages,
files and readings."""
import socket
import time

import sdpeer
import sdwire
from sdpeer import check


def test_wildcard():
    """Without --bind, every address of the host (::1 too) is listed.
    The free port is chosen on 127.0.0.1 and ::1 a moment before the
    wildcards bind it, so a test beside this one may take it first: the
    listener that could not bind is listed `failed` (and its addresses,
    rightly, not at all); another port is tried then."""
    for attempt in range(5):
        srv = sdpeer.Server(with_bind=False).start()
        st = srv.ctl({"cmd": "status"})["status"]
        failed = [p for p in st["ports"] if p["state"] != "listening"]
        if not failed:
            break
        sdpeer.log("port taken meanwhile: %r" % failed)
        srv.stop()
    check(not failed, "a wildcard listener failed 5 times: %r" % failed)
    got = [a["addr"] for a in st["addresses"]]
    check("127.0.0.1" in got and "::1" in got,
          "wildcard listeners but status lists %r" % got)
    srv.stop()


def test():
    test_wildcard()
    srv = sdpeer.Server().start()
    st = srv.ctl({"cmd": "status"})["status"]
    for k in ("version", "pid", "uptime", "clients", "addresses", "ports",
              "totals"):
        check(k in st, "status without %r: %r" % (k, st))
    check(st["clients"] == 0, "clients %r before any" % st["clients"])
    check(any(a.get("loopback") for a in st["addresses"]),
          "no loopback address in %r" % st["addresses"])
    for a in st["addresses"]:
        for k in ("if", "addr", "family", "loopback"):
            check(k in a, "address entry without %r: %r" % (k, a))
    check([a["addr"] for a in st["addresses"]] == ["127.0.0.1"],
          "--bind 127.0.0.1 but status lists %r" % st["addresses"])
    s = srv.connect()
    fd = srv.client_event(s)["fd"]
    for i in range(3):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "m%d" % i))
        sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "m%d" % i))
    s.sendall(b"".join(sdwire.legacy_sensor(sdpeer.DEV, i) for i in range(5)))
    s.sendall(sdwire.legacy_file(sdpeer.DEV, 5, b"abc"))
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    check(got.startswith(b"file upload successful"), "file answer %r" % got)
    deadline = time.monotonic() + 5
    while True:
        st = srv.ctl({"cmd": "status"})["status"]
        t = st["totals"]
        if (t.get("messages") == 3 and t.get("files") == 1 and
                t.get("readings") == 5) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(t.get("messages") == 3 and t.get("files") == 1 and
          t.get("readings") == 5, "totals %r, expected 3 messages, 1 file, "
          "5 readings" % t)
    check(t.get("bytes_in", 0) > 0 and t.get("bytes_out", 0) > 0,
          "byte totals %r" % t)
    check(st["clients"] == 1, "clients %r with one connected"
          % st["clients"])
    srv.wait_event("readings", lambda e: e.get("total") == 5, timeout=5)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    test_node_id(st)


def test_node_id(st):
    """The node's id: the host name by default (when it is one), else
    --node-id's."""
    host = socket.gethostname()
    check(st.get("node_id") == host or (st.get("node_id") == "sockdeckd"
                                        and not host.replace("-", "")
                                        .replace(".", "").replace("_", "")
                                        .isalnum()),
          "node_id %r, host %r" % (st.get("node_id"), host))
    srv = sdpeer.Server(extra=["--node-id", "edge-7"]).start()
    st = srv.ctl({"cmd": "status"})["status"]
    check(st.get("node_id") == "edge-7", "--node-id edge-7: status says "
          "%r" % st.get("node_id"))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
