#!/usr/bin/env python3
"""One server a data directory: the first holds DATA_DIR/lock (an
open-file-description lock, its file saying "PID sockdeckd") for its
life; a second server on the same directory, with its own ports and
control socket (so nothing else stops it), exits 1 before it opens a
port, saying on stderr that the directory is in use and by which pid. A
server killed with SIGKILL leaves no stale lock: the kernel drops it,
and the next server starts. `spool repair` is refused the same way
while a server runs (exit 2); `spool stat` is not, and names the
server, found through --config too; wrong words exit 2 with the usage.
(sockdeckd(1) FILES, DATA_DIR/lock; SPOOL TOOL.)"""
import os
import re
import signal

import sdpeer
from sdpeer import check


def test():
    a = sdpeer.Server().start()
    with open(os.path.join(a.dir, "lock")) as f:
        text = f.read()
    check(text == "%d sockdeckd\n" % a.pid, "DATA_DIR/lock holds %r, "
          "expected the server's pid and name" % text)

    other = os.path.join(a.dir, "other.sock")
    b = sdpeer.Server(data_dir=a.dir, extra=["--control", other])
    b.start(wait=False)
    rc = b.wait_exit(10)
    err = b.stderr_text()
    check(rc == 1, "a second server on the same data directory exited "
          "%r, expected 1; stderr %r" % (rc, err))
    check(re.search(r"is in use by sockdeckd \(pid %d\)" % a.pid, err),
          "the refusal does not say who holds the directory: %r" % err)
    check(not b.find_events("listen"), "the second server opened a port "
          "before refusing")
    check(a.alive(), "the first server died")

    rc, out, err = sdpeer.run_cli(["spool", "--data-dir", a.dir, "repair"])
    check(rc == 2 and "in use by sockdeckd (pid %d)" % a.pid in err and
          "refused" in err, "spool repair beside a server: status %r, "
          "stderr %r" % (rc, err))
    rc, out, err = sdpeer.run_cli(["spool", "--data-dir", a.dir, "stat",
                                   "--json"])
    check(rc == 0 and "sockdeckd (pid %d)" % a.pid in out,
          "spool stat beside a server: status %r, stdout %r, stderr %r"
          % (rc, out[:300], err))

    # The data directory from a config file, as the server reads it.
    conf = os.path.join(a.dir, "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("data-dir = %s\n" % a.dir)
    rc, out, err = sdpeer.run_cli(["spool", "--config", conf, "stat",
                                   "--json"])
    check(rc == 0 and "sockdeckd (pid %d)" % a.pid in out,
          "spool --config stat: status %r, %r %r" % (rc, out[:300], err))
    for bad in (["frobnicate"], ["repair", "--json"], [], ["stat", "x"]):
        rc, out, err = sdpeer.run_cli(["spool", "-d", a.dir] + bad)
        check(rc == 2 and "usage: sockdeckd spool" in err,
              "spool %r: status %r, stderr %r" % (bad, rc, err))

    a.stop(signal.SIGKILL)
    c = sdpeer.Server(data_dir=a.dir).start()
    check(c.alive(), "no server could start after a SIGKILL")
    check(c.stop() == 0, "exit status after SIGTERM not 0")
    rc, out, err = sdpeer.run_cli(["spool", "--data-dir", a.dir, "repair"])
    check(rc == 0, "spool repair once the server stopped: status %r, "
          "stderr %r" % (rc, err))


sdpeer.run(test)
