#!/usr/bin/env python3
"""Attached to a server that answers `devices` with an error (an older
sockdeckd: "unknown command"), the Devices view says so in its place,
the Log says it once (not once a poll, and no `error:` line; not as
a problem either: n/N do not stop on it), the
dashboard keeps asking at the poll's pace only (no spin), Tab goes on
working and q quits. A server slow to answer is not asked again while
it has a request of the view's (for 5 s)."""
import re
import time

import sdfleet
import sdtmux
from sdtmux import check

SAYS = "The server does not list devices (an older sockdeckd?): " \
    "unknown command"


def test():
    f = sdfleet.Fleet([], refuse="unknown command")
    d = f.dashboard(80, 24)
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="the Clients pane")
    d.keys("Tab")
    d.wait_for(SAYS, what="the view saying the server refused")
    since = time.monotonic()
    time.sleep(3.5)
    n = f.asked("devices", since)
    check(1 <= n <= 5, "devices asked %d times in 3.5 s" % n)
    ls = d.screen()
    logged = [r for r in sdtmux.log_rows(ls) or []
              if "does not list devices" in r]
    check(len(logged) == 1, "the Log says it %d times:\n%s"
          % (len(logged), d.dump(ls)))
    check(logged[0][1:3] == "  ", "marked as a problem: %r" % logged[0])
    check(not any("error: unknown command" in r
                  for r in sdtmux.log_rows(ls)), "an error line:\n" +
          d.dump(ls))
    check(SAYS in "\n".join(ls), "the view no longer says it:\n" +
          d.dump(ls))
    d.keys("BTab")
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="Clients again")
    d.keys("Tab")
    d.wait_for(SAYS, what="the Devices view again")
    d.keys("q")
    d.wait_exit()
    f.close()
    slow()


def slow():
    f = sdfleet.Fleet([], answers=0)
    d = f.dashboard(80, 24)
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="the Clients pane")
    d.keys("Tab")
    d.wait_for("Asking the server for its devices", what="the view asking")
    time.sleep(3.5)
    n = f.asked("devices")
    check(n == 1, "devices asked %d times of a server yet to answer" % n)
    d.keys("q")
    d.wait_exit()
    f.close()


sdtmux.run(test)
