#!/usr/bin/env python3
"""In a C locale (LANG=C, LC_ALL=C) the client's keys are bytes that
cannot carry a non-ASCII character: typing `abc héllo xyz` keeps every
ASCII character of the line (it used to send `abc h`, the rest dropped
without a word), refuses the é with one `error` entry that says why
(`non-ASCII text needs a UTF-8 locale`), and sends `abc hllo xyz`. A
second such line says it again. In C.UTF-8 the same line goes as typed."""
import sdtmux
from sdtmux import check

WHY = "non-ASCII text needs a UTF-8 locale"


def send(c, typed, srv, conn, want, mark):
    c.type(typed)
    c.keys("Enter")
    ev = srv.wait_event("message", lambda e: e.get("id") == conn["id"],
                        since=mark)
    check(ev.get("text") == want, "typed %r, the server got %r, expected "
          "%r" % (typed, ev.get("text"), want))


def test():
    srv, c, conn = sdtmux.connected_client(
        100, 30, env={"LANG": "C", "LC_ALL": "C"})
    send(c, "abc h\u00e9llo xyz", srv, conn, "abc hllo xyz", srv.mark())
    c.wait_entry("error", WHY, what="the `error` entry saying why")
    n = len(c.find_entries("error", WHY, c.screen()))
    send(c, "na\u00efve", srv, conn, "nave", srv.mark())
    c.wait_until(lambda ls: len(c.find_entries("error", WHY, ls)) == n + 1,
                 "a second `error` entry for the second line")

    srv, c, conn = sdtmux.connected_client(100, 30)
    send(c, "abc h\u00e9llo xyz", srv, conn, "abc h\u00e9llo xyz",
         srv.mark())
    check(not c.find_entries("error", WHY, c.screen()),
          "a UTF-8 locale refused the text:\n" + c.dump())


sdtmux.run(test)
