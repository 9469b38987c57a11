#!/usr/bin/env python3
"""`m` on the selected client opens `Message to #ID: `; Enter sends the
text to that client only (a legacy client gets the raw text, as for
`sockdeckd ctl send`), and the log says so, `#ID ... sent "TEXT"`, as
it does for a broadcast (issue 16); Esc cancels."""
import re

import sdpeer
import sdtmux
from sdtmux import check

TEXT = "reboot at midnight"


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    d.wait_for("Clients (1)")
    r = d.ctl({"cmd": "clients"})
    lport = s.getsockname()[1]
    cl = [c for c in r.get("clients", []) if c.get("peer_port") == lport]
    check(cl, "control socket does not list our client: %r" % r)
    cid = cl[0]["id"]
    other = d.connect()
    d.wait_for("Clients (2)")

    # select our client: it connected first; Home goes to the first row
    # of the default `connected` sort
    d.keys("Home")
    d.keys("m")
    prompt = "Message to #%d:" % cid
    lines = d.wait_for(re.compile(r"Message to #\d+:"),
                       what="the `Message to #ID: ` prompt")
    check(prompt in "\n".join(lines), "prompt is not %r (the first client "
          "by the `connected` sort):\n%s" % (prompt, d.dump(lines)))
    d.type(TEXT)
    d.wait_for(prompt + " " + TEXT)
    d.keys("Enter")
    sdpeer.expect_bytes(s, TEXT.encode(), what="message at client #%d" % cid)
    sdpeer.expect_quiet(s, 0.3, "client #%d after the message" % cid)
    sent = re.compile(r"#%d .*sent \"%s\"" % (cid, TEXT))
    d.wait_until(lambda ls: any(sent.search(l)
                                for l in sdtmux.log_rows(ls) or []),
                 "the log line `#%d ... sent \"%s\"`" % (cid, TEXT))
    sdpeer.expect_quiet(other, 0.3, "the other client (not selected)")
    d.wait_gone(prompt, what="the prompt to close after Enter")

    d.keys("m")
    d.wait_for(prompt)
    d.type("not this")
    d.keys("Escape")
    d.wait_gone(prompt, what="the prompt to close on Esc")
    sdpeer.expect_quiet(s, 0.3, "client after a cancelled message")
    s.close()
    other.close()


sdtmux.run(test)
