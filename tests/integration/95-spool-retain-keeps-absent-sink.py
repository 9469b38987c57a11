#!/usr/bin/env python3
"""A segment a sink has not delivered is never removed, even in a run
that does not configure that sink: its cursor file on disk holds
retention back (the reviewer's case, issue 12 retention).
- Three runs on one data directory, --spool-retain 0 and 8 KiB
  segments: InfluxDB down (the sink saves its cursor, delivers
  nothing); no sink at all, readings still coming, retention running
  for a few seconds; the sink back, with a real influxd. Every reading
  of the three runs reaches InfluxDB, the run without the sink logged
  an `error` naming the sink, its cursor file, the bytes held back and
  how to release them, and the last run warns of no cursor.
- No sink, a kafka.cursor that cannot be trusted: every segment stays,
  and an `error` says so.
- A configured sink whose cursor names segments removed since (by hand,
  or by an older server): the `error` says readings were lost, and how
  many segments.
(sockdeckd(1): --spool-retain, FILES, SINK.cursor, DELIVERY.)"""
import os
import re
import tempfile
import time

import sdinflux
import sdpeer
from sdpeer import check

sdinflux.require()

SEG = re.compile(r"^readings-(\d{8,})\.lp$")
KEEP = ["--spool-retain", "0", "--spool-max", "64k"]


def segments(d):
    """Numbers of the segments in d, in order."""
    return sorted(int(m.group(1)) for m in map(SEG.match, os.listdir(d))
                  if m)


def cursor_events(srv, name):
    return [e for e in srv.find_events("error")
            if name + ".cursor" in str(e.get("reason"))]


def absent_sink():
    db = sdinflux.Influx()          # its ports, not started: down
    influx = ["--influx-url", db.url, "--influx-db", "sd",
              "--influx-flush-ms", "50"]
    down = sdpeer.Server(extra=influx + KEEP).start()
    sent = sdinflux.send_legacy(down, 3, 100)
    sdinflux.wait_spool(down, len(sent))
    check(down.stop() == 0, "exit status after SIGTERM not 0 (run 1)")
    sensors = down.sensors_dir
    with open(os.path.join(sensors, "influx.cursor")) as f:
        sdpeer.log("run 1: influx.cursor %r, segments %r"
                   % (f.read(), segments(sensors)))

    bare = sdpeer.Server(extra=KEEP, data_dir=down.dir).start()
    sent |= sdinflux.send_legacy(bare, 3, 100, first_dev=3)
    sdinflux.wait_spool(bare, len(sent))
    time.sleep(2.5)                 # retention runs once a second
    held = cursor_events(bare, "influx")
    sdpeer.log("run 2: segments %r, events %r"
               % (segments(sensors), held))
    check(bare.stop() == 0, "exit status after SIGTERM not 0 (run 2)")

    db.start()
    db.create_db("sd")
    back = sdpeer.Server(extra=influx + KEEP, data_dir=down.dir).start()
    got = db.wait_count("sd", len(sent), timeout=30)
    pts = db.points("sd")
    arrived = {(p[1], p[2]) for p in pts}
    check(arrived == sent, "%d of %d readings reached InfluxDB (%d points)"
          % (len(arrived & sent), len(sent), got))
    check(len(pts) == len(sent), "%d points for %d readings"
          % (len(pts), len(sent)))
    sdinflux.wait_sink(back, "influx", lambda e: e["backlog_bytes"] == 0,
                       timeout=10, what="backlog 0")
    check(len(held) == 1, "run 2 logged %d events about influx.cursor: %r"
          % (len(held), held))
    why = held[0]["reason"]
    check(os.path.join(sensors, "influx.cursor") in why and
          "not configured" in why and re.search(r"\d+ bytes", why) and
          "delete" in why, "run 2's event does not name the sink, its "
          "cursor, the bytes held back and the way out: %r" % why)
    bad = cursor_events(back, "influx")
    check(not bad, "the sink back warns about its cursor: %r" % bad)
    check(back.stop() == 0, "exit status after SIGTERM not 0 (run 3)")
    db.stop()


def plant(seqs, cursors):
    """A data directory with 20 readings in each segment of seqs and the
    cursor files given ({name: bytes})."""
    d = tempfile.mkdtemp(prefix="sdtest-")
    sensors = os.path.join(d, "sensors")
    os.makedirs(sensors, mode=0o750)
    for seq in seqs:
        with open(os.path.join(sensors, "readings-%08d.lp" % seq),
                  "wb") as f:
            f.write(b"".join(b"sensor,Mac-Address=02:00:00:00:00:01 "
                             b"value=%d %d\n" % (i, seq * 1000 + i)
                             for i in range(20)))
    for name, text in cursors.items():
        with open(os.path.join(sensors, name + ".cursor"), "wb") as f:
            f.write(text)
    return d


def absent_untrusted():
    d = plant([1, 2, 3], {"kafka": b"not a cursor\n"})
    srv = sdpeer.Server(extra=KEEP, data_dir=d).start()
    time.sleep(2.5)
    left = segments(srv.sensors_dir)
    check(left[:3] == [1, 2, 3], "segments left with an untrusted "
          "kafka.cursor and no sink: %r" % left)
    ev = cursor_events(srv, "kafka")
    check(len(ev) == 1 and "trusted" in ev[0]["reason"] and
          "every segment" in ev[0]["reason"], "events about an untrusted "
          "kafka.cursor of a sink not configured: %r" % ev)
    check(srv.stop() == 0, "exit status after SIGTERM not 0 (untrusted)")


def gone():
    d = plant([3, 4], {"influx": b"1 0\n"})
    dead = "http://127.0.0.1:%d" % sdpeer.free_port()
    srv = sdpeer.Server(extra=["--influx-url", dead, "--influx-db", "sd"],
                        data_dir=d).start()
    ev = cursor_events(srv, "influx")
    check(len(ev) == 1 and "lost" in ev[0]["reason"] and
          "2 segments" in ev[0]["reason"], "the warning for a cursor "
          "naming removed segments does not say readings were lost: %r"
          % ev)
    check(srv.stop() == 0, "exit status after SIGTERM not 0 (gone)")


def test():
    absent_sink()
    absent_untrusted()
    gone()


sdpeer.run(test, deadline=110)
