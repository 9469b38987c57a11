#!/usr/bin/env python3
"""A legacy upload of 4 MiB sent in slices shows in the Transfers box
with a percentage while it arrives and, once complete, as a finished
entry (`✓` or `done`) with its saved name."""
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

SIZE = 4 << 20
SLICE = 64 << 10
PCT = re.compile(r"(?<!\d)(\d{1,3}(?:\.\d)?)\s?%")


def test():
    d = sdtmux.Dashboard(120, 40, extra=["--file-reply-format", "file upload successful!! saved as {name}"]).start()
    d.wait_ready()
    d.wait_for("Transfers")
    s = d.connect()
    data = bytes((i * 7 + 3) & 0xFF for i in range(SIZE))
    s.sendall(sdwire.legacy_file_head(sdpeer.DEV, 0, SIZE))
    inflight = []         # (percent, line) seen while sending
    for off in range(0, SIZE, SLICE):
        s.sendall(data[off:off + SLICE])
        time.sleep(0.03)
        rows = sdtmux.transfers_rows(d.screen()) or []
        for r in rows:
            for m in PCT.finditer(r):
                p = float(m.group(1))
                if 0 < p < 100:
                    inflight.append((p, r))
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=10)
    m = re.match(rb"file upload successful!! saved as (\S+)$", got)
    check(m, "upload answer: %r" % got)
    name = m.group(1).decode()
    check(inflight, "no percentage (0 < p < 100) in the Transfers box "
          "while the file arrived; last screen:\n" + d.dump())
    # the name may be cut to fit the box while in flight: its first 10
    # characters (YYYYmmdd-H) must be there
    check(any(name[:10] in r for p, r in inflight),
          "the in-flight Transfers line does not name the file %r: %r"
          % (name, inflight[-1][1]))
    pcts = [p for p, r in inflight]
    check(pcts == sorted(pcts), "percentages went backwards: %r" % pcts)

    def finished(ls):
        return any(name in r and ("\u2713" in r or re.search(r"\bdone\b", r))
                   for r in (sdtmux.transfers_rows(ls) or []))

    d.wait_until(lambda ls: any(
        re.search(r"file %s\S* started \(" % re.escape(name[:10]), l)
        for l in (sdtmux.log_rows(ls) or [])),
        "the Log line `file NAME started (SIZE)`")
    d.wait_until(finished, "a finished Transfers entry (`\u2713` or `done`) "
                 "for %s" % name)
    s.close()


sdtmux.run(test)
