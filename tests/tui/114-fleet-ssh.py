#!/usr/bin/env python3
"""`sockdeckd fleet` over one node reached through ssh (a private sshd
on loopback, as 110) and one local node: both up under their node
ids, the ssh node's client in the table under its name; the ssh
session killed on the server side is that node DOWN while the local one
stays up, then back through a new ssh (the first one reaped); quitting
restores the terminal and leaves no ssh process behind."""
import os
import signal
import time

import sdpeer
import sdtmux
from sdtmux import check
from sdssh import sessions, ssh_children, with_sshd

import sdnodes


def test():
    with_sshd(run)


def run(d, port, cli, sshd):
    data = os.path.join(d, "data")
    os.mkdir(data)
    remote = sdpeer.Server(nports=1, data_dir=data,
                           extra=["--node-id", "far"]).start()
    local = sdnodes.start_nodes(1, "near")[0]
    url = "ssh://127.0.0.1:%d%s" % (port, data)
    f = sdnodes.Fleet([url, local.control_path], 120, 40,
                      extra=["--ssh-config", cli, "--owner", "0",
                             "--remote-sockdeckd", sdtmux.binary()]).start()
    f.wait_up(["far", "near1"], timeout=20)
    c, peer = sdnodes.client(remote, "aa:bb:cc:00:00:0f", "over ssh")
    lines = f.wait_until(lambda ls: sdnodes.rows_of(ls, peer),
                         "the ssh node's client")
    check(sdnodes.rows_of(lines, peer)[0]["node"] == "far", "its row:\n"
          + f.dump(lines))
    pid = f.program_pid()
    ssh1 = ssh_children(pid)
    check(len(ssh1) == 1, "one ssh child: %r" % ssh1)

    for p in sessions(sshd.pid):
        os.kill(p, signal.SIGTERM)
    f.wait_until(lambda ls: sdnodes.node_state(ls, "far") == "DOWN" and
                 sdnodes.node_state(ls, "near1") == "up",
                 "the ssh node DOWN, the local one up")
    f.wait_until(lambda ls: sdnodes.node_state(ls, "far") == "up" and
                 sdnodes.rows_of(ls, peer), "the ssh node back, with its "
                 "client", timeout=20)
    # Gone, not a zombie: the link replaced was killed and reaped.
    check(not any(os.path.exists("/proc/%d" % p) for p in ssh1),
          "the first ssh child is still there (or not reaped): %r" % ssh1)
    ssh2 = ssh_children(pid)

    f.keys("q")
    check(f.wait_exit() == 0, "exit status not 0")
    check(not f.modes()["alternate"], "terminal not restored")
    time.sleep(0.2)
    left = [p for p in ssh1 + ssh2 if sdtmux._alive(p)]
    check(not left, "ssh processes left after quitting: %r" % left)
    check(remote.alive() and local.alive(), "a node stopped with the view")
    c.close()


if __name__ == "__main__":
    sdtmux.run(test, deadline=90)
