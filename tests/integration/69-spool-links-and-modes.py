#!/usr/bin/env python3
"""The spool follows no planted link, and the data directory is the
server's alone (issue 12, item 6):
- under umask 000, a new data directory, files/ and sensors/ are 0750,
  segments and the sink's cursor 0640;
- symbolic links planted in sensors/ (the cursor's temporary file, and a
  name of a segment) leave their targets untouched while readings are
  stored and delivered, and the link with a segment's name is reported;
- a data directory (or files/, or sensors/) that group or others may
  write to, or (as root) that another user owns, is refused: exit 2 and
  one line on stderr naming the path and the fix.
(sockdeckd(1): FILES.)"""
import os
import shutil
import stat
import tempfile

import sdinflux
import sdpeer
from sdpeer import check

SECRET = b"precious data, no newline at the end"


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def modes(rec):
    parent = tempfile.mkdtemp(prefix="sdtest-")
    d = os.path.join(parent, "data")
    old = os.umask(0)
    try:
        srv = sdpeer.Server(data_dir=d, extra=[
            "--influx-url", rec.url, "--influx-db", "sd",
            "--influx-flush-ms", "50"]).start()
    finally:
        os.umask(old)
    sent = sdinflux.send_legacy(srv, 1, 20)
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >= len(sent),
                       timeout=10, what="readings delivered")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    for p in (d, srv.files_dir, srv.sensors_dir):
        check(mode(p) == 0o750, "%s has mode %04o under umask 000, not "
              "0750" % (p, mode(p)))
    names = os.listdir(srv.sensors_dir)
    segs = [n for n in names if n.startswith("readings-")]
    check(segs and "influx.cursor" in names, "sensors/ holds %r" % names)
    for n in segs + ["influx.cursor"]:
        p = os.path.join(srv.sensors_dir, n)
        check(mode(p) == 0o640, "%s has mode %04o under umask 000, not "
              "0640" % (p, mode(p)))
    shutil.rmtree(parent, ignore_errors=True)


def links(rec):
    d = tempfile.mkdtemp(prefix="sdtest-")
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    victims = []
    for name in ("influx.cursor.tmp", "readings-00000002.lp"):
        v = os.path.join(d, "victim-" + name)
        with open(v, "wb") as f:
            f.write(SECRET)
        os.symlink(v, os.path.join(sensors, name))
        victims.append(v)
    with open(os.path.join(sensors, "readings-00000001.lp"), "wb") as f:
        f.write(b"sensor,Mac-Address=02:00:00:00:00:09 value=1 "
                b"1700000000000000000\n")
    srv = sdpeer.Server(data_dir=d, extra=[
        "--influx-url", rec.url, "--influx-db", "sd",
        "--influx-flush-ms", "50"]).start()
    srv.wait_event("error", lambda e: "readings-00000002.lp" in
                   str(e.get("reason")), timeout=5)
    sent = sdinflux.send_legacy(srv, 1, 30)
    sdinflux.wait_sink(srv, "influx", lambda e: e["delivered"] >=
                       len(sent) + 1 and e["backlog_bytes"] == 0,
                       timeout=10, what="readings delivered")
    check(srv.stop() == 0, "exit status after SIGTERM not 0")
    for v in victims:
        with open(v, "rb") as f:
            got = f.read()
        check(got == SECRET, "%s, a link's target, now holds %r"
              % (v, got[:80]))
    lines = [l for n in sorted(os.listdir(sensors))
             if n.startswith("readings-") and
             stat.S_ISREG(os.lstat(os.path.join(sensors, n)).st_mode)
             for l in open(os.path.join(sensors, n), "rb").read().split()
             if l.startswith(b"sensor,")]
    check(len(lines) == len(sent) + 1, "%d readings in the spool, "
          "expected %d" % (len(lines), len(sent) + 1))
    shutil.rmtree(d, ignore_errors=True)


def refused():
    cases = [("", 0o777, "chmod go-w"), ("", 0o770, "chmod go-w"),
             ("sensors", 0o757, "chmod go-w"), ("files", 0o775,
                                                "chmod go-w")]
    if os.geteuid() == 0:
        cases.append(("", "nobody", "chown"))
    for sub, how, fix in cases:
        d = tempfile.mkdtemp(prefix="sdtest-")
        for s in ("files", "sensors"):
            os.mkdir(os.path.join(d, s), 0o750)
        p = os.path.join(d, sub) if sub else d
        if how == "nobody":
            os.chown(p, 65534, 65534)
        else:
            os.chmod(p, how)
        rc, out, err = sdpeer.run_cli(["--headless", "--data-dir", d,
                                       "--bind", "127.0.0.1", "--ports",
                                       str(sdpeer.free_port())])
        lines = err.strip().splitlines()
        check(rc == 2, "%s (%s): exit status %r, expected 2; stderr %r"
              % (p, how, rc, err))
        check(len(lines) == 1 and p.rstrip("/") in lines[0] and
              fix in lines[0], "%s (%s): stderr %r does not name the path "
              "and `%s`" % (p, how, err, fix))
        sdpeer.log("refused: %s" % lines[0])
        shutil.rmtree(d, ignore_errors=True)


def test():
    import sys
    rec = sdinflux.Recorder()
    parts = sys.argv[1:] or ["modes", "links", "refused"]
    if "modes" in parts:
        modes(rec)
    if "links" in parts:
        links(rec)
    if "refused" in parts:
        refused()
    rec.stop()


sdpeer.run(test)
