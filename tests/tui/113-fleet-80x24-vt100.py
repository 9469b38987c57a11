#!/usr/bin/env python3
"""`sockdeckd fleet` at 80x24 with NO_COLOR=1 and TERM=vt100, over
three nodes and a target that is not there: every node has its row
(the missing one DOWN, with why), the table and the log fit the width
with the node's name on each row and line, `?` opens the help and any
key closes it, no colour escape is drawn, and `q` quits with status 0
and the terminal restored (a blank screen: vt100 has no alternate
screen; keypad off). SIGTERM does the same; the terminal going away
(tmux killed; under setsid, so without a SIGHUP) ends it, the nodes running. Refused before the
terminal, exit status 2 and one line: 17 targets, a URL that could
pass for an option to ssh; without a terminal, exit status 1."""
import os
import signal
import subprocess
import time

import sdtmux
from sdtmux import check

import sdnodes

ENV = {"NO_COLOR": "1", "TERM": "vt100"}


def fleet(nodes, missing, detached=False):
    """The view on nodes and missing (under setsid(1) when detached:
    no SIGHUP comes when its terminal goes)."""
    f = sdnodes.Fleet([s.control_path for s in nodes] + [missing], 80, 24,
                      env=ENV)
    if detached:
        f.cmd = ["setsid"] + f.cmd
    f.start()
    f.wait_up(["n1", "n2", "n3"])
    return f


def refused():
    """What fleet refuses before it looks at the terminal."""
    many = ["/nonexistent/%d" % i for i in range(17)]
    for args, st, said in ((many, 2, "17 targets: at most 16"),
                           (["ssh://-oProxyCommand=x/d"], 2, "not ssh://"),
                           (["/nonexistent"], 1, "needs a terminal")):
        r = subprocess.run([sdtmux.binary(), "fleet"] + args,
                           capture_output=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == st and said in err and
              err.count("\n") == 1, "fleet %s: %r" % (args[:2], r))


def test():
    refused()
    nodes = sdnodes.start_nodes(3)
    missing = os.path.join(sdtmux.mkdtemp(), "gone", "control.sock")
    f = fleet(nodes, missing)
    c, peer = sdnodes.client(nodes[2], "aa:bb:cc:00:00:03", "at 80")
    lines = f.wait_until(lambda ls: sdnodes.rows_of(ls, peer) and
                         sdnodes.in_log(ls, "n3", "connected") and
                         sdnodes.node_state(ls, "gone") == "DOWN",
                         "node 3's client, in the table and the log, the missing "
                         "node DOWN")
    check(len(lines) == 24 and all(sdtmux.display_width(l) <= 80
                                   for l in lines), "not 80x24:\n" +
          f.dump(lines))
    check("No such file" in sdnodes.node_rows(lines)["gone"][1],
          "the missing node's row does not say why:\n" + f.dump(lines))
    check(sdnodes.rows_of(lines, peer)[0]["node"] == "n3", "row:\n" +
          f.dump(lines))
    check("q Quit" in lines[-1], "key bar:\n" + f.dump(lines))
    bad = sdtmux.colour_sgrs(f.screen(escapes=True))
    check(not bad, "colour escapes under NO_COLOR on vt100 %r:\n%s"
          % (sorted(set(bad))[:10], f.dump(lines)))

    f.keys("?")
    f.wait_for("sockdeckd fleet keys", what="the help")
    f.keys("x")
    f.wait_gone("sockdeckd fleet keys", what="the help closed")

    f.keys("q")
    check(f.wait_exit() == 0, "q: exit status not 0")
    m = f.modes()
    check(not m["alternate"] and not m["keypad"], "terminal not restored "
          "after q: %r" % m)
    check(not any("sockdeckd fleet" in l for l in f.screen()),
          "the view left on a vt100 screen:\n" + f.dump())

    f = fleet(nodes, missing)
    os.kill(f.program_pid(), signal.SIGTERM)
    check(f.wait_exit() == 0, "SIGTERM: exit status not 0")
    check(not f.modes()["alternate"], "terminal not restored after "
          "SIGTERM")

    # The terminal gone (tmux killed, as an ssh session drops), without
    # a SIGHUP: it ends.
    f = fleet(nodes, missing, detached=True)
    pid = f.program_pid()
    f.tmux("kill-server")
    deadline = time.monotonic() + 5
    while sdtmux._alive(pid):
        check(time.monotonic() < deadline, "still running 5 s after its "
              "terminal went")
        time.sleep(0.05)
    check(all(s.alive() for s in nodes), "a node stopped with the view")
    c.close()


sdtmux.run(test, deadline=60)
