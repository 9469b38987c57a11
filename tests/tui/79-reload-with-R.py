#!/usr/bin/env python3
"""`R` in the dashboard reloads the settings (sockdeckd(1): RELOAD):
it asks `Reload the settings, the config file and the TLS files? (y/n)`;
`n` changes nothing (the reply format edited in the config file does not
apply), `y` reloads: the Log shows the reload line naming reply-format,
and the next message is answered in the new format."""
import os
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

PROMPT = re.compile(r"Reload the settings, the config file and the TLS "
                    r"files\? \(y/n\)")


def answer(s, text):
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    return sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)


def test():
    conf = os.path.join(sdtmux.mkdtemp(), "sockdeckd.conf")
    with open(conf, "w") as f:
        f.write("reply-format = one {text}\n")
    d = sdtmux.Dashboard(120, 40, extra=["--config", conf]).start()
    d.wait_ready()
    s = d.connect()
    check(answer(s, "a") == b"one a", "the first format")
    with open(conf, "w") as f:
        f.write("reply-format = two {text}\n")

    d.keys("R")
    d.wait_for(PROMPT, what="the reload question")
    d.keys("n")
    d.wait_gone(PROMPT, what="the question to close on `n`")
    check(answer(s, "b") == b"one b", "`R` `n` reloaded")

    d.keys("R")
    d.wait_for(PROMPT)
    d.keys("y")
    d.wait_gone(PROMPT)
    d.wait_until(lambda ls: any("reload" in l and "reply-format" in l
                                for l in sdtmux.log_rows(ls)),
                 "the reload line in the Log")
    check(answer(s, "c") == b"two c", "`R` `y` did not reload")
    s.close()


sdtmux.run(test)
