#!/usr/bin/env python3
"""^F opens the `Send file` picker: `Path: ` starts at the current
directory and a `/`; the listing has the directories first (with a
trailing `/`), then the files with their size, filtered by what follows
the last `/`; Tab completes the common prefix (a single directory gets
its `/`); Down + Enter on a directory opens it; Esc closes the picker; a
missing path is said in the picker, which stays open. A 64 MiB file picked by typing and
Tab, sent with Enter, shows a `file` entry with a percentage while it
streams (the server is stopped for a moment so the screen can be read
mid-transfer), then `stored as big.bin (..., xxh3 HEX verified)` with
the server's checksum, and the stored file equals the source byte for
byte. Esc during a transfer cancels it: `NAME  cancelled`, not drawn
in red: the user's own cancel is no failure (SPEC-client.md, File
picker; issue 16)."""
import os
import re
import signal
import time

import sdpeer
import sdtmux
from sdtmux import check

BIG = 64 << 20
MID = 32 << 20
PCT = re.compile(r"(?<!\d)(\d{1,3})(?:\.\d)?\s?%")
_TRAIL = "\u2502\u2503\u2551|x "


def name_rx(name):
    return re.compile(r"(?<![\w.])%s(?![\w.])" % re.escape(name))


def picker_path(lines):
    """The text after `Path: `, box borders and padding dropped."""
    for l in lines:
        m = re.search(r"Path: (.*)$", l)
        if m:
            v = m.group(1)
            while v and v[-1] in _TRAIL:
                v = v[:-1]
            return v
    return None


def picker_open(lines):
    return any("Send file" in l for l in lines[1:-3])


def first_line(lines, rx):
    """Index of the first line below the picker title matching rx (the
    `Path: ` line itself is not part of the listing)."""
    top = next((i for i, l in enumerate(lines) if "Send file" in l), 0)
    for i in range(top + 1, len(lines) - 3):
        if "Path: " not in lines[i] and rx.search(lines[i]):
            return i
    return None


def test():
    src = os.path.realpath(sdtmux.mkdtemp("sdsrc-"))
    big = os.path.join(src, "big.bin")
    sdtmux.write_random(big, BIG)
    mid = os.path.join(src, "bigger.txt")
    sdtmux.write_random(mid, MID)
    with open(os.path.join(src, "notes.txt"), "wb") as f:
        f.write(b"n" * 1234)
    for d, inner in (("sub", "inner.txt"), ("zdir", "deep.txt")):
        os.mkdir(os.path.join(src, d))
        with open(os.path.join(src, d, inner), "wb") as f:
            f.write(b"i" * 10)

    srv = sdpeer.Server().start()
    port = srv.ports[0]
    c = sdtmux.ClientTui(120, 40, args=["127.0.0.1:%d" % port],
                         cwd=src).start()
    c.wait_ready()
    c.wait_state("connected")
    srv.wait_event("hello")

    def wait_path(want, what):
        return c.wait_until(lambda ls: picker_path(ls) == want,
                            "%s: `Path: %s`" % (what, want))

    # the picker and its listing
    c.keys("C-f")
    lines = c.wait_until(lambda ls: picker_open(ls) and
                         picker_path(ls) == src + "/",
                         "^F: the `Send file` box with `Path: %s/`" % src)
    lines = c.wait_until(lambda ls: all(first_line(ls, name_rx(n))
                                        is not None for n in
                                        ("sub/", "zdir/", "big.bin",
                                         "bigger.txt", "notes.txt")),
                         "the picker to list sub/, zdir/, big.bin, "
                         "bigger.txt and notes.txt")
    scr = c.dump(lines)
    dirs = [first_line(lines, name_rx(n)) for n in ("sub/", "zdir/")]
    files = [first_line(lines, name_rx(n))
             for n in ("big.bin", "bigger.txt", "notes.txt")]
    check(max(dirs) < min(files), "the directories are not listed before "
          "the files:\n" + scr)
    for n, i in zip(("big.bin", "bigger.txt", "notes.txt"), files):
        after = name_rx(n).split(lines[i], 1)[1]
        check(re.search(r"\d", after), "the picker shows no size after "
              "%s: %r\n%s" % (n, lines[i], scr))

    # filtering and Tab: a single directory gets its `/`
    c.type("s")
    c.wait_until(lambda ls: picker_path(ls) == src + "/s" and
                 first_line(ls, name_rx("notes.txt")) is None and
                 first_line(ls, name_rx("sub/")) is not None,
                 "typing `s`: the listing filtered to sub/")
    c.keys("Tab")
    wait_path(src + "/sub/", "Tab on the single directory `sub`")
    c.wait_until(lambda ls: first_line(ls, name_rx("inner.txt"))
                 is not None, "the listing of sub/ (inner.txt)")
    c.send_keys("BSpace", "BSpace", "BSpace", "BSpace")
    wait_path(src + "/", "four Backspaces")
    # Down + Enter on a directory opens it (whichever is highlighted)
    c.wait_until(lambda ls: first_line(ls, name_rx("zdir/")) is not None,
                 "the full listing again")
    c.keys("Down")
    time.sleep(0.2)
    c.keys("Enter")
    lines = c.wait_until(lambda ls: picker_path(ls) in (src + "/sub/",
                                                        src + "/zdir/"),
                         "Down, Enter: a directory opened in the picker")
    check(picker_open(lines), "the picker closed on Enter on a directory:\n"
          + c.dump(lines))
    c.keys("Escape")
    c.wait_until(lambda ls: not picker_open(ls), "Esc to close the picker")
    check(not srv.find_events("file-start"), "a file was sent while "
          "browsing")

    # a missing path: said in the picker, which stays open to fix it
    c.keys("C-f")
    wait_path(src + "/", "^F again")
    c.type("nothere.bin")
    wait_path(src + "/nothere.bin", "typed a missing name")
    c.keys("Enter")
    lines = c.wait_until(lambda ls: picker_open(ls) and any(
        "no such file" in l for l in ls), "the picker saying `no such "
        "file or directory` for %s/nothere.bin" % src)
    c.keys("Escape")
    c.wait_until(lambda ls: not picker_open(ls), "Esc to close the "
                 "picker after the missing path")
    check(not srv.find_events("file-start"), "a missing path started a "
          "transfer")

    # Tab completes the common prefix: b -> big, then big. -> big.bin
    c.keys("C-f")
    wait_path(src + "/", "^F again")
    c.type("b")
    c.wait_until(lambda ls: picker_path(ls) == src + "/b" and
                 first_line(ls, name_rx("notes.txt")) is None,
                 "typing `b`: the listing filtered to big.bin, bigger.txt")
    c.keys("Tab")
    wait_path(src + "/big", "Tab with big.bin and bigger.txt: the common "
              "prefix")
    c.type(".")
    c.keys("Tab")
    wait_path(src + "/big.bin", "`.` and Tab")

    # send it; stop the server right after it accepts, to read the
    # in-flight entry
    mark = srv.mark()
    c.keys("Enter")
    st = srv.wait_event("file-start", lambda e: e.get("name") == "big.bin",
                        since=mark, timeout=15)
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        lines = c.wait_until(
            lambda ls: any(name_rx("big.bin").search(e.text) and
                           PCT.search(e.text) for e in
                           c.entries(ls, "file")),
            "a `file` entry for big.bin with a percentage while it "
            "streams")
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    check(not picker_open(lines), "the picker is still open after Enter "
          "on a file:\n" + c.dump(lines))
    e = [x for x in c.entries(lines, "file")
         if name_rx("big.bin").search(x.text) and PCT.search(x.text)][-1]
    pct = int(PCT.search(e.text).group(1))
    check(pct < 100, "the in-flight entry says %d%% while the server "
          "held the transfer:\n%s" % (pct, c.dump(lines)))
    check(st.get("size") == BIG, "file-start size %r" % st.get("size"))
    done = srv.wait_event("file-done", lambda ev: ev.get("name") ==
                          "big.bin", since=mark, timeout=30)
    e = c.wait_entry("file", re.compile(r"big\.bin\s+stored as big\.bin "
                                        r"\(.*xxh3 [0-9a-f]{16} verified"),
                     timeout=15, what="`big.bin  stored as big.bin (SIZE, "
                     "xxh3 HEX verified)`")
    hexsum = re.search(r"xxh3 ([0-9a-f]{16})", e.text).group(1)
    check(hexsum == done.get("xxh3"), "the screen says xxh3 %s, the server "
          "computed %s" % (hexsum, done.get("xxh3")))
    stored = os.path.join(srv.files_dir, "big.bin")
    check(os.path.exists(stored), "no %s" % stored)
    check(os.path.getsize(stored) == BIG and sdtmux.same_file(stored, big),
          "the stored big.bin differs from the source")

    # Esc while a file is in flight cancels it
    mark = srv.mark()
    c.keys("C-f")
    wait_path(src + "/", "^F again")
    c.type("bigger.txt")
    wait_path(src + "/bigger.txt", "typed bigger.txt")
    # The server is stopped first: on loopback a 32 MiB file is stored
    # in milliseconds, before any key could cancel it. The offer waits
    # in the socket, the entry shows the file in flight, Esc cancels.
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        c.keys("Enter")
        c.wait_until(lambda ls: any("bigger.txt" in e.text and
                                    PCT.search(e.text)
                                    for e in c.entries(ls, "file")),
                     "the in-flight entry for bigger.txt")
        c.keys("Escape")
        c.wait_entry("file", re.compile(r"bigger\.txt\s+cancelled"),
                     timeout=15, what="`bigger.txt  cancelled` after Esc")
        check(sdtmux.red_line(c.screen(escapes=True), "cancelled") is
              False, "the cancelled entry is drawn in red:\n" + c.dump())
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    srv.wait_event("file-start", lambda e: e.get("name") == "bigger.txt",
                   since=mark, timeout=15)
    srv.wait_event("file-failed", lambda e: e.get("name") ==
                   "bigger.txt", since=mark, timeout=15)
    check(not srv.find_events("file-done", lambda e: e.get("name") ==
                              "bigger.txt", since=mark),
          "the cancelled file was stored anyway")
    check(not os.path.exists(os.path.join(srv.files_dir, "bigger.txt")),
          "a complete bigger.txt is in the server's files after Esc")
    check(c.state() == "connected", "not connected after the cancel:\n"
          + c.dump())
    c.keys("F10")
    check(c.wait_exit() == 0, "F10: exit status not 0")
    check(srv.stop() == 0, "server exit status after SIGTERM not 0")


sdtmux.run(test, deadline=80)
