#!/usr/bin/env python3
"""The Devices view sorts as Clients does: by state first (silent,
online, offline; then MAC), `s` or `>` the next column (mac, name,
last, rate, readings, address), `<` the one before, `r` reversed, the
sorted head marked (a click on a head sorts by it, again the other
way; a click on a row selects it); the selection stays on its device
as rows move. Enter shows the selected device in full in the pane
(name, state, last and first seen, address, protocol and interval,
readings and rate, messages and files); q or Esc go back.
`/` filters on MAC, name, address or state, live, smart case, the title
saying how many match. The view asks for `devices` only while it is
shown: none on Clients, at once on coming back. The sort, its
direction and the filter are kept in dashboard.conf for the next
dashboard."""
import os
import re
import time

import sdfleet
import sdtmux
from sdtmux import check

FLEET = [
    sdfleet.device("02:00:00:00:00:01", "pump-7", "online", 3,
                   "10.0.0.7:40001", readings=1234, rate=0.5),
    sdfleet.device("02:00:00:00:00:02", None, "offline", 7200,
                   "10.0.0.8:40002", readings=99),
    sdfleet.device("02:00:00:00:00:03", "boiler", "silent", 300,
                   "10.0.0.9:40003", readings=5),
    sdfleet.device("02:00:00:00:00:04", "\x1bz", "online", 0,
                   "10.0.0.6:40004", readings=7, rate=2.0),
]


def order(ls):
    return [m[-2:] for m in sdfleet.macs(ls)]


def click_head(d, word):
    """A click on the Devices heading word."""
    ls = d.screen()
    y = next(i for i, l in enumerate(ls) if sdfleet.TITLE.search(l)) + 1
    sdtmux.click(d, ls[y].index(" %s" % word) + 1, y)


def test():
    f = sdfleet.Fleet(FLEET)
    home = sdtmux.mkdtemp("sdconf-")
    d = f.dashboard(100, 30, config_home=home)
    sdfleet.show(d)

    def sorted_by(key, want, mark):
        if key:
            d.keys(key)
        ls = d.wait_until(lambda ls: order(ls) == want,
                          "rows %r after %r" % (want, key))
        check(re.search(mark, sdfleet.heads(ls)), "%s not marked: %r"
              % (mark, sdfleet.heads(ls)))
        return ls

    sorted_by(None, ["03", "01", "04", "02"], r"state[▲^]")
    d.keys("Down")                  # pump-7 selected
    # Enter: it in full, in the pane; q (not quit) and Esc go back
    for back in ("q", "Escape"):
        d.keys("Enter")
        ls = d.wait_for(re.compile(r"readings +1234 \(0\.5/s\)"),
                        what="Enter: pump-7 in full")
        text = "\n".join(ls)
        for pat in (r"name +pump-7 ", r"state +online", r"address +"
                    r"10\.0\.0\.7:40001", r"protocol +ext, plain, usually "
                    r"every 10s", r"last seen +[34]s ago, at \d\d:",
                    r"first seen +1d00h ago",
                    r"Device 02:00:00:00:00:01 \(Esc: back\)"):
            check(re.search(pat, text), "%s not in the full view:\n%s"
                  % (pat, d.dump(ls)))
        d.keys(back)
        d.wait_until(lambda ls: order(ls) == ["03", "01", "04", "02"],
                     "%s: the table again" % back)
    ls = sorted_by("s", ["01", "02", "03", "04"], r"mac[▲^]")
    check((sdfleet.row(ls, "00:00:01") or "").startswith("> "),
          "the selection left pump-7:\n" + d.dump(ls))
    sorted_by("s", ["02", "04", "03", "01"], r"name[▲^]")
    sorted_by(">", ["04", "01", "03", "02"], r"last[▲^]")
    sorted_by("r", ["02", "03", "01", "04"], r"last[▼v]")
    sorted_by("s", ["04", "01", "02", "03"], r"rate[▲^]")
    sorted_by("s", ["01", "02", "04", "03"], r"readings[▲^]")
    sorted_by("s", ["04", "01", "02", "03"], r"address[▲^]")
    sorted_by("<", ["01", "02", "04", "03"], r"readings[▲^]")
    # the mouse: a head sorts, again reversed; a row is selected
    click_head(d, "name")
    sorted_by(None, ["02", "04", "03", "01"], r"name[▲^]")
    click_head(d, "name")
    sorted_by(None, ["01", "03", "04", "02"], r"name[▼v]")
    ls = d.screen()
    y = next(i for i, l in enumerate(ls) if "00:00:04" in l)
    sdtmux.click(d, 5, y)
    d.wait_until(lambda ls: (sdfleet.row(ls, "00:00:04") or "")
                 .startswith("> "), "a click on 04's row selects it")
    d.keys("s", "s", "s")            # last, rate, readings
    sorted_by(None, ["01", "02", "04", "03"], r"readings[▲^]")
    # the filter: live, smart case, on MAC, name, address or state
    d.keys("/")
    d.type("PUMP")
    d.wait_until(lambda ls: order(ls) == [] and
                 "No device matches the filter" in "\n".join(ls),
                 "PUMP (a capital: case counts) matches nothing")
    d.keys("C-u")
    d.type("pump")
    ls = d.wait_until(lambda ls: order(ls) == ["01"], "pump: one row")
    check("filter (1 of 4): pump" in "\n".join(ls), "the title:\n" +
          d.dump(ls))
    d.keys("Escape")
    d.wait_until(lambda ls: len(order(ls)) == 4, "Esc: the filter undone")
    d.keys("/")
    d.type("10.0.0.9")
    d.keys("Enter")
    d.wait_until(lambda ls: order(ls) == ["03"], "by address")
    d.keys("C-u")                   # not a prompt now: nothing
    d.keys("/", "C-u")
    d.type("offline")
    d.keys("Enter")
    d.wait_until(lambda ls: order(ls) == ["02"], "by state")
    # on Clients the view asks for nothing; back on it, at once
    d.keys("BTab")
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="Clients again")
    since = time.monotonic()
    time.sleep(2.5)
    check(f.asked("devices", since) == 0, "devices asked for %d times "
          "while not shown" % f.asked("devices", since))
    d.keys("Tab")
    d.wait_for(sdfleet.TITLE, what="Devices again")
    t0 = time.monotonic()
    while f.asked("devices", since) == 0 and time.monotonic() < t0 + 0.8:
        time.sleep(0.02)
    check(f.asked("devices", since) > 0, "not asked at once on Tab")
    # kept: readings reversed, the filter "online" (two)
    d.keys("r", "/", "C-u")
    d.type("online")
    d.keys("Enter")
    d.wait_until(lambda ls: order(ls) == ["04", "01"],
                 "readings reversed, filtered")
    d.keys("q")
    d.wait_exit()
    with open(os.path.join(home, "sockdeck", "dashboard.conf")) as c:
        conf = dict(l.split(" = ", 1) for l in c.read().splitlines()
                    if " = " in l)
    check((conf.get("devices_sort"), conf.get("devices_reverse"),
           conf.get("filter_devices")) == ("readings", "1", "online"),
          "dashboard.conf: %r" % conf)
    d = f.dashboard(100, 30, config_home=home)
    sdfleet.show(d)
    ls = d.wait_until(lambda ls: order(ls) == ["04", "01"],
                      "the next dashboard: the same order and filter")
    check(re.search(r"readings[▼v]", sdfleet.heads(ls)), "the mark: %r"
          % sdfleet.heads(ls))
    d.keys("q")
    d.wait_exit()
    f.close()


sdtmux.run(test)
