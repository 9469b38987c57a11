#!/usr/bin/env python3
"""One reload at a time (sockdeckd(1): RELOAD), its loading off the loop
(a registry of 65536 devices: long enough for requests to come while it
loads):
- three control clients ask at once, the config file edited between the
  first request and the other two: all three answers are ok; the two
  asked while the first loaded share one more reload, started after the
  first (two reload events in all, the same answer), which put the
  edit in force whenever the first read the file: the next message is
  answered in the new reply format;
- a control client that sends a reload and a status in one write gets
  the reload's answer first, each with its seq;
- a server told to stop (SIGTERM) while a reload loads exits 0, with no
  sanitizer report; the reload's client gets no answer but that the
  server is shutting down."""
import os
import signal
import time

import sdpeer
import sdreg
import sdwire
from sdpeer import check

ME = sdwire.mac("02:00:00:00:00:07")
TOKEN = b"token-of-the-sender"


def write_conf(path, fmt):
    with open(path, "w") as f:
        f.write("reply-format = %s\n" % fmt)


def reply(s, mid, text):
    """The TEXT answering MSG mid of text from the device on s."""
    s.sendall(sdwire.msg(mid, text))
    t = sdwire.parse_text(sdpeer.expect_frame(s, sdwire.T_TEXT, timeout=30))
    check(t["ref"] == mid, "TEXT for %d: %r" % (mid, t))
    return t["text"]


def start(extra=()):
    srv = sdpeer.Server()
    conf = os.path.join(srv.dir, "sockdeckd.conf")
    write_conf(conf, "one {text}")
    path = sdreg.big(srv.dir, ME, TOKEN)
    srv.extra += ["--config", conf, "--devices", path] + list(extra)
    srv.start(timeout=60)
    s = srv.connect()
    s.sendall(sdwire.hello(ME, b"sender", token=TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME, timeout=30)
    check(reply(s, 1, b"a") == b"one a", "the first format")
    return srv, conf, s


def at_once(srv, conf, s):
    a, b, c = (srv.control(timeout=60) for _ in range(3))
    mark = srv.mark()
    a.send({"cmd": "reload", "seq": "a"})
    # The config file is read first, the registry last: the edit most
    # likely comes after the first read the file, and before it ends.
    time.sleep(0.1)
    write_conf(conf, "two {text}")
    b.send({"cmd": "reload", "seq": "b"})
    c.send({"cmd": "reload", "seq": "c"})
    rb = b.readline()
    check(reply(s, 2, b"b") == b"two b",
          "the edit is not in force once the reload asked after it "
          "answered: %r" % rb)
    ra, rc = a.readline(), c.readline()
    for r, who in ((ra, "a"), (rb, "b"), (rc, "c")):
        check(r.get("ok") is True and r.pop("seq", None) == who,
              "reload %s: %r" % (who, r))
    evs = srv.wait_events("reload", 2, since=mark, timeout=30)
    time.sleep(0.3)     # a third would come now
    evs = srv.find_events("reload", since=mark)
    check(len(evs) == 2 and all(e.get("state") == "ok" for e in evs),
          "reload events: %r" % evs)
    check(rb == rc, "the two asked meanwhile: %r and %r" % (rb, rc))
    # The first may have read the file before the edit or after it.
    check("reply-format" in ra.get("changed", []) + rb.get("changed", []),
          "no answer names reply-format: %r, %r" % (ra, rb))
    for x in (a, b, c):
        x.close()


def in_order(srv):
    c = srv.control(timeout=60)
    c.sock.sendall(b'{"cmd":"reload","seq":1}\n{"cmd":"status","seq":2}\n')
    r1, r2 = c.readline(), c.readline()
    check(r1.get("seq") == 1 and r1.get("ok") is True and "changed" in r1,
          "the first answer: %r" % r1)
    check(r2.get("seq") == 2 and "status" in r2,
          "the second answer: %r" % str(r2)[:300])
    c.close()


def stop_while_loading(srv, s):
    c = srv.control(timeout=60)
    c.send({"cmd": "reload"})
    time.sleep(0.05)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.wait_exit(timeout=60)
    sdpeer.log("exit %.0f ms after SIGTERM" % ((time.monotonic() - t0) * 1000))
    check(rc == 0, "exit status %r after SIGTERM during a reload: %s"
          % (rc, srv.stderr_text()[-2000:]))
    check("Sanitizer" not in srv.stderr_text(),
          "a sanitizer report: %s" % srv.stderr_text()[-3000:])
    got = c.sock.recv(65536)
    check(got == b"" or b"shutting down" in got,
          "the reload's answer as the server stopped: %r" % got[:300])
    c.close()
    s.close()


def test():
    srv, conf, s = start()
    at_once(srv, conf, s)
    in_order(srv)
    stop_while_loading(srv, s)


sdpeer.run(test, deadline=80)
