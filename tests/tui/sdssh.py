"""sdssh: a private sshd on loopback for the tests that reach a
server through ssh (110 attach, 114 fleet): Debian's openssh-server
started with its own host key, client key and config, the client
config that uses them, and the processes to look at afterwards."""
import os
import shutil
import socket
import subprocess
import sys
import time

import sdtmux
from sdtmux import check

SSHD = "/usr/sbin/sshd"


def skip_without_sshd():
    """Exit 77 (skip) when sshd or ssh is not installed."""
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh") is None:
        print("SKIP %s: %s or ssh not installed (openssh-server, "
              "openssh-client)" % (os.path.basename(sys.argv[0]), SSHD))
        sys.exit(77)


def sshd_up(d):
    """A private sshd on a free loopback port: (port, client config,
    sshd process)."""
    for name in ("hostkey", "clientkey"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                        "-f", os.path.join(d, name)], check=True)
    shutil.copy(os.path.join(d, "clientkey.pub"),
                os.path.join(d, "authorized_keys"))
    port = sdtmux.free_port()
    conf = os.path.join(d, "sshd_config")
    with open(conf, "w") as f:
        f.write("ListenAddress 127.0.0.1\nPort %d\nHostKey %s/hostkey\n"
                "AuthorizedKeysFile %s/authorized_keys\n"
                "PidFile %s/sshd.pid\nUsePAM no\nStrictModes no\n"
                "PermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n" % (port, d, d, d))
    cli = os.path.join(d, "ssh_config")
    with open(cli, "w") as f:
        f.write("Host *\n  IdentityFile %s/clientkey\n  IdentitiesOnly yes\n"
                "  UserKnownHostsFile %s/known_hosts\n"
                "  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n"
                % (d, d))
    # The privilege separation directory sshd insists on.
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", conf],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "sshd.log"), "w"))
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            check(proc.poll() is None and time.monotonic() < deadline,
                  "sshd did not start: %s" %
                  open(os.path.join(d, "sshd.log")).read())
            time.sleep(0.05)
    return port, cli, proc


def ssh_children(pid):
    """The ssh processes under pid."""
    out = []
    for c in sdtmux._children(pid):
        try:
            with open("/proc/%d/comm" % c) as f:
                if f.read().strip() == "ssh":
                    out.append(c)
        except OSError:
            pass
    return out


def sessions(sshd_pid):
    """sshd's per-connection processes (its children)."""
    return sdtmux._children(sshd_pid)


def with_sshd(run):
    """run(dir, port, client config, sshd process) beside a private sshd
    (skipped, 77, without one), which is stopped after."""
    skip_without_sshd()
    d = sdtmux.mkdtemp("sdssh-")
    port, cli, sshd = sshd_up(d)
    try:
        run(d, port, cli, sshd)
    finally:
        sshd.terminate()
        sshd.wait(10)
