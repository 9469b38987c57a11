#!/usr/bin/env python3
"""--allow and --deny decide at accept, before a byte is read: a denied
address is refused even inside an allowed prefix (deny wins), a port
with --allow rules takes only their addresses, a port no --allow rule
names takes every address not denied. A refused connection is closed
unanswered with a `drop` event (peer, reason), and a storm of refusals
is summarised (`suppressed`), not logged line by line. Bad rules exit 2
naming the flag."""
import sdpeer
import sdwire
from sdpeer import check


def served(srv, src, port, text):
    s = sdpeer.connect_from(src, port)
    fd = srv.client_event(s)["fd"]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text),
                        what="answer to %s on %d" % (src, port))
    s.close()


def refused(srv, src, port, reason):
    mark = srv.mark()
    s = sdpeer.connect_from(src, port)
    try:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "let me in"))
    except OSError:
        pass
    sdpeer.expect_eof(s, what="%s on port %d" % (src, port))
    s.close()
    ev = srv.wait_event("drop", lambda e: e.get("peer") == src,
                        since=mark, timeout=5)
    check(ev.get("reason") == reason and "id" not in ev,
          "%s on %d: drop %r, expected reason %r" % (src, port, ev, reason))
    check(not srv.find_events("connect", lambda e: e.get("peer") == src,
                              since=mark), "refused client got a connect")


def test():
    # Bad rules first.
    port = str(sdpeer.free_port())
    for flag, v in [("--allow", "10.0.0.0/33"), ("--allow", "1.2.3.4@0"),
                    ("--deny", "nothere"), ("--deny", "::1/129"),
                    ("--allow", "10.0.0.1@5001-5000"), ("--allow", "")]:
        st, out, err = sdpeer.run_cli(["--headless", "--ports", port,
                                       "--bind", "127.0.0.1", flag, v])
        lines = [l for l in err.splitlines() if l.strip()]
        check(st == 2 and len(lines) == 1 and flag in lines[0],
              "%s %r: status %r, stderr %r" % (flag, v, st, err))

    p1, p2 = sdpeer.free_ports(2)
    srv = sdpeer.Server(ports=[p1, p2], extra=[
        "--allow", "127.0.0.0/8@%d,10.0.0.0/8" % p1,
        "--allow", "127.0.0.2@%d-%d" % (p2, p2),
        "--deny", "127.0.0.3/32,2001:db8::/32"])
    srv.start()
    served(srv, "127.0.0.1", p1, "one")
    served(srv, "127.0.0.2", p1, "two")
    refused(srv, "127.0.0.3", p1, "address denied")
    served(srv, "127.0.0.2", p2, "two again")
    refused(srv, "127.0.0.1", p2, "address not allowed")
    refused(srv, "127.0.0.3", p2, "address denied")

    # A storm of refusals: a few lines, then a count.
    mark = srv.mark()
    for _ in range(60):
        s = sdpeer.connect_from("127.0.0.3", p1)
        sdpeer.expect_eof(s, what="refused again")
        s.close()
    served(srv, "127.0.0.1", p1, "still serving")
    check(srv.stop() == 0, "server did not stop cleanly")
    drops = srv.find_events("drop", since=mark)
    sums = srv.find_events("suppressed", lambda e: e.get("name") == "drop",
                           since=mark)
    check(len(drops) <= 10, "%d drop lines for 60 refusals" % len(drops))
    check(len(drops) + sum(e["count"] for e in sums) == 60,
          "%d drops + %r summarised != 60" % (len(drops),
                                             [e["count"] for e in sums]))


sdpeer.run(test)
