#!/usr/bin/env python3
"""`b` opens the `Broadcast: ` prompt; the typed text, on Enter, reaches
every connected (legacy) client as exactly that raw text, and the Log
shows `broadcast "TEXT" to 2 clients`."""
import re

import sdpeer
import sdtmux
from sdtmux import check

TEXT = "lights out at nine"


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    socks = [d.connect(), d.connect()]
    d.wait_for("Clients (2)")
    d.keys("b")
    d.wait_for("Broadcast:", what="the `Broadcast: ` prompt")
    d.type(TEXT)
    d.wait_for("Broadcast: " + TEXT, what="the typed text in the prompt")
    d.keys("Enter")
    for i, s in enumerate(socks):
        sdpeer.expect_bytes(s, TEXT.encode(), what="broadcast at client %d"
                            % i)
        sdpeer.expect_quiet(s, 0.3, "client %d after the broadcast" % i)
    d.wait_for(re.compile(r'broadcast "%s" to 2 clients?\b'
                          % re.escape(TEXT)),
               what='the Log line `broadcast "%s" to 2 clients`' % TEXT)
    d.wait_gone("Broadcast:", what="the prompt to close after Enter")

    # Esc cancels: nothing is sent
    d.keys("b")
    d.wait_for("Broadcast:")
    d.type("never sent")
    d.wait_for("Broadcast: never sent")
    d.keys("Escape")
    d.wait_gone("Broadcast:", what="the prompt to close on Esc")
    for i, s in enumerate(socks):
        sdpeer.expect_quiet(s, 0.3, "client %d after a cancelled broadcast"
                            % i)
    lines = d.screen()
    check("never sent" not in "\n".join(lines),
          "cancelled text shows on screen:\n" + d.dump(lines))
    for s in socks:
        s.close()


sdtmux.run(test)
