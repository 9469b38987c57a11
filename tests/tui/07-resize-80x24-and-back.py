#!/usr/bin/env python3
"""120x40 -> 80x24: the key bar is line 24, nothing wider than 80
columns, one of Transfers/Sensors/Log below Clients and Tab switches it;
-> 60x20: `sockdeckd needs at least 80x24 (now 60x20)`; -> 120x40: the
full layout again."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check


def full(ls):
    return (sdtmux.bottom_titles(ls) == ["Transfers", "Sensors", "Log"]
            and re.search(r"(Clients|Devices) \(", "\n".join(ls))
            and sdtmux.KEYBAR_FULL in ls[-1]
            and ls[0].startswith(" sockdeckd 0.1.0"))


def small(ls):
    return (len(ls) == 24 and "q Quit" in ls[-1]
            and ls[0].startswith(" sockdeckd 0.1.0")
            and re.search(r"(Clients|Devices) \(", "\n".join(ls))
            and len(sdtmux.bottom_titles(ls)) == 1)


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    d.wait_until(full, "the full layout at 120x40")

    s = d.connect()
    peer = "127.0.0.1:%d" % s.getsockname()[1]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "small screen"))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_for("Clients (1)")

    d.resize(80, 24)
    lines = d.wait_until(small, "at 80x24: header, Clients, one bottom "
                         "pane, key bar with `q Quit` on line 24")
    check(all(sdtmux.display_width(l) <= 80 for l in lines),
          "a line is wider than 80 columns:\n" + d.dump(lines))
    row = [l for l in sdtmux.clients_rows(lines) if peer in l]
    check(row and sdtmux.DEV_STR in row[0],
          "at 80x24 the client row lacks %s and %s (spec: `At 80 columns: "
          "id, peer, device, connected, state`):\n%s"
          % (peer, sdtmux.DEV_STR, d.dump(lines)))
    # Tab: Clients -> Devices (in its place) -> Transfers -> Sensors ->
    # Log -> Clients; the focused title is marked [...] and the one
    # bottom pane follows the focus
    for name in ("Devices", "Transfers", "Sensors", "Log", "Clients"):
        d.keys("Tab")
        focused = re.compile(r"\[\s*%s" % name)
        lines = d.wait_until(
            lambda ls: small(ls) and focused.search("\n".join(ls[1:-1]))
            and (name in ("Clients", "Devices") or
                 sdtmux.bottom_titles(ls) == [name]),
            "Tab at 80x24: focus `[%s` with %s the bottom pane"
            % (name, name if name != "Clients" else "one box"))
        check(all(sdtmux.display_width(l) <= 80 for l in lines),
              "a line is wider than 80 columns:\n" + d.dump(lines))
    d.keys("BTab")
    d.wait_until(lambda ls: small(ls) and "[Log" in "\n".join(ls)
                 and sdtmux.bottom_titles(ls) == ["Log"],
                 "Shift-Tab from Clients: focus `[Log`")

    d.resize(60, 20)
    lines = d.wait_for("sockdeckd needs at least 80x24 (now 60x20)")
    check("Clients (" not in "\n".join(lines),
          "the dashboard is still drawn at 60x20:\n" + d.dump(lines))

    d.resize(120, 40)
    lines = d.wait_until(full, "the full layout back at 120x40")
    check(len(lines) == 40, "%d lines" % len(lines))
    check(not d.pane_dead()[0], "the dashboard exited")
    s.close()


sdtmux.run(test)
