#!/usr/bin/env python3
"""`sockdeckd fleet` on three headless nodes' control sockets (each its
own port, data dir and --node-id) in tmux at 120x40: a header row a
node, up; a client of node 2 in the table under node 2's name, and
under no other; a device's message in the log under its node's name,
its escape sequence and bidi override escaped;
`b` TEXT Enter Enter broadcasts to every node (a client on each reads
it); `b` TEXT Enter n2 Enter to node 2 alone (only its client reads
it); / filters the table as typed (Esc undoes); K y on a row of node
3 drops the client of node 3 and only it.
Quitting leaves the nodes running."""
import sdpeer
import sdtmux
from sdtmux import check

import sdnodes


def broadcast(f, text, to):
    """b TEXT Enter, then TO (None: every node) Enter."""
    f.keys("b")
    f.wait_until(lambda ls: ls[-1].startswith("Broadcast:"),
                 "the broadcast prompt")
    f.type(text)
    f.keys("Enter")
    f.wait_for("Broadcast \"%s\" to" % text, what="where to")
    if to is not None:
        f.type(to)
    f.keys("Enter")


def test():
    nodes = sdnodes.start_nodes(3)
    labels = ["n1", "n2", "n3"]
    f = sdnodes.Fleet([s.control_path for s in nodes]).start()
    lines = f.wait_up(labels)
    check(lines[0].startswith(" sockdeckd fleet  3 nodes: 3 up"),
          "title:\n" + f.dump(lines))

    # A client of node 2: its row says n2, and only n2.
    c2, p2 = sdnodes.client(nodes[1], "aa:bb:cc:00:00:02", "from two")
    lines = f.wait_until(lambda ls: sdnodes.rows_of(ls, p2),
                         "the row of node 2's client %s" % p2)
    rows = sdnodes.rows_of(lines, p2)
    check([r["node"] for r in rows] == ["n2"], "node 2's client %s "
          "shows as %r:\n%s" % (p2, rows, f.dump(lines)))
    check("aa:bb:cc:00:00:02" in rows[0]["rest"], "no device in %r" %
          rows[0])

    # A message, in the log under its node.
    c1, p1 = sdnodes.client(nodes[0], "aa:bb:cc:00:00:01", "one")
    c3, p3 = sdnodes.client(nodes[2], "aa:bb:cc:00:00:03",
                            "hello from three\x1b[2J\u202e")
    f.wait_until(lambda ls: sdnodes.in_log(
        ls, "n3", '"hello from three\\x1b[2J\\u{202e}"'),
        "node 3's message in the log under n3, escaped")
    lines = f.wait_until(lambda ls: all(sdnodes.rows_of(ls, p)
                                        for p in (p1, p2, p3)),
                         "a row for each node's client")
    check(not any(sdnodes.in_log(lines, l, "hello from three")
                  for l in ("n1", "n2")), "node 3's message under "
          "another node:\n" + f.dump(lines))
    socks = [c1, c2, c3]

    # Broadcast to every node.
    broadcast(f, "to everyone", None)
    for i, s in enumerate(socks):
        sdpeer.expect_bytes(s, b"to everyone", what="broadcast at node "
                            "%d's client" % (i + 1))

    # Broadcast to node 2 alone, by its name.
    broadcast(f, "only two", "n2")
    sdpeer.expect_bytes(c2, b"only two", what="broadcast at node 2")
    sdpeer.expect_quiet(c1, 0.5, "node 1's client after node 2's "
                        "broadcast")
    sdpeer.expect_quiet(c3, 0.3, "node 3's client after node 2's "
                        "broadcast")
    f.wait_until(lambda ls: sdnodes.in_log(ls, "n2", 'broadcast "only two"'),
                 "node 2's broadcast in the log")

    # / filters the table as typed; Esc puts the old filter back.
    f.keys("/")
    f.type("00:00:02")
    f.wait_until(lambda ls: [r["peer"] for r in sdnodes.table(ls)] == [p2],
                 "the table filtered to node 2's device")
    f.keys("Escape")
    f.wait_until(lambda ls: len(sdnodes.table(ls)) == 3,
                 "the three rows again after Esc")

    # Kick node 3's client on node 3.
    sdnodes.select(f, p3)
    f.keys("K")
    f.wait_for("Disconnect #", what="the kick question")
    check("on n3?" in f.screen()[-1], "the question does not name n3:\n"
          + f.dump())
    f.keys("y")
    sdpeer.expect_eof(c3, what="node 3's client after K y")
    f.wait_until(lambda ls: not sdnodes.rows_of(ls, p3) and
                 sdnodes.rows_of(ls, p1) and sdnodes.rows_of(ls, p2),
                 "node 3's row gone, the others there")
    sdpeer.expect_quiet(c1, 0.3, "node 1's client after the kick")
    sdpeer.expect_quiet(c2, 0.3, "node 2's client after the kick")
    for i, srv in enumerate(nodes[:2]):
        r = srv.ctl({"cmd": "clients"})
        check(len(r.get("clients", [])) == 1, "node %d lost its client: "
              "%r" % (i + 1, r))

    f.keys("q")
    check(f.wait_exit() == 0, "fleet: exit status not 0")
    check(not f.modes()["alternate"], "terminal not restored")
    check(all(s.alive() for s in nodes), "a node stopped with the view")
    for s in socks:
        s.close()


sdtmux.run(test, deadline=60)
