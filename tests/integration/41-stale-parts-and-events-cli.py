#!/usr/bin/env python3
"""A .part file left by an earlier run is removed at start (it can never
be resumed) with a `file-failed` event, while finished files stay; and
`sockdeckd ctl events` streams events as JSON lines, with no error
output, and exits 0 when the server stops."""
import json
import os
import subprocess
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    os.makedirs(os.path.join(d, "files"))
    for name, data in (("old.bin.part", b"half"), ("done.txt", b"kept")):
        with open(os.path.join(d, "files", name), "wb") as f:
            f.write(data)
    srv = sdpeer.Server(data_dir=d).start()
    ev = srv.wait_event("file-failed",
                        lambda e: e.get("name") == "old.bin.part")
    check("earlier run" in ev.get("reason", ""), "reason %r" % ev)
    check(sorted(os.listdir(srv.files_dir)) == ["done.txt"],
          "files after start: %r" % os.listdir(srv.files_dir))

    p = subprocess.Popen([sdpeer.binary(), "ctl", "--control",
                          srv.control_path, "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    s = srv.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "seen by ctl"))
    sdpeer.recv_until_quiet(s, quiet=0.3)
    s.close()
    srv.wait_event("disconnect")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0, "ctl events exit %r, stderr %r"
          % (p.returncode, err))
    check(err == b"", "ctl events wrote to stderr: %r" % err[:300])
    names = [json.loads(l)["event"] for l in out.decode().splitlines()]
    for want in ("connect", "message", "disconnect"):
        check(want in names, "ctl events printed %r, no %s"
              % (names, want))


sdpeer.run(test)
