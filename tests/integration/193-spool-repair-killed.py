#!/usr/bin/env python3
"""A `spool repair` killed at any step (SIGKILL, as kill -9 would: the
fault-injection build's SD_FAULT_REPAIR_KILL=n stops it at its nth
step) leaves the old segment or the new one, never a mix; where the
segment and its cursors may disagree it leaves repair.journal, and a
server refuses to start on it (exit 1, saying to finish the repair).
Another repair then finishes: the segment is exactly its good lines, the
rejects file holds each removed line once, the segment keeps its
modification time (retention by age), and each cursor names the same
reading as before (the one after the garbage moved back by its
bytes, the one before it unchanged); nothing is left beside them.
Every step is tried, until a repair runs through. (sockdeckd(1) SPOOL
TOOL.)"""
import os
import shutil
import subprocess
import tempfile

import sdpeer
from sdpeer import check

LINES = [b"sensor,Mac-Address=aa:bb:cc:dd:ee:%02x value=%d.5 %d\n"
         % (i, i, 1700000000000000000 + i) for i in range(10)]
GARBAGE = b"garbage, not a reading\n"
TORN = b"sensor,Mac-Address=aa:bb"
SEG = "readings-00000001.lp"
MTIME = 1700000000      # the segment's time, which retention goes by


def make(d):
    s = os.path.join(d, "sensors")
    os.makedirs(s)
    old = b"".join(LINES[:4]) + GARBAGE + b"".join(LINES[4:]) + TORN
    with open(os.path.join(s, SEG), "wb") as f:
        f.write(old)
    os.utime(os.path.join(s, SEG), (MTIME, MTIME))
    # As the server writes them: "SEGMENT OFFSET\n" at a line's start.
    off6 = sum(map(len, LINES[:6])) + len(GARBAGE)
    with open(os.path.join(s, "influx.cursor"), "w") as f:
        f.write("1 %d\n" % off6)
    with open(os.path.join(s, "kafka.cursor"), "w") as f:
        f.write("1 %d\n" % sum(map(len, LINES[:2])))
    return old


def read(d, name):
    with open(os.path.join(d, "sensors", name), "rb") as f:
        return f.read()


def repair(d, kill_at=None):
    env = dict(os.environ)
    if kill_at is not None:
        env["SD_FAULT_REPAIR_KILL"] = str(kill_at)
    p = subprocess.run([sdpeer.binary(), "spool", "--data-dir", d,
                        "repair"], env=env, capture_output=True,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test():
    new = b"".join(LINES)
    old_cur = {"influx": b"1 %d\n" % (sum(map(len, LINES[:6])) +
                                      len(GARBAGE)),
               "kafka": b"1 %d\n" % sum(map(len, LINES[:2]))}
    new_cur = {"influx": b"1 %d\n" % sum(map(len, LINES[:6])),
               "kafka": old_cur["kafka"]}
    rejects = (b"# %s offset %d: not line protocol\n"
               % (SEG.encode(), sum(map(len, LINES[:4]))) + GARBAGE +
               b"# %s offset %d: torn tail (no newline)\n"
               % (SEG.encode(), sum(map(len, LINES)) + len(GARBAGE)) +
               TORN + b"\n")
    refused = 0
    k = 0
    while True:
        k += 1
        check(k < 40, "the repair never ran through")
        d = tempfile.mkdtemp(prefix="sdtest-")
        try:
            old = make(d)
            rc, out, err = repair(d, k)
            if rc == 0:
                break
            check(rc == -9, "step %d: repair exited %r (%r), expected "
                  "SIGKILL" % (k, rc, err))
            seg = read(d, SEG)
            check(seg in (old, new), "step %d: the segment is neither the "
                  "old nor the new one: %r" % (k, seg))
            curs = {n: read(d, n + ".cursor") for n in old_cur}
            journal = os.path.exists(os.path.join(d, "sensors",
                                                  "repair.journal"))
            if not journal:
                want = old_cur if seg == old else new_cur
                check(curs == want, "step %d: no journal, and the cursors "
                      "%r do not go with the %s segment" % (
                          k, curs, "old" if seg == old else "new"))
            else:
                srv = sdpeer.Server(data_dir=d)
                srv.start(wait=False)
                src = srv.wait_exit(15)
                check(src == 1 and "repair was interrupted" in
                      srv.stderr_text(), "step %d: a server on an "
                      "interrupted repair exited %r: %r"
                      % (k, src, srv.stderr_text()))
                refused += 1
            rc, out, err = repair(d)
            check(rc == 0, "step %d: the next repair exited %r: %r %r"
                  % (k, rc, out, err))
            check(read(d, SEG) == new, "step %d: the segment after the "
                  "next repair is not the good lines" % k)
            mtime = os.stat(os.path.join(d, "sensors", SEG)).st_mtime
            check(mtime == MTIME, "step %d: the repaired segment's time "
                  "is %r, not the old one's %r" % (k, mtime, MTIME))
            curs = {n: read(d, n + ".cursor") for n in old_cur}
            check(curs == new_cur, "step %d: cursors %r after the next "
                  "repair, expected %r" % (k, curs, new_cur))
            check(read(d, "rejects/" + SEG + ".rejects") == rejects,
                  "step %d: rejects file %r" % (
                      k, read(d, "rejects/" + SEG + ".rejects")))
            left = [n for n in os.listdir(os.path.join(d, "sensors"))
                    + os.listdir(os.path.join(d, "sensors", "rejects"))
                    if n.endswith((".repair", ".tmp", ".journal"))]
            check(not left, "step %d: left behind: %r" % (k, left))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    check(k > 5 and refused >= 2, "only %d steps, %d with a journal: the "
          "fault injection does not reach the repair's steps" % (k - 1,
                                                                 refused))
    sdpeer.log("%d steps tried, %d left a journal" % (k - 1, refused))


sdpeer.run(test, deadline=120)
