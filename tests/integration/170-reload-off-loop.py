#!/usr/bin/env python3
"""A reload loads off the event loop (sockdeckd(1): RELOAD): with a
registry of 65536 devices near its 16 MiB cap, two reloads in a row
while a registered device pings every 10 ms. Its worst round trip
during the reloads stays within 5 times its worst over as long without
reloads (or a quarter of the shortest reload, whichever is more): a
reload read on the loop holds every ping for the whole load, as long as
the reload itself. Every reload answers ok and names nothing changed,
and the device is served after them."""
import threading
import time

import sdpeer
import sdreg
import sdwire
from sdpeer import check

ME = sdwire.mac("02:00:00:00:00:07")
TOKEN = b"token-of-the-pinger"


class Pinger:
    """Pings on s every 10 ms from a thread; each round trip's start
    time and length."""

    def __init__(self, s):
        self.s = s
        self.rtts = []          # (monotonic start, seconds)
        self.stop = threading.Event()
        self.error = None
        self.t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                t0 = time.monotonic()
                self.s.sendall(sdwire.ping(n))
                p = sdpeer.expect_frame(self.s, sdwire.T_PONG, timeout=30)
                t1 = time.monotonic()
                check(p == n.to_bytes(8, "little"), "pong %d: %r" % (n, p))
                self.rtts.append((t0, t1 - t0))
                time.sleep(max(0.0, 0.01 - (t1 - t0)))
        except Exception as e:      # reported by the test's thread
            self.error = e

    def worst(self, since, until):
        """The longest round trip of the pings sent between the marks,
        and their number."""
        w = [r for start, r in self.rtts if since <= start <= until]
        check(len(w) > 0, "no ping between the marks")
        return max(w), len(w)


def test():
    srv = sdpeer.Server()
    path = sdreg.big(srv.dir, ME, TOKEN)
    srv.extra += ["--devices", path]
    srv.start(timeout=60)
    s = srv.connect()
    s.sendall(sdwire.hello(ME, b"pinger", token=TOKEN))
    sdpeer.expect_frame(s, sdwire.T_WELCOME, timeout=30)
    c = srv.control(timeout=60)
    p = Pinger(s)
    p.t.start()

    # The reloads first, to know how long one takes.
    t0 = time.monotonic()
    took = []
    for i in range(2):
        a = time.monotonic()
        r = c.request({"cmd": "reload"})
        took.append(time.monotonic() - a)
        check(r.get("ok") is True and r.get("changed") == [] and
              r.get("disconnected") == 0, "reload %d: %r" % (i, r))
    t1 = time.monotonic()
    # Then as long without any.
    time.sleep(t1 - t0)
    t2 = time.monotonic()
    p.stop.set()
    p.t.join(30)
    check(p.error is None, "the pinger: %r" % (p.error,))
    during, nd = p.worst(t0, t1)
    quiet, nq = p.worst(t1, t2)
    limit = max(5 * quiet, min(took) / 4)
    sdpeer.log("reloads took %s ms; worst ping %.1f ms during them (%d "
               "pings), %.1f ms without (%d pings); limit %.1f ms"
               % ([round(x * 1000) for x in took], during * 1000, nd,
                  quiet * 1000, nq, limit * 1000))
    check(during < limit,
          "a ping waited %.0f ms during the reloads (%.0f ms at worst "
          "without; the reloads took %s ms): the loop was held"
          % (during * 1000, quiet * 1000, [round(x * 1000) for x in took]))
    s.sendall(sdwire.ping(99))
    sdpeer.expect_frame(s, sdwire.T_PONG)
    s.close()
    c.close()
    check(srv.stop(timeout=30) == 0, "exit status after SIGTERM not 0: %s"
          % srv.stderr_text()[-2000:])


sdpeer.run(test, deadline=80)
