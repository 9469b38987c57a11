#!/usr/bin/env python3
"""A filter on a device's MAC finds every Log line about it: its message,
its file (started, stored), the text sent to it (`ctl send`) and its
disconnect, each with its server port (`on PORT`), also when the client
is far from the rows the Clients pane shows (the dashboard holds a
window of three panes' worth of rows, and 60 clients connected before
it); another device's lines are not shown."""
import re

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

MAC = "02:00:00:00:00:77"
OTHER = "02:00:00:00:00:88"
N = 60


def rows(ls):
    return [r for r in sdtmux.log_rows(ls) or [] if re.search(r"\d\d:", r)]


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    fill = [d.connect() for _ in range(N)]
    d.wait_for("Clients (%d)" % N)
    t = d.connect()
    t.sendall(sdwire.legacy_msg(sdwire.mac(MAC), "target says hi"))
    sdpeer.recv_until_quiet(t, quiet=0.3, timeout=5)
    t.sendall(sdwire.legacy_file(sdwire.mac(MAC), 0, b"x" * 1000))
    sdpeer.recv_until_quiet(t, quiet=0.3, timeout=5)
    lport = t.getsockname()[1]
    cid = [c["id"] for c in d.ctl({"cmd": "clients"})["clients"]
           if c.get("peer_port") == lport][0]
    d.ctl({"cmd": "send", "id": cid, "text": "direct to you"})
    sdpeer.recv_until_quiet(t, quiet=0.3, timeout=5)
    fill[0].sendall(sdwire.legacy_msg(sdwire.mac(OTHER), "not mine"))
    t.close()
    d.wait_for("not mine", what="the other device's message")
    d.wait_until(lambda ls: "Clients (%d)" % N in "\n".join(ls),
                 "the target gone")
    d.keys("BTab")                   # the Log, where / filters lines
    d.keys("/")
    d.type(MAC)
    d.keys("Enter")
    want = [r'message  "target says hi"', r"file \S+ started",
            r"file \S+ stored", r'sent "direct to you"',
            r"disconnected \(closed by peer\)"]
    who = re.compile(r"#%d +127\.0\.0\.1:%d on %d %s  " % (
        cid, lport, d.port, re.escape(MAC)))

    def found(ls):
        rs = rows(ls)
        return [w for w in want
                if any(re.search(w, r) and who.search(r) for r in rs)]
    lines = d.wait_until(lambda ls: "filter: " + MAC in
                         (sdtmux.log_title(ls) or ""), "the filter")
    try:
        lines = d.wait_until(lambda ls: len(found(ls)) == len(want),
                             "every line about %s" % MAC, timeout=3)
    except sdtmux.TestFailure:
        check(False, "filter %s: missing %r (each line `#%d 127.0.0.1:%d "
              "on %d %s  ...`):\n%s" % (
                  MAC, [w for w in want if w not in found(d.last)], cid,
                  lport, d.port, MAC, d.dump(d.last)))
    check(not any("not mine" in r for r in rows(lines)),
          "another device's line under the filter:\n" + d.dump(lines))
    for s in fill:
        s.close()


sdtmux.run(test)
