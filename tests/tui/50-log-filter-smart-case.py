#!/usr/bin/env python3
"""The Log filter is smart case, as vim's and less's smartcase: typed all
in lower case it matches any case (`alpha` finds `Alpha` and `ALPHA`),
with a capital it matches only its own case (`Alpha` finds neither
`alpha` nor `ALPHA`)."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check

TEXTS = ["Mixed Alpha one", "plain alpha two", "LOUD ALPHA three"]


def shown(lines):
    rows = sdtmux.log_rows(lines) or []
    return [t for t in TEXTS if any(t in r for r in rows)]


def filtered(d, text, want):
    d.keys("/")
    d.wait_for("Filter log:", what="the filter prompt")
    d.keys("C-u")
    d.type(text)
    d.keys("Enter")
    return d.wait_until(
        lambda ls: "filter: " + text in (sdtmux.log_title(ls) or "")
        and shown(ls) == want,
        "filter %r showing exactly %r" % (text, want))


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    for t in TEXTS:
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, t))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_until(lambda ls: shown(ls) == TEXTS, "the three messages")
    d.keys("BTab")                   # the Log, where / filters lines
    filtered(d, "alpha", TEXTS)
    filtered(d, "Alpha", ["Mixed Alpha one"])
    filtered(d, "ALPHA", ["LOUD ALPHA three"])
    filtered(d, "mixed alpha", ["Mixed Alpha one"])
    s.close()


sdtmux.run(test)
