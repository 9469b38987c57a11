#!/usr/bin/env python3
"""SIGHUP reloads a headless server (sockdeckd(1): RELOAD): a reply
format changed in the config file answers the next message, on a
connection opened before; --measurement, which needs a restart, is
reported by ctl reload and not applied (the next reading keeps the
running measurement); a config file that no longer parses keeps every
setting in force, says why in a failed reload event, and ctl reload
exits 1 with it; the server goes on serving throughout."""
import os
import signal
import time

import sdpeer
import sdwire
from sdpeer import check

FMT1 = "one {text}"
FMT2 = "two {text}"


def write_conf(path, text):
    with open(path, "w") as f:
        f.write(text)


def answered(s, text, fmt):
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(0, text, fmt), what=text)


def hup(srv):
    mark = srv.mark()
    os.kill(srv.pid, signal.SIGHUP)
    return srv.wait_event("reload", since=mark)


def reading(srv, s, value):
    s.sendall(sdwire.legacy_sensor(sdpeer.DEV, value))
    sdpeer.recv_some(s, 0.3)
    for _ in range(100):
        lines = [ln for ln in srv.readings_lines() if "%g" % value in ln]
        if lines:
            return lines[0]
        time.sleep(0.05)
    sdpeer.fail("reading %g not stored" % value)


def test():
    srv = sdpeer.Server()
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    write_conf(conf, "reply-format = %s\n" % FMT1)
    srv.extra += ["--config", conf]
    srv.start()
    s = srv.connect()
    answered(s, "first", FMT1)

    write_conf(conf, "reply-format = %s\n" % FMT2)
    e = hup(srv)
    check(e.get("state") == "ok" and "reply-format" in e.get("text", ""),
          "SIGHUP: %r" % e)
    answered(s, "second", FMT2)

    # A restart option: reported, not applied.
    write_conf(conf, "reply-format = %s\nmeasurement = other\n" % FMT2)
    r = srv.ctl({"cmd": "reload"})
    check(r.get("ok") is True and r.get("restart") == ["measurement"] and
          r.get("changed") == [], "reload of --measurement: %r" % r)
    line = reading(srv, s, 21.5)
    check(line.startswith("sensor,"), "the measurement changed: %r" % line)
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "reload"])
    check(rc == 0 and out == "needs a restart: measurement\n",
          "ctl reload: %d %r %r" % (rc, out, err))

    # A file that no longer parses: nothing changes.
    write_conf(conf, "reply-format = %s\nno-such-option = 1\n" % FMT1)
    e = hup(srv)
    check(e.get("state") == "failed" and
          "no-such-option" in e.get("reason", ""), "SIGHUP: %r" % e)
    answered(s, "third", FMT2)
    rc, out, err = sdpeer.run_cli(["ctl", "--data-dir", srv.dir, "reload"])
    check(rc == 1 and "no-such-option" in err and out == "",
          "ctl reload of a broken file: %d %r %r" % (rc, out, err))
    answered(s, "fourth", FMT2)
    check(srv.alive(), "the server went away")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
