#!/usr/bin/env python3
"""`sockdeckd attach ssh://127.0.0.1:PORT/DATA_DIR` through a private
sshd on loopback (Debian's openssh-server, started by the test with its
own host key, client key and config): ssh runs `sockdeckd ctl
--data-dir DIR proxy` on the "remote" (--remote-sockdeckd names the
build's binary, --ssh-config the client config), and the dashboard
shows the server and its client. The data dir holds a space and a quote
(the remote command is quoted). Killing the ssh session is the server
gone, then back; stopping the server likewise; quitting restores the
terminal and leaves no ssh child. A URL that could pass for an option
is refused; a remote without a socket says why on stderr, escaped."""
import os
import re
import signal
import subprocess
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check
from sdssh import sessions, ssh_children, with_sshd


def test():
    with_sshd(run)


def run(d, port, cli, sshd):
    data = os.path.join(d, "it's data")
    os.mkdir(data)
    srv = sdpeer.Server(nports=1, data_dir=data).start()
    s = srv.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "over ssh"))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    peer = "127.0.0.1:%d" % s.getsockname()[1]
    url = "ssh://127.0.0.1:%d%s" % (port, data)
    args = ["attach", "--ssh-config", cli, "--owner", "0",
            "--remote-sockdeckd", sdtmux.binary(), url]

    dash = sdtmux.Dashboard(100, 30, args=args, data_dir=data).start()
    dash.wait_for(" sockdeckd 0.1.0", what="the header over ssh")
    lines = dash.wait_until(
        lambda ls: "Clients (1)" in "\n".join(ls) and
        any(peer in r for r in sdtmux.clients_rows(ls)),
        "the server's client %s over ssh" % peer)
    check(re.search(r"\battached\b", lines[0]), "not `attached`:\n" +
          dash.dump(lines))
    pid = dash.program_pid()
    ssh1 = ssh_children(pid)
    check(len(ssh1) == 1, "one ssh child: %r" % ssh1)

    # The ssh session killed on the server side: gone, then back.
    for p in sessions(sshd.pid):
        os.kill(p, signal.SIGTERM)
    dash.wait_for("server gone", what="gone after the session was killed")
    dash.wait_for("attached again", what="back through a new ssh")
    dash.wait_until(lambda ls: any(peer in r for r in
                                   sdtmux.clients_rows(ls)),
                    "the client again after re-attaching")
    check(not any(sdtmux._alive(p) for p in ssh1), "the first ssh "
          "child is still there: %r" % ssh1)

    # The server stops: gone (the remote proxy's reason, escaped).
    srv.stop()
    dash.wait_until(lambda ls: len([l for l in ls if "server gone" in l])
                    >= 2, "the second `server gone`")
    check(dash.pane_dead()[0] is False, "attach died:\n" + dash.dump())
    ssh2 = ssh_children(pid)

    dash.keys("q")
    st = dash.wait_exit()
    check(st == 0, "exit status %r" % st)
    check(not dash.modes()["alternate"], "terminal not restored")
    time.sleep(0.2)
    left = [p for p in ssh1 + ssh2 if sdtmux._alive(p)]
    check(not left, "ssh children left after quitting: %r" % left)
    s.close()

    # Refused before ssh runs: a host that would be an option.
    for bad in ("ssh://-oProxyCommand=x/d", "ssh://h:0/d",
                "ssh://a b/d", "ssh://h/d\x1b[31m"):
        r = subprocess.run([sdtmux.binary(), "attach", bad],
                           capture_output=True, timeout=10)
        check(r.returncode == 2 and b"not ssh://" in r.stderr and
              b"\x1b" not in r.stderr, "%r: %r" % (bad, r))

    # A remote without a socket: one line, the remote's reason, exit 1.
    r = subprocess.run([sdtmux.binary()] + args[:-1] +
                       [url + "/none"], capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    err = r.stderr.decode("utf-8", "replace")
    check(r.returncode == 1 and "control.sock" in err and
          err.count("\n") == 1, "no socket there: %r" % (r,))

    # --owner through ssh is the remote's, as given (not looked up here).
    r = subprocess.run([sdtmux.binary(), "attach", "--ssh-config", cli,
                        "--owner", "no-such-user-x", "--remote-sockdeckd",
                        sdtmux.binary(), url], capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    err = r.stderr.decode("utf-8", "replace")
    check(r.returncode == 1 and "no-such-user-x: no such user" in err,
          "--owner over ssh: %r" % (r,))


if __name__ == "__main__":
    sdtmux.run(test, deadline=90)
