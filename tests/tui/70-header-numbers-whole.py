#!/usr/bin/env python3
"""A number in the header is never cut. With five ports apart, both sinks
failing and 48 messages, at 120x40 and at 80x24:
  - line 1 keeps `clients 1` and the rates whole (the port list gives way
    as `FIRST,+N`);
  - line 2 keeps `messages 48` whole and both sinks' states; the address
    list gives way first, as `+N more`;
  - only the addresses a port listens on are listed (--bind 127.0.0.1:
    127.0.0.1 alone, never eth0's or ::1).
Before, line 2 was cut at the edge (`messages 4`) and line 1 lost its
last figures."""
import re

import sdpeer
import sdwire
import sdtmux
from sdtmux import check

MSGS = 48


def line2_ok(ls, w):
    return (len(ls) >= 2 and re.search(r"messages %d(\s|$)" % MSGS, ls[1])
            and "kafka failing" in ls[1] and "influx failing" in ls[1]
            and sdtmux.display_width(ls[1]) <= w)


def line1_ok(ls):
    return (re.search(r"clients 1 ", ls[0]) is not None
            and re.search(r"(rd|readings) \d+/s\s*$", ls[0]) is not None)


def test():
    ports = sdpeer.free_ports(5, consecutive=False)
    dead = sdpeer.free_ports(2, consecutive=False)
    data = sdtmux.mkdtemp()
    d = sdtmux.Dashboard(120, 40, port=ports[0], data_dir=data, args=[
        "--ports", ",".join(map(str, ports)), "--bind", "127.0.0.1",
        "--data-dir", data, "--kafka-brokers", "127.0.0.1:%d" % dead[0],
        "--influx-url", "http://127.0.0.1:%d" % dead[1],
        "--influx-db", "sd"]).start()
    d.wait_ready()
    s = d.connect()
    for i in range(MSGS):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, "m%d" % i))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=10)
    # A reading, so that InfluxDB is written to and found down.
    s.sendall(sdwire.legacy_sensor(sdpeer.DEV, 1.5))
    lines = d.wait_until(lambda ls: line2_ok(ls, 120) and line1_ok(ls),
                         "120x40: `messages %d`, both sinks failing and "
                         "line 1 whole" % MSGS, timeout=40)
    check(re.search(r"addr 127\.0\.0\.1 lo", lines[1]) is not None,
          "line 2 lost the address:\n" + d.dump(lines))
    for bad in ("::1", "192.0.2", "eth0"):
        check(bad not in lines[1], "an address not listened on (%s) in "
              "line 2:\n%s" % (bad, d.dump(lines)))
    d.resize(80, 24)
    lines = d.wait_until(lambda ls: len(ls) == 24 and line2_ok(ls, 80)
                         and line1_ok(ls),
                         "80x24: `messages %d` whole beside both sinks, "
                         "line 1 whole" % MSGS)
    check(re.search(r"addr (\+1 more|127\.0\.0\.1 lo)", lines[1])
          is not None, "line 2 at 80: the address neither shown nor "
          "counted:\n" + d.dump(lines))
    check(re.search(r"ports %d,\+4 " % ports[0], lines[0]) is not None,
          "line 1 at 80: the port list did not give way as `%d,+4`:\n%s"
          % (ports[0], d.dump(lines)))
    s.close()
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")


sdtmux.run(test, deadline=90)
