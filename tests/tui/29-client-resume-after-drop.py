#!/usr/bin/env python3
"""A file cut by a dropped connection resumes. The client is stopped
(SIGSTOP) mid-transfer so the server surely holds part of the file, the
server kicks it (control `kick`), the client is continued:

- started with --reconnect (the bar says `reconnect on`), it
  connects again by itself and offers the file again; the server's
  `file-start` of the new connection has 0 < offset < size, and the
  file ends `stored as a.bin (..., xxh3 HEX verified)`, byte for byte
  the source;
- after ^R (`reconnect off`) the entry says `b.bin  interrupted:
  resumes when connected again`, the header `unconnected`, no new
  connection comes by itself; ^O with Server/Port and Enter connects,
  the transfer resumes at an offset > 0 and completes the same way.

(SPEC-client.md, Resume; ^R.)"""
import os
import re
import signal
import time

import sdpeer
import sdtmux
from sdtmux import check

SIZE = 64 << 20


def held_bytes(srv, cid):
    r = srv.ctl({"cmd": "clients"})
    for cl in r.get("clients", []):
        if cl.get("id") == cid:
            return (cl.get("transfer") or {}).get("bytes", 0)
    return None


class Held:
    """SIGSTOP the client once the server started `name`; make sure the
    server holds part of it. cont() continues the client (also on the
    way out of a failing test)."""

    def __init__(self, c, srv):
        self.c, self.srv = c, srv
        self.pid = c.program_pid()
        self.stopped = False

    def stop(self):
        os.kill(self.pid, signal.SIGSTOP)
        self.stopped = True

    def cont(self):
        if self.stopped:
            self.stopped = False
            try:
                os.kill(self.pid, signal.SIGCONT)
            except OSError:
                pass

    def hold(self, name, cid, mark):
        self.srv.wait_event("file-start", lambda e: e.get("name") == name,
                            since=mark, timeout=15)
        self.stop()
        for _ in range(40):
            last, held = -1, 0
            until = time.monotonic() + 1.0
            while time.monotonic() < until:       # the server drains
                held = held_bytes(self.srv, cid) or 0
                if held > 0 and held == last:
                    break
                last = held
                time.sleep(0.1)
            check(not self.srv.find_events(
                "file-done", lambda e: e.get("name") == name, since=mark),
                "%s was complete before the client could be stopped (the "
                "machine is too fast for %d MiB)" % (name, SIZE >> 20))
            if 0 < held < SIZE:
                return held
            self.cont()                           # let a chunk through
            time.sleep(0.005)
            self.stop()
        sdtmux.fail("the server never held part of %s (bytes %r)"
                    % (name, held))


def pick(c, src, name):
    c.keys("C-f")
    c.wait_until(lambda ls: any("Path: %s/" % src in l for l in ls),
                 "^F: `Path: %s/`" % src)
    c.type(name)
    c.wait_until(lambda ls: any("Path: %s/%s" % (src, name) in l
                                for l in ls), "typed %s" % name)
    c.keys("Enter")


def finish(c, srv, name, path, mark):
    st = srv.wait_event("file-start", lambda e: e.get("name") == name,
                        since=mark, timeout=30)
    conn = srv.wait_event("connect", since=mark)
    check(st.get("id") == conn["id"], "the file-start %r is not on the "
          "new connection %r" % (st, conn))
    off = st.get("offset", 0)
    check(0 < off < SIZE, "the transfer of %s after the drop started at "
          "offset %r, not where the server stood (file-start %r)"
          % (name, off, st))
    done = srv.wait_event("file-done", lambda e: e.get("name") == name,
                          since=mark, timeout=30)
    check(done.get("size") == SIZE, "file-done %r" % done)
    e = c.wait_entry("file", re.compile(r"%s\s+stored as %s \(.*xxh3 "
                                        r"[0-9a-f]{16} verified"
                                        % (re.escape(name),
                                           re.escape(name))),
                     timeout=15, what="`%s  stored as %s (SIZE, xxh3 HEX "
                     "verified)` after the resume" % (name, name))
    check(done.get("xxh3") and done["xxh3"] in e.text,
          "the screen's checksum is not the server's %r: %r"
          % (done.get("xxh3"), e.text))
    stored = os.path.join(srv.files_dir, name)
    check(os.path.exists(stored), "no %s after the resume" % stored)
    check(os.path.getsize(stored) == SIZE and sdtmux.same_file(stored, path),
          "the resumed %s differs from the source" % name)


def test():
    src = os.path.realpath(sdtmux.mkdtemp("sdsrc-"))
    pa, pb = os.path.join(src, "a.bin"), os.path.join(src, "b.bin")
    sdtmux.write_random(pa, SIZE)
    sdtmux.write_random(pb, SIZE)
    srv = sdpeer.Server().start()
    port = srv.ports[0]
    mark = srv.mark()
    c = sdtmux.ClientTui(120, 40, args=["--reconnect",
                                        "127.0.0.1:%d" % port],
                         cwd=src).start()
    c.wait_ready()
    c.wait_state("connected")
    conn = srv.wait_event("connect", since=mark)
    srv.wait_event("hello", lambda e: e.get("id") == conn["id"])
    c.wait_until(lambda ls: "reconnect on" in c.conn_bar(ls),
                 "--reconnect: `reconnect on` on the connection bar")
    h = Held(c, srv)
    try:
        # --reconnect: back by itself, resumed
        pick(c, src, "a.bin")
        held = h.hold("a.bin", conn["id"], mark)
        sdtmux.log("a.bin: the server holds %d bytes; kicking" % held)
        mark = srv.mark()
        r = srv.ctl({"cmd": "kick", "id": conn["id"]})
        check(r.get("ok") is True, "kick: %r" % r)
        srv.wait_event("disconnect", lambda e: e.get("id") == conn["id"],
                       since=mark)
        h.cont()
        conn2 = srv.wait_event("connect", since=mark, timeout=30)
        srv.wait_event("hello", lambda e: e.get("id") == conn2["id"],
                       since=mark)
        finish(c, srv, "a.bin", pa, mark)
        c.wait_state("connected")

        # ^R off: interrupted, nothing by itself, ^O Enter resumes
        c.keys("C-r")
        c.wait_until(lambda ls: "reconnect off" in c.conn_bar(ls),
                     "^R: `reconnect off` on the connection bar")
        mark = srv.mark()
        pick(c, src, "b.bin")
        held = h.hold("b.bin", conn2["id"], mark)
        sdtmux.log("b.bin: the server holds %d bytes; kicking" % held)
        mark = srv.mark()
        r = srv.ctl({"cmd": "kick", "id": conn2["id"]})
        check(r.get("ok") is True, "kick: %r" % r)
        srv.wait_event("disconnect", lambda e: e.get("id") == conn2["id"],
                       since=mark)
        h.cont()
    finally:
        h.cont()
    c.wait_entry("file", re.compile(r"b\.bin\s+interrupted: resumes when "
                                    r"connected again"),
                 what="`b.bin  interrupted: resumes when connected again`")
    c.wait_state("unconnected", what="`unconnected` after the kick "
                 "(reconnect off)")
    time.sleep(2.5)
    check(not srv.find_events("connect", since=mark), "the client "
          "connected by itself with reconnect off:\n" + c.dump())
    c.connect_via_bar("127.0.0.1", port)
    c.wait_state("connected", what="^O Enter after the drop")
    finish(c, srv, "b.bin", pb, mark)
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=85)
