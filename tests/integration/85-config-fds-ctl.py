#!/usr/bin/env python3
"""Descriptors are counted before anything opens: the soft RLIMIT_NOFILE
is raised to the hard one at start, so 100 ports under a soft limit of 64
all listen (they used to fail half-way with EMFILE); ports that cannot fit
under the hard limit are refused with one line naming --ports and exit 2,
before any port opens. `ctl kick 999` says its error once."""
import os
import resource
import shutil
import subprocess
import tempfile

import sdpeer
from sdpeer import check


def limit(soft, hard):
    def pre():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return pre


def test():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    check(hard == resource.RLIM_INFINITY or hard >= 512,
          "test needs a hard descriptor limit of 512, have %r" % hard)
    d = tempfile.mkdtemp(prefix="sdtest-")
    try:
        # Refused up front: 400 ports need more than a hard limit of 256.
        p = subprocess.run([sdpeer.binary(), "--headless", "--log-format",
                            "json", "--bind", "127.0.0.1", "--data-dir", d,
                            "--ports", "40000-40399"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=10, preexec_fn=limit(256, 256))
        err = p.stderr.decode("utf-8", "replace")
        lines = [l for l in err.splitlines() if l.strip()]
        check(p.returncode == 2, "400 ports under 256 descriptors: exit %r, "
              "expected 2 (stderr %r)" % (p.returncode, err[:300]))
        check(len(lines) == 1 and "--ports" in lines[0] and "256" in
              lines[0], "expected one line naming --ports and the limit: "
              "%r" % err[:500])
        check(b'"listen' not in p.stdout, "ports opened before the refusal: "
              "%r" % p.stdout[:300])
    finally:
        shutil.rmtree(d, ignore_errors=True)

    # Soft 64, hard 512: 100 ports all listen.
    ports = sdpeer.free_ports(100)
    srv = sdpeer.Server(ports=ports)
    argv = srv.argv()
    srv.argv = lambda: argv
    real_popen = subprocess.Popen

    def popen(*a, **kw):
        kw["preexec_fn"] = limit(64, 512)
        return real_popen(*a, **kw)
    subprocess.Popen = popen
    try:
        srv.start(timeout=20)
    finally:
        subprocess.Popen = real_popen
    check(not srv.find_events("listen-failed"), "ports failed: %r"
          % srv.find_events("listen-failed")[:3])
    check(len(srv.find_events("listen")) == 100, "%d of 100 ports listen"
          % len(srv.find_events("listen")))
    s = srv.connect(ports[-1])
    s.sendall(b"")
    s.close()

    # ctl kick of an unknown id: one line on stderr, nothing on stdout.
    st, out, err = sdpeer.run_cli(["ctl", "--control", srv.control_path,
                                   "kick", "999"])
    lines = [l for l in err.splitlines() if l.strip()]
    check(st == 1, "ctl kick 999: exit %r, expected 1" % st)
    check(len(lines) == 1 and "no such client" in lines[0],
          "ctl kick 999: stderr %r, expected one line" % err)
    check(out.strip() == "", "ctl kick 999: stdout %r" % out)
    check(srv.stop() == 0, "server did not stop cleanly")


sdpeer.run(test)
