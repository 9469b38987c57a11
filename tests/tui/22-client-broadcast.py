#!/usr/bin/env python3
"""A broadcast sent through the server's control socket reaches the
connected client (the response counts 1 client) and shows as a `notice`
entry `broadcast: TEXT`, UTF-8 intact; a second one shows below it. A
text sent to this one client alone (control `send`, a server notice)
shows as a `notice` entry `TEXT` (SPEC-client.md, Layout)."""
import sdtmux
from sdtmux import check


def test():
    srv, c, conn = sdtmux.connected_client(120, 40)

    text = "maintenance at 14:00 \u2713"
    r = srv.ctl({"cmd": "broadcast", "text": text})
    check(r.get("ok") is True and r.get("clients") == 1,
          "broadcast response %r, expected ok and clients 1" % r)
    want = "broadcast: " + text
    e = c.wait_entry("notice", want, what="the `notice` entry %r" % want)
    check(e.text == want, "the notice entry is %r, expected exactly %r:\n%s"
          % (e.text, want, c.dump()))

    text2 = "second call"
    r = srv.ctl({"cmd": "broadcast", "text": text2})
    check(r.get("ok") is True, "second broadcast: %r" % r)
    c.wait_entry("notice", "broadcast: " + text2,
                 what="the second broadcast's notice entry")
    notices = [x.text for x in c.entries(kind="notice")]
    check(notices.index(want) < notices.index("broadcast: " + text2),
          "the broadcasts are not in order: %r\n%s" % (notices, c.dump()))

    # a text to this client only (control `send`: TEXT kind 3, a server
    # notice): `notice  TEXT`, without the `broadcast: ` prefix
    only = "just for you"
    r = srv.ctl({"cmd": "send", "id": conn["id"], "text": only})
    check(r.get("ok") is True, "control send: %r" % r)
    e = c.wait_entry("notice", only, what="the `notice` entry %r (control "
                     "`send`, a server notice)" % only)
    check(e.text == only, "the server notice shows as %r, expected exactly "
          "%r:\n%s" % (e.text, only, c.dump()))
    check(c.state() == "connected", "no longer connected:\n" + c.dump())
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=60)
