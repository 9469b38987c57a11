#!/usr/bin/env python3
"""`sockdeckd fleet` over three nodes when one is killed (-9): its row
says DOWN with why and goes on being tried, its client leaves the
table and the log says it went; the other nodes keep updating (a new
client of node 1 shows, node 3's rate moves). Started again on the same
control socket (the same data dir), it comes back by itself: up, its
figures afresh (no clients), `up again` in the log."""
import re

import sdtmux
from sdtmux import check

import sdnodes

IN = re.compile(r"\bin\s+([\d.]+) [kMG]?B/s")


def test():
    nodes = sdnodes.start_nodes(3)
    f = sdnodes.Fleet([s.control_path for s in nodes]).start()
    f.wait_up(["n1", "n2", "n3"])
    c2, p2 = sdnodes.client(nodes[1], "aa:bb:cc:00:00:02", "two")
    f.wait_until(lambda ls: sdnodes.rows_of(ls, p2), "node 2's client")

    nodes[1].kill()
    lines = f.wait_until(lambda ls: sdnodes.node_state(ls, "n2") == "DOWN",
                         "node 2's row DOWN")
    row = sdnodes.node_rows(lines)["n2"][1]
    check(re.search(r"since \d\d:\d\d:\d\d, trying every \d+s: \S", row),
          "the DOWN row says neither since when nor why:\n" +
          f.dump(lines))
    check(not sdnodes.rows_of(lines, p2), "the client of a node that is "
          "down is still in the table:\n" + f.dump(lines))
    f.wait_until(lambda ls: sdnodes.in_log(ls, "n2", "down: "),
                 "node 2 down in the log")

    # The others go on: a new client of node 1 shows (its events), and
    # the bytes a client of node 3 sent show in node 3's rate (its
    # status, asked for after node 2's).
    c1, p1 = sdnodes.client(nodes[0], "aa:bb:cc:00:00:01", "one")
    f.wait_until(lambda ls: sdnodes.rows_of(ls, p1), "node 1's new client "
                 "while node 2 is down")
    c3, p3 = sdnodes.client(nodes[2], "aa:bb:cc:00:00:03", "three " * 20)
    f.wait_until(lambda ls: IN.search(sdnodes.node_rows(ls)["n3"][1]) and
                 IN.search(sdnodes.node_rows(ls)["n3"][1]).group(1) != "0",
                 "node 3's rate moving while node 2 is down")
    check(sdnodes.node_state(f.screen(), "n2") == "DOWN", "node 2 up "
          "while it is dead:\n" + f.dump())

    # Back on the same control socket.
    nodes[1] = sdnodes.restart(nodes[1], "n2")
    lines = f.wait_until(lambda ls: sdnodes.node_state(ls, "n2") == "up",
                         "node 2 up again", timeout=25)
    f.wait_until(lambda ls: sdnodes.in_log(ls, "n2", "up again"),
                 "`up again` in the log")
    f.wait_until(lambda ls: "clients 0 " in sdnodes.node_rows(ls)["n2"][1],
                 "node 2's figures afresh (no clients)")
    check(sdnodes.rows_of(f.screen(), p1), "node 1's client went:\n" +
          f.dump())
    f.keys("q")
    check(f.wait_exit() == 0, "fleet: exit status not 0")
    for s in (c1, c2, c3):
        s.close()


sdtmux.run(test, deadline=60)
