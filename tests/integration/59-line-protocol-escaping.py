#!/usr/bin/env python3
"""Line protocol escaping with --measurement "my meas" --device-tag
"mac,addr" and extension channel names holding spaces, commas and equals
signs: the spool lines are escaped per the InfluxDB rules (measurement:
comma and space; tag keys and values: comma, equals sign and space) and
influxd accepts them and returns the same tag values. A NaN reading is
refused: no spool line, an `error` event; the connection goes on.
(SPEC.md: Files/readings, --measurement/--device-tag; SPEC-sinks.md:
Body = the spool's lines.)"""
import math

import sdinflux
import sdpeer
import sdwire
from sdpeer import check

T0 = 1700000000000000000
CHANNELS = [b"room 1", b"a,b", b"x=y", b"all , = of them", b"plain"]


def esc_meas(s):
    return s.replace(",", "\\,").replace(" ", "\\ ")


def esc_tag(s):
    return s.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def test():
    have_influx = bool(sdinflux.binary())
    extra = ["--measurement", "my meas", "--device-tag", "mac,addr"]
    if have_influx:
        db = sdinflux.Influx().start()
        db.create_db("sd")
        extra += ["--influx-url", db.url, "--influx-db", "sd",
                  "--influx-flush-ms", "100"]
    else:
        sdpeer.part_skipped("influxd not found: checking the spool only")
    srv = sdpeer.Server(extra=extra).start()
    s = srv.connect()
    sdpeer.hello(s)
    readings = [(T0 + i, 1.5 + i, ch) for i, ch in enumerate(CHANNELS)]
    s.sendall(sdwire.sensor_batch(1, sdpeer.DEV, readings))
    sdpeer.expect_frame(s, sdwire.T_SENSOR_ACK)
    lines = srv.readings_lines()
    want = ["%s,%s=%s,channel=%s value=%s,batch_seq=1i,batch_idx=%di %d"
            % (esc_meas("my meas"), esc_tag("mac,addr"), sdpeer.DEV_STR,
               esc_tag(ch.decode()), repr(v), i, ts)
            for i, (ts, v, ch) in enumerate(readings)]
    check(lines == want, "spool lines\n  %r\nexpected\n  %r" % (lines, want))

    # NaN: refused, nothing stored, an error event; the connection goes on
    mark = srv.mark()
    s.sendall(sdwire.sensor_batch(2, sdpeer.DEV, [(T0 + 100, math.nan,
                                                   b"nan")]))
    s.sendall(sdwire.sensor_batch(3, sdpeer.DEV, [(T0 + 200, 9.0,
                                                   b"after")]))
    while True:
        t, p = sdpeer.recv_frame(s)
        if t == sdwire.T_SENSOR_ACK and sdwire.parse_u64(p) == 3:
            break
        check(t in (sdwire.T_SENSOR_ACK, sdwire.T_ERROR),
              "unexpected frame 0x%04x" % t)
    srv.wait_event("error", since=mark, timeout=5)
    lines = srv.readings_lines()
    check(len(lines) == len(CHANNELS) + 1, "after the NaN batch the spool "
          "holds %r" % lines[len(CHANNELS):])
    check(all("nan" not in l.lower().split(" ", 1)[1] for l in lines),
          "a NaN value reached the spool: %r" % lines)
    check(lines[-1].endswith("value=9,batch_seq=3i,batch_idx=0i %d"
                             % (T0 + 200)),
          "last line %r" % lines[-1])

    if have_influx:
        n = len(CHANNELS) + 1
        got = db.wait_count("sd", n, timeout=15, measurement="my meas")
        check(got == n, "influx holds %d points of `my meas`, expected %d"
              % (got, n))
        rows = db.rows('SELECT * FROM "my meas"', "sd")
        got = sorted((r["time"], r.get("mac,addr"), r.get("channel"),
                      r.get("value")) for r in rows)
        exp = sorted([(ts, sdpeer.DEV_STR, ch.decode(), v)
                      for ts, v, ch in readings] +
                     [(T0 + 200, sdpeer.DEV_STR, "after", 9.0)])
        check(got == exp, "InfluxDB returned\n  %r\nexpected\n  %r"
              % (got, exp))
        # The batch's sequence and index are integer fields there.
        got = sorted((r["time"], r.get("batch_seq"), r.get("batch_idx"))
                     for r in rows)
        exp = sorted([(ts, 1, i) for i, (ts, v, ch) in enumerate(readings)]
                     + [(T0 + 200, 3, 0)])
        check(got == exp, "InfluxDB batch fields\n  %r\nexpected\n  %r"
              % (got, exp))
        st = sdinflux.sink_status(srv, "influx")
        check(st["rejects"] == 0, "influx rejected escaped lines: %r" % st)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test, deadline=60)
