#!/usr/bin/env python3
"""A type 0x0000 frame whose length equals 12 + its inner size is a message
even with odd sid/evt bytes: it is answered, and its `message` event has
`"odd": true`; a well-formed one has no odd flag."""
import sdpeer
import sdwire
from sdpeer import check

ODD = [(0x23, 1), (0x22, 7), (0x00, 0), (0x11, 1), (0xFF, 0xFF)]


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    ev = srv.client_event(s)
    for sid, evt in ODD:
        text = "odd sid 0x%02x evt %d" % (sid, evt)
        mark = srv.mark()
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, text, sid=sid, evt=evt))
        sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], text),
                            what="reply to sid 0x%02x evt %d" % (sid, evt))
        m = srv.wait_event("message", lambda e: e.get("id") == ev["id"],
                           since=mark)
        check(m.get("text") == text, "message text %r" % m.get("text"))
        check(m.get("odd") is True, "message event for sid 0x%02x evt %d "
              "lacks \"odd\": true: %r" % (sid, evt, m))
    mark = srv.mark()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "normal"))
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], "normal"))
    m = srv.wait_event("message", lambda e: e.get("id") == ev["id"],
                       since=mark)
    check(not m.get("odd"), "a normal message flagged odd: %r" % m)
    check(not srv.find_events("bad-frame"), "bad-frame for odd messages: %r"
          % srv.find_events("bad-frame"))
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
