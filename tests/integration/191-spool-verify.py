#!/usr/bin/env python3
"""`sockdeckd spool verify` checks every line of a real server's spool
with the server's own line-protocol reader. Clean, it exits 0. Beside a
running server, a last line without its newline in the segment being
written is a write in flight: not reported (exit 0), and `stat` counts
it as in flight; once the server is killed it is a torn tail (exit 1).
A garbage line injected between two readings (an escape sequence and
bytes that are not UTF-8) and a torn tail on the last segment are
reported with their segment and byte offset, the line escaped (no raw
control byte reaches the terminal), in text and in --json, and so is a
line of 100000 bytes, longer than the tool's buffer (repair then moves
it whole to rejects/, and keeps the 1200 good lines). A data
directory without a spool exits 2. (sockdeckd(1) SPOOL TOOL.)"""
import json
import os
import re
import signal

import sdinflux
import sdpeer
from sdpeer import check

GARBAGE = b"sensor,Mac-Address=\x1b[31mhacked\xff value=oops 1\n"
TORN = b"sensor,Mac-Address=aa:bb:cc:dd:ee:ff value=1"
# Longer than the tool's 64 KiB buffer: one bad line, never a buffer
# grown to its size.
LONG = b"x" * 100000 + b"\n"


def verify(d, *more):
    return sdpeer.run_cli(["spool", "--data-dir", d, "verify"] + list(more),
                          timeout=30)


def segments(srv):
    return sorted(n for n in os.listdir(srv.sensors_dir)
                  if re.match(r"^readings-\d{8}\.lp$", n))


def test():
    srv = sdpeer.Server().start()
    # 1200 readings: more than the 64 KiB repair gathers before a write.
    sdinflux.send_legacy(srv, 2, 600)
    sdinflux.wait_spool(srv, 1200)
    rc, out, err = verify(srv.dir)
    check(rc == 0 and "1200 readings, 0 problems" in out, "verify of a "
          "clean spool beside the server: status %r, %r %r"
          % (rc, out, err))

    # A write in flight: the live segment ends in part of a line.
    live = os.path.join(srv.sensors_dir, segments(srv)[-1])
    with open(live, "ab") as f:
        f.write(TORN)
    rc, out, err = verify(srv.dir)
    check(rc == 0 and "torn" not in out, "the segment being written was "
          "called torn: status %r, %r" % (rc, out))
    rc, out, err = sdpeer.run_cli(["spool", "-d", srv.dir, "stat",
                                   "--json"])
    seg = json.loads(out)["segments"][-1]
    check(seg["inflight_bytes"] == len(TORN) and seg["torn_bytes"] == 0,
          "stat of the live segment: %r" % seg)
    srv.stop(signal.SIGKILL)
    rc, out, err = verify(srv.dir)
    size = os.path.getsize(live)
    want = "%s:%d: torn tail" % (os.path.basename(live), size - len(TORN))
    check(rc == 1 and want in out, "with no server, verify did not report "
          "%r: status %r, %r" % (want, rc, out))
    with open(live, "r+b") as f:
        f.truncate(size - len(TORN))
    good = sdpeer.readings_lines(srv.sensors_dir)
    check(len(good) == 1200, "%d lines in the spool" % len(good))

    # A garbage line between the 10th and 11th readings of the first
    # segment, a torn tail on the last.
    first = os.path.join(srv.sensors_dir, segments(srv)[0])
    with open(first, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    at = sum(len(l) for l in lines[:10])
    at_long = sum(len(l) for l in lines[:20]) + len(GARBAGE)
    with open(first, "wb") as f:
        f.write(b"".join(lines[:10]) + GARBAGE + b"".join(lines[10:20]) +
                LONG + b"".join(lines[20:]))
    with open(live, "ab") as f:
        f.write(TORN)
    torn_at = os.path.getsize(live) - len(TORN)
    rc, out, err = verify(srv.dir)
    bad = "%s:%d: not line protocol (%d bytes): " % (
        os.path.basename(first), at, len(GARBAGE))
    torn = "%s:%d: torn tail (no newline) (%d bytes): " % (
        os.path.basename(live), torn_at, len(TORN))
    check(rc == 1, "verify with problems exited %r: %r" % (rc, out))
    long_ = "%s:%d: line longer than 64 KiB (%d bytes)" % (
        os.path.basename(first), at_long, len(LONG))
    check(bad in out and torn in out and long_ in out, "verify did not "
          "report %r, %r and %r: %r" % (bad, torn, long_, out))
    check("\x1b" not in out and "\\x1b[31mhacked\\xff" in out,
          "the garbage line is not escaped: %r" % out)
    check("1200 readings, 3 problems" in out, "no summary: %r" % out)

    rc, out, err = verify(srv.dir, "--json")
    v = json.loads(out)
    got = [(p["segment"], p["offset"], p["bytes"]) for p in v["shown"]]
    check(rc == 1 and not v["clean"] and v["problems"] == 3 and got == [
        (os.path.basename(first), at, len(GARBAGE)),
        (os.path.basename(first), at_long, len(LONG)),
        (os.path.basename(live), torn_at, len(TORN))],
        "verify --json: status %r, %r" % (rc, v))
    check("\\x1b[31m" in v["shown"][0]["line"], "the JSON line is not "
          "escaped: %r" % v["shown"][0])

    # repair keeps the long line whole, in rejects/.
    rc, out, err = sdpeer.run_cli(["spool", "-d", srv.dir, "repair"])
    check(rc == 0, "repair: status %r, %r %r" % (rc, out, err))
    with open(os.path.join(srv.sensors_dir, "rejects",
                           os.path.basename(first) + ".rejects"),
              "rb") as f:
        rej = f.read()
    check(LONG in rej and GARBAGE in rej, "rejects/ lost the long line or "
          "the garbage (%d bytes)" % len(rej))
    check(verify(srv.dir)[0] == 0, "verify after repair is not clean")
    check(sdpeer.readings_lines(srv.sensors_dir) == good, "repair did not "
          "keep the 1200 good lines in order")

    rc, out, err = verify(os.path.join(srv.dir, "nothing-here"))
    check(rc == 2 and "sensors" in err, "verify of no spool: status %r, "
          "stderr %r" % (rc, err))


sdpeer.run(test)
