#!/usr/bin/env python3
"""`sockdeck 127.0.0.1:PORT` opens the screen and connects at once: the
header (` sockdeck`, the target, the state word going to `connected`,
the device), the connection bar (`Server: 127.0.0.1  Port: PORT`,
`reconnect off`), an `info` entry, the status line ` readings
sent 0  acked 0`, the ` > ` input line and the full key bar; the server
sees HELLO from our device. ^D -> `unconnected` (the server sees the
disconnect); ^O Enter connects again to the server in the bar. A second
client started without HOST:PORT (fresh HOME: no recent server) is
`unconnected` until ^O, Server/Port typed, Enter (SPEC-client.md,
Layout, Keys)."""
import re

import sdpeer
import sdtmux
from sdtmux import check


def test():
    srv = sdpeer.Server().start()
    port = srv.ports[0]
    target = "127.0.0.1:%d" % port

    c = sdtmux.ClientTui(120, 40, args=[target]).start()
    c.wait_ready()
    lines = c.wait_state("connected", what="`connected` in the header after "
                         "`sockdeck %s`" % target)
    scr = c.dump(lines)
    hdr = c.header(lines)
    check(hdr.startswith(" sockdeck"), "line 1 does not start with "
          "' sockdeck':\n" + scr)
    check(target in hdr, "the header does not name %s:\n%s" % (target, scr))
    check(sdtmux.CLIENT_DEV in hdr, "the header does not show `device %s`:"
          "\n%s" % (sdtmux.CLIENT_DEV, scr))
    check(re.search(r"connected \(ext/1\b", hdr),
          "the header lacks `connected (ext/1, H:MM:SS)` (the extension "
          "protocol, version 1):\n" + scr)
    ev = srv.wait_event("hello", lambda e: e.get("device") ==
                        sdtmux.CLIENT_DEV)
    check(ev.get("name") == "sockdeck", "HELLO name %r, expected sockdeck"
          % ev.get("name"))
    cid = ev["id"]

    lines = c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1",
                                                         str(port)),
                         "the connection bar `Server: 127.0.0.1   Port: %d`"
                         % port)
    scr = c.dump(lines)
    check("reconnect off" in c.conn_bar(lines),
          "the connection bar lacks `reconnect off` (the default):\n"
          + scr)
    c.wait_entry("info", re.compile(r"connected"),
                 what="an `info` entry about the connection (`connected "
                 "to ...`)")
    lines = c.screen()
    scr = c.dump(lines)
    check(c.counts(lines) == (0, 0) and "readings" in c.status_line(lines),
          "the status line (row h-3) is not ` readings  sent 0  acked 0`: "
          "%r\n%s" % (c.status_line(lines), scr))
    check(c.input_text(lines) == "", "the input line (row h-2) is not an "
          "empty ` > `: %r\n%s" % (c.input_line(lines), scr))
    check(sdtmux.CLIENT_KEYBAR_FULL in c.keybar(lines),
          "the last line is not the key bar %r:\n%s"
          % (sdtmux.CLIENT_KEYBAR_FULL, scr))
    check(all(sdtmux.display_width(l) <= 120 for l in lines),
          "a line is wider than 120 columns:\n" + scr)

    # ^D: unconnected, and the server sees us go
    c.keys("C-d")
    c.wait_state("unconnected", what="`unconnected` after ^D")
    srv.wait_event("disconnect", lambda e: e.get("id") == cid)
    check(not c.pane_dead()[0], "^D ended the program")

    # ^O Enter: connect again to what the bar holds
    mark = srv.mark()
    c.keys("C-o")
    c.wait_until(lambda ls: c.bar_fields(ls) == ("127.0.0.1", str(port)),
                 "the connection bar still holding 127.0.0.1 / %d after ^O"
                 % port)
    c.keys("Enter")
    c.wait_state("connected", what="`connected` again after ^O Enter")
    srv.wait_event("hello", lambda e: e.get("device") == sdtmux.CLIENT_DEV,
                   since=mark)
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")

    # no HOST:PORT and no recent server: unconnected until ^O
    mark = srv.mark()
    c2 = sdtmux.ClientTui(120, 40).start()
    c2.wait_ready()
    lines = c2.wait_state("unconnected", what="`unconnected` in the header "
                          "of `sockdeck` without HOST:PORT")
    check(c2.recent() is None, "a recent file exists in a fresh "
          "XDG_STATE_HOME: %r" % c2.recent())
    check(not srv.find_events("connect", since=mark),
          "`sockdeck` without HOST:PORT connected by itself:\n"
          + c2.dump(lines))
    c2.connect_via_bar("127.0.0.1", port)
    c2.wait_state("connected", what="`connected` after ^O, Server "
                  "127.0.0.1, Tab, Port %d, Enter" % port)
    srv.wait_event("hello", lambda e: e.get("device") == sdtmux.CLIENT_DEV,
                   since=mark)
    check(target in c2.header(), "the header does not name %s after the "
          "^O connect:\n%s" % (target, c2.dump()))
    c2.keys("C-d")
    c2.wait_state("unconnected", what="`unconnected` after ^D")
    c2.keys("F10")
    check(c2.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
