#!/usr/bin/env python3
"""The dashboard's settings outlive it, in
$XDG_CONFIG_HOME/sockdeck/dashboard.conf: a sort, a log filter, the pane
shown under the clients at 80x24, the Sensors window and a theme (`T`)
chosen in one run are there in the next. The light theme draws the
header on blue (the default on cyan); `T` again gives mono, which draws
no colour at all (the default draws some), and is kept too; then `T`
comes round to the default. A file of garbage (and a value not known) is
skipped: the next dashboard starts with the defaults."""
import os
import re

import sdtmux
from sdtmux import check


def conf(home):
    with open(os.path.join(home, "sockdeck", "dashboard.conf")) as f:
        return dict(l.split(" = ", 1) for l in f.read().splitlines()
                    if " = " in l)


def header_bg(d):
    """The SGR background colour of the header's first cells."""
    line = d.screen(escapes=True)[0]
    m = re.match(r"((?:\x1b\[[0-9;]*m)*)", line)
    codes = re.findall(r"[0-9]+", m.group(1))
    return [c for c in codes if c in ("44", "46")]


def colours(d):
    """The colour SGRs on the screen."""
    return sdtmux.colour_sgrs(d.screen(escapes=True))


def test():
    home = sdtmux.mkdtemp("sdconf-")
    d = sdtmux.Dashboard(80, 24, config_home=home).start()
    d.wait_ready()
    check(header_bg(d) == ["46"], "default theme: header background %r"
          % header_bg(d))
    check(colours(d), "the default theme draws no colour")
    d.keys("s", "s")
    d.wait_for("sort: peer")
    d.keys("BTab", "/")               # the Log's filter
    d.type("bravo")
    d.keys("Enter")
    d.wait_for("filter: bravo")
    d.keys("BTab", "w")
    d.wait_for("10 min", what="the Sensors window after w")
    d.keys("BTab")
    d.wait_until(lambda ls: sdtmux.log_title(ls) is None
                 and any("Transfers" in l for l in ls),
                 "Transfers under the clients")
    d.keys("T")
    d.wait_until(lambda ls: header_bg(d) == ["44"],
                 "the light theme's blue header after T")
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")
    c = conf(home)
    for k, v in (("sort", "peer"), ("filter_log", "bravo"),
                 ("pane", "transfers"), ("theme", "light"),
                 ("window", "600")):
        check(c.get(k) == v, "dashboard.conf %s = %r, expected %r (%r)"
              % (k, c.get(k), v, c))

    d = sdtmux.Dashboard(80, 24, config_home=home).start()
    d.wait_ready()
    lines = d.wait_until(lambda ls: any("Transfers" in l for l in ls),
                         "Transfers under the clients again")
    check(any("sort: peer" in l for l in lines), "the sort not kept:\n"
          + d.dump(lines))
    check(header_bg(d) == ["44"], "the light theme not kept: %r"
          % header_bg(d))
    d.keys("Tab", "Tab", "Tab")       # Devices, Transfers, Sensors
    d.wait_for("10 min", what="the Sensors window kept")
    d.keys("Tab")
    d.wait_for("filter: bravo", what="the log filter kept")
    d.keys("T")
    d.wait_until(lambda ls: not colours(d), "mono after T: no colour")
    # Sensors shown: wait_ready looks for its probe in a Log unfiltered
    d.keys("BTab")
    d.wait_for("[Sensors (", what="Sensors focused")
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")
    check(conf(home).get("theme") == "mono", "dashboard.conf theme = %r, "
          "expected 'mono'" % conf(home).get("theme"))

    d = sdtmux.Dashboard(80, 24, config_home=home).start()
    d.wait_ready()
    d.wait_for("Sensors (", what="Sensors under the clients")
    check(not colours(d), "the mono theme not kept: colours %r"
          % colours(d)[:5])
    d.keys("T")
    d.wait_until(lambda ls: header_bg(d) == ["46"],
                 "T after mono: the default theme's cyan header")
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")

    with open(os.path.join(home, "sockdeck", "dashboard.conf"), "w") as f:
        f.write("\x00\xff garbage\nsort = nosuch\ntheme = neon\n= =\n"
                "window = -5\nfilter_log\n" + "x" * 5000 + "\n")
    d = sdtmux.Dashboard(80, 24, config_home=home).start()
    d.wait_ready()
    d.wait_for("sort: connected", what="the default sort after garbage")
    check(header_bg(d) == ["46"], "theme after garbage: %r" % header_bg(d))
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")


sdtmux.run(test, deadline=90)
