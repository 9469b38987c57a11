#!/usr/bin/env python3
"""A line typed on the input line and sent with Enter shows as a `you`
entry, reaches the server as that message, and the server's reply shows
as a `server` entry `[FD socket] return data => TEXT` (FD from the
server's `connect` event; the server echoes, --reply-format); the input line is empty again and the header
counts `sent 1  recv 1`. Editing (^A, ^E, ^U, Backspace) and UTF-8
text work; Up brings back a sent line. Not connected, Enter gives an
`error` entry and sends nothing (SPEC-client.md, Keys)."""
import re

import sdpeer
import sdtmux
from sdtmux import check

REPLY = "[{fd} socket] return data => {text}"


def send_line(c, text):
    c.type(text)
    c.wait_until(lambda ls: c.input_text(ls) == text,
                 "the input line to show ` > %s`" % text)
    c.keys("Enter")


def test():
    srv, c, conn = sdtmux.connected_client(
        120, 40, server=sdpeer.Server(extra=["--reply-format",
                                             sdpeer.ECHO_FMT]).start())
    fd = conn["fd"]

    text = "door 3 open"
    send_line(c, text)
    c.wait_entry("you", text, what="the `you` entry %r" % text)
    ev = srv.wait_event("message", lambda e: e.get("id") == conn["id"])
    check(ev.get("text") == text and ev.get("device") == sdtmux.CLIENT_DEV,
          "the server got %r, expected text %r from %s"
          % (ev, text, sdtmux.CLIENT_DEV))
    reply = REPLY.format(fd=fd, text=text)
    e = c.wait_entry("server", reply, what="the `server` entry %r" % reply)
    check(e.text == reply, "the `server` entry is %r, expected exactly %r:"
          "\n%s" % (e.text, reply, c.dump()))
    lines = c.screen()
    scr = c.dump(lines)
    ents = c.entries(lines)
    kinds = [(x.kind, x.text) for x in ents if x.kind in ("you", "server")]
    check(kinds[-2:] == [("you", text), ("server", reply)],
          "expected the `you` entry followed by the `server` entry, got "
          "%r:\n%s" % (kinds, scr))
    for x in ents:
        check(re.match(r"^\d\d:\d\d:\d\d$", x.time), "entry time %r is not "
              "HH:MM:SS" % x.time)
    check(c.input_text(lines) == "", "the input line is not empty after "
          "Enter: %r\n%s" % (c.input_line(lines), scr))
    c.wait_until(lambda ls: re.search(r"\bsent 1\b", c.header(ls)) and
                 re.search(r"\brecv 1\b", c.header(ls)),
                 "the header to count `sent 1  recv 1`")

    # editing: "door 7 opne" -> ^A, "the " ... -> "the door 7 open" (^A,
    # not Home: tmux sends Home as \e[1~, which xterm-256color's terminfo
    # does not know)
    c.type("door 7 opne")
    c.wait_until(lambda ls: c.input_text(ls) == "door 7 opne",
                 "typed `door 7 opne`")
    c.keys("BSpace", "BSpace", "BSpace")
    c.type("pen")
    c.keys("C-a")
    c.type("the ")
    want = "the door 7 open"
    c.wait_until(lambda ls: c.input_text(ls) == want,
                 "the edited line %r (Backspace, ^A, typing)" % want)
    c.keys("C-e")
    c.type("!")
    c.wait_until(lambda ls: c.input_text(ls) == want + "!",
                 "^E and `!`: %r" % (want + "!"))
    # Home and End as tmux sends them (\e[1~, \e[4~), whatever TERM says
    c.keys("Home")
    c.type("<")
    c.keys("End")
    c.type(">")
    c.wait_until(lambda ls: c.input_text(ls) == "<" + want + "!>",
                 "Home `<` End `>`: %r" % ("<" + want + "!>"))
    c.keys("C-a", "Delete", "C-e", "BSpace")
    c.wait_until(lambda ls: c.input_text(ls) == want + "!",
                 "Delete at the start, Backspace at the end")
    c.keys("BSpace")
    c.keys("Enter")
    c.wait_entry("server", REPLY.format(fd=fd, text=want),
                 what="the reply to the edited line")
    # ^U clears; UTF-8 text round-trips
    c.type("never sent")
    c.wait_until(lambda ls: c.input_text(ls) == "never sent", "typed text")
    c.keys("C-u")
    c.wait_until(lambda ls: c.input_text(ls) == "", "^U to empty the line")
    utext = "t\u00fcr offen \u2713 caf\u00e9"
    send_line(c, utext)
    c.wait_entry("you", utext, what="the UTF-8 `you` entry")
    ev = srv.wait_event("message", lambda e: e.get("text") == utext)
    c.wait_entry("server", REPLY.format(fd=fd, text=utext),
                 what="the reply to the UTF-8 line")
    check(not srv.find_events("message", lambda e: e.get("text") ==
                              "never sent"), "a line cleared with ^U was "
          "sent")
    # Up: the last sent line comes back, Up again the one before
    c.keys("Up")
    c.wait_until(lambda ls: c.input_text(ls) == utext,
                 "Up to bring back %r" % utext)
    c.keys("Up")
    c.wait_until(lambda ls: c.input_text(ls) == want,
                 "Up again to bring back %r" % want)
    c.keys("C-u")
    c.wait_until(lambda ls: c.input_text(ls) == "", "^U")

    # not connected: an error entry, nothing sent
    c.keys("C-d")
    c.wait_state("unconnected")
    srv.wait_event("disconnect", lambda e: e.get("id") == conn["id"])
    nerr = len(c.find_entries("error"))
    mark = srv.mark()
    send_line(c, "are you there")
    c.wait_entry("error", n=nerr + 1, what="an `error` entry for Enter "
                 "while unconnected")
    check(not srv.find_events("connect", since=mark),
          "Enter while unconnected made a connection")
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
