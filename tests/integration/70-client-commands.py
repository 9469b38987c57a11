#!/usr/bin/env python3
"""sockdeck send and sensor against a running sockdeckd: the reply on
stdout and status 0 (extension and --legacy); readings acknowledged and
in the server's store with their channel; --count and --rate; one clear
line and status 1 for a refused connection and an unknown host; status
2 and the flag's name for bad arguments."""
import os
import time

import sdpeer
from sdpeer import check, sockdeck

DEV = "aa:bb:cc:dd:ee:01"


def test():
    srv = sdpeer.Server().start()
    hp = "127.0.0.1:%d" % srv.ports[0]

    r = sockdeck("--device", DEV, "send", hp, "door", "3", "open")
    check(r.returncode == 0, "send: %r" % (r,))
    check(r.stdout.strip().endswith("socket] message return success"),
          "send printed %r" % r.stdout)
    ev = srv.wait_event("hello", lambda e: e.get("device") == DEV)
    check(ev.get("name") == "sockdeck", "hello %r" % ev)

    r = sockdeck("--legacy", "--device", DEV, "send", hp, "hi")
    check(r.returncode == 0 and r.stdout.strip().endswith(
        "socket] message return success"), "legacy send: %r" % (r,))

    r = sockdeck("--device", DEV, "sensor", hp, "21.5", "-3.25",
                 "--channel", "temp", "--count", "5", "--rate", "200")
    check(r.returncode == 0 and "10 readings acknowledged" in r.stdout,
          "sensor: %r" % (r,))
    time.sleep(0.2)
    lines = [sdpeer.parse_reading(l) for l in srv.readings_lines()]
    mine = [l for l in lines if l["device"] == DEV and
            l["channel"] == "temp"]
    check(len(mine) == 10 and
          sorted(l["value"] for l in mine) == [-3.25] * 5 + [21.5] * 5,
          "the store holds %r" % mine)
    check(len({l["ts"] for l in mine}) == 10, "timestamps repeat: %r"
          % mine)

    # --rate is readings a second, evenly spaced, the values in turn:
    # 12 readings 50 ms apart, not 3 bursts of 4 (issue 16)
    r = sockdeck("--device", DEV, "sensor", hp, "1", "2", "3", "4",
                 "--channel", "paced", "--count", "3", "--rate", "20")
    check(r.returncode == 0 and "12 readings acknowledged" in r.stdout,
          "paced sensor: %r" % (r,))
    time.sleep(0.2)
    paced = sorted((l for l in (sdpeer.parse_reading(x)
                                for x in srv.readings_lines())
                    if l["channel"] == "paced"), key=lambda l: l["ts"])
    check([l["value"] for l in paced] == [1.0, 2.0, 3.0, 4.0] * 3,
          "paced values in time order: %r" % paced)
    gaps = [b["ts"] - a["ts"] for a, b in zip(paced, paced[1:])]
    check(len(paced) == 12 and paced[-1]["ts"] - paced[0]["ts"] >=
          0.5e9 and sum(g < 1e6 for g in gaps) <= 3,
          "--rate 20: gaps between readings (ms) %r, want about 50"
          % [round(g / 1e6, 1) for g in gaps])

    r = sockdeck("--legacy", "--device", DEV, "sensor", hp, "7.5")
    check(r.returncode == 0, "legacy sensor: %r" % (r,))

    port = sdpeer.free_port()
    r = sockdeck("send", "127.0.0.1:%d" % port, "x")
    check(r.returncode == 1 and "connection refused" in r.stderr and
          r.stderr.count("\n") == 1, "refused: %r" % (r,))
    r = sockdeck("send", "no-such-host.invalid:5000", "x")
    check(r.returncode == 1 and "host not found" in r.stderr,
          "unknown host: %r" % (r,))
    r = sockdeck("sensor", hp, "abc")
    check(r.returncode == 2 and "abc" in r.stderr, "bad value: %r" % (r,))
    r = sockdeck("--device", "zz", "send", hp, "x")
    check(r.returncode == 2 and "--device" in r.stderr,
          "bad --device: %r" % (r,))
    r = sockdeck("send", "nohostport", "x")
    check(r.returncode == 2 and "HOST:PORT" in r.stderr,
          "bad target: %r" % (r,))
    # a wrong command line: one line naming the argument (sockdeck(1))
    for args, name in ((["bogus"], "bogus"), (["bogus", hp], "bogus"),
                       (["send"], "send"), (["send", hp], "send"),
                       (["send-file", hp], "send-file"),
                       (["sensor", hp], "sensor")):
        r = sockdeck(*args)
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and
              r.stderr.startswith("sockdeck: %s: " % name) and
              r.stdout == "", "sockdeck %s: %r" % (" ".join(args), r))
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
