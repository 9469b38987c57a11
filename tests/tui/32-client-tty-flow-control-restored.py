#!/usr/bin/env python3
"""While `sockdeck` shows its screen, its terminal reads keys one by one
with flow control off: the pane's tty (`stty -F #{pane_tty} -a`) shows
-ixon (^S opens the sensor form; as XOFF it would stop the screen),
-icanon and -echo, though flow control was on when it started. After
F10, and after ^C, the tty is exactly as it was before (`stty -g` before
and after) (SPEC-client.md: F10, ^C quit, the terminal restored)."""
import sdtmux
from sdtmux import check


def one(quit_key, statuses):
    c = sdtmux.ClientTui(120, 40)
    sdtmux.tty_watch(c)
    c.start()
    c.wait_ready()
    m = sdtmux.tty_modes(c)
    for want in ("-ixon", "-icanon", "-echo"):
        check(want in m, "the tty lacks %s while sockdeck runs (stty -a: "
              "%s)" % (want, " ".join(sorted(m))))
    c.keys(quit_key)
    st = c.wait_exit()
    check(st in statuses, "%s: exit status %r" % (quit_key, st))
    before, now = sdtmux.tty_saved(c)
    check(before == now, "after %s the tty is not as it was before "
          "sockdeck:\n  before %s\n  after  %s" % (quit_key, before, now))
    check("ixon" in sdtmux.tty_modes(c), "after %s: flow control not back "
          "on" % quit_key)


def test():
    one("F10", (0,))
    one("C-c", (0, 130))


sdtmux.run(test)
