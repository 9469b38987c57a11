#!/usr/bin/env python3
"""A NUL byte in a peer's message costs an attached dashboard nothing:
`attach` started after the message shows the messages before and after
it from the server's history, and the message itself with the NUL
escaped (`a\\x00b`); one sent while attached shows the same way. Before,
the history line holding it was dropped whole (jansson refuses \\u0000
without JSON_ALLOW_NUL): the Log started empty."""
import sdpeer
import sdtmux
import sdwire


def rows(lines):
    return sdtmux.log_rows(lines) or []


def has(lines, text):
    return any(text in l for l in rows(lines))


def test():
    srv = sdpeer.Server(nports=1).start()
    s = srv.connect()
    for t in ("first one", "a\x00b", "last one"):
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, t))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)

    d = sdtmux.Dashboard(120, 40, port=srv.ports[0], data_dir=srv.dir,
                         args=["attach", "--data-dir", srv.dir]).start()
    d.wait_until(lambda ls: has(ls, '"first one"') and has(ls, '"last one"')
                 and has(ls, '"a\\x00b"'),
                 "the messages from before attach, the NUL escaped")
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "c\x00d"))
    d.wait_until(lambda ls: has(ls, '"c\\x00d"'),
                 "a message with a NUL sent while attached")
    d.keys("q")
    sdtmux.check(d.wait_exit() == 0, "exit status after q")
    s.close()
    srv.stop()


sdtmux.run(test, deadline=60)
