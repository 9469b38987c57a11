#!/usr/bin/env python3
"""Extension file names are made safe and stay inside DIR/files: directory
parts and `..` removed (`../../etc/passwd` -> `passwd`), no `/`, no
control characters, no leading dot (`.bashrc` -> `_bashrc`), no trailing
dot or space (`report.` -> `report`), Windows device names get a leading
`_` (`con.txt` -> `_con.txt`), stored in Unicode NFC (a name sent in NFD,
as macOS writes it, is its composed twin's name), at most 200 bytes cut
after normalising; a collision gets ` (1)`, ` (2)` before the
extension."""
import os
import unicodedata

import sdpeer
import sdwire
from sdpeer import check


def send_file(s, xfer, name, data):
    s.sendall(sdwire.file_offer(xfer, len(data), 0xA000 + xfer, name))
    t, p = sdpeer.recv_frame(s)
    if t == sdwire.T_ERROR:
        return None
    if t == sdwire.T_FILE_RESULT:   # refused with status 5
        r = sdwire.parse_file_result(p)
        check(r["status"] == 5, "offer of %r answered RESULT %r" % (name, r))
        return None
    check(t == sdwire.T_FILE_ACCEPT, "offer of %r answered 0x%04x"
          % (name, t))
    check(sdwire.parse_file_accept(p)["offset"] == 0, "offset not 0")
    s.sendall(sdwire.file_chunk(xfer, 0, data))
    s.sendall(sdwire.file_end(xfer, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s,
                                                     sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "%r: status %d" % (name, r["status"]))
    return r["name"]


def inside(srv, name):
    """The stored file is a regular file directly in DIR/files."""
    n = name.decode("utf-8")
    check("/" not in n and n not in ("", ".", ".."), "unsafe name %r" % n)
    check(not any(ord(c) < 0x20 or ord(c) == 0x7f for c in n),
          "control character in %r" % n)
    check(len(name) <= 200, "name of %d bytes (max 200)" % len(name))
    path = os.path.join(srv.files_dir, n)
    real = os.path.realpath(path)
    check(os.path.dirname(real) == os.path.realpath(srv.files_dir),
          "%r resolves outside DIR/files: %s" % (n, real))
    check(os.path.isfile(path), "no regular file %s" % path)
    return path


def test():
    srv = sdpeer.Server().start()
    s = srv.connect()
    sdpeer.hello(s)
    xfer = 0

    def put(name, data=None):
        nonlocal xfer
        xfer += 1
        data = data if data is not None else os.urandom(100 + xfer)
        stored = send_file(s, xfer, name, data)
        if stored is not None:
            with open(inside(srv, stored), "rb") as f:
                check(f.read() == data, "%r: stored bytes differ" % name)
        return stored

    got = put(b"../../etc/passwd")
    check(got == b"passwd", "../../etc/passwd stored as %r, expected "
          "'passwd' (directory parts removed)" % got)
    check(not os.path.exists(os.path.join(srv.dir, "etc")),
          "an etc directory appeared in DIR")
    got = put(b"/abs/path/x.txt")
    check(got == b"x.txt", "/abs/path/x.txt stored as %r" % got)
    got = put(b"sub/dir/y.txt")
    check(got == b"y.txt", "sub/dir/y.txt stored as %r" % got)
    got = put(b"ev\x01il\x1b[31m\nname\x7f.txt")
    check(got is not None, "a name with control characters was refused")
    check(b"\x01" not in got and b"\x1b" not in got and b"\n" not in got,
          "control characters kept: %r" % got)
    # control bytes hidden after a UTF-8 lead byte, a C1 control (CSI),
    # and bytes that are not UTF-8 at all
    got = put(b"a\xc2\nb\xe0\x1b[31mc.txt")
    check(got is not None and b"\n" not in got and b"\x1b" not in got,
          "controls after a lead byte kept: %r" % got)
    got.decode("utf-8")     # what is stored is UTF-8
    got = put(b"\xc2\x9bevil.txt")
    check(got is not None and b"\xc2\x9b" not in got,
          "a C1 control (U+009B) kept: %r" % got)
    got = put(b"caf\xe9.txt")          # Latin-1
    check(got == b"caf_.txt", "a byte that is not UTF-8 stored as %r, "
          "expected 'caf_.txt'" % got)
    # a bidi override would make "x\u202egnp.exe" read as "xexe.png"
    got = put("x\u202egnp.exe".encode())
    check(got == b"xgnp.exe", "bidi override kept: %r" % got)
    got = put(b"a" * 300 + b".txt")
    check(got is not None and len(got) <= 200 and got.endswith(b".txt"),
          "300-byte name stored as %r (too long, or lost its .txt)" % got)
    got = put(("\u00e9" * 150 + ".txt").encode())
    check(got is not None and len(got) <= 200 and got.endswith(b".txt"),
          "a long UTF-8 name stored as %r" % got)
    got.decode("utf-8")     # never a character cut in half
    # what a restart removes is never a finished file's name
    got = put(b"notes.part")
    check(got is not None and not got.endswith(b".part"),
          "a finished file stored as %r: a restart would remove it" % got)
    # nor when cutting a long name would end it in ".part"
    got = put(b"x" * 195 + b".part" + b"y" * 20)
    check(got == b"x" * 195 + b".par", "a long name cut to %r, expected "
          "195 x and '.par' (never '.part')" % got)
    # Exact names: no stored name starts with a dot (no hidden files,
    # no "." or ".."), a backslash is a directory separator too, and an
    # empty name becomes "file".
    # A trailing dot or space goes (Windows drops them, so "a." and "a"
    # would be one file on a share): ".." is "_", then "." collides.
    for evil, want in ((b".bashrc", b"_bashrc"), (b"..", b"_"),
                       (b".", b"_ (1)"), (b"../..", b"_ (2)"),
                       (b"", b"file"),
                       (b"/", b"file (1)"), (b"dir\\win.txt", b"win.txt"),
                       (b"...x", b"_..x"), (b"report.", b"report"),
                       (b"report. . .", b"report (1)"),
                       (b"memo.part ", b"memo.part_"),
                       (b"memo.txt ", b"memo.txt")):
        got = put(evil)
        check(got == want, "%r stored as %r, expected %r" % (evil, got,
                                                            want))
    # Windows device names, any case, with or without an extension, get
    # a leading "_" (stored files are shared to Windows over Samba);
    # names that only look alike are kept.
    for evil, want in ((b"CON", b"_CON"), (b"con.txt", b"_con.txt"),
                       (b"NUL", b"_NUL"), (b"Com1.log", b"_Com1.log"),
                       (b"lpt9.tar.gz", b"_lpt9.tar.gz"),
                       (b"aux.", b"_aux"), (b"prn .txt", b"_prn .txt"),
                       (b"x/Nul", b"_Nul"),
                       (b"COM10", b"COM10"), (b"console.txt",
                                              b"console.txt")):
        got = put(evil)
        check(got == want, "%r stored as %r, expected %r" % (evil, got,
                                                            want))
    # Unicode NFC: the NFD twin (e + U+0301) of a stored NFC name is the
    # same name, so it gets " (1)" and a listing never shows two names
    # that look the same; a name sent only in NFD is stored composed.
    nfc = "r\u00e9sum\u00e9.txt".encode()
    nfd = "re\u0301sume\u0301.txt".encode()
    got = put(nfc)
    check(got == nfc, "an NFC name stored as %r" % got)
    got = put(nfd)
    check(got == "r\u00e9sum\u00e9 (1).txt".encode(), "its NFD twin "
          "stored as %r, expected %r" % (got, "r\u00e9sum\u00e9 (1).txt"))
    got = put("Cafe\u0301 A\u030angstro\u0308m".encode())
    check(got == "Caf\u00e9 \u00c5ngstr\u00f6m".encode(),
          "an NFD-only name stored as %r, expected its NFC bytes" % got)
    # long and NFD: 450 bytes, 300 once composed, cut to 98 whole
    # characters and .txt (cut before composing, it would be 65)
    got = put(("o\u0308" * 150 + ".txt").encode())
    check(got == ("\u00f6" * 98 + ".txt").encode(), "a long NFD name "
          "stored as %r" % got)
    listing = sorted(os.listdir(srv.files_dir))
    for f in listing:
        n = os.fsdecode(f)
        check(unicodedata.normalize("NFC", n) == n,
              "a stored name is not NFC: %r" % n)
    got = put("caf\u00e9 \u2713.txt".encode())
    check(got == "caf\u00e9 \u2713.txt".encode(),
          "a harmless UTF-8 name was changed to %r" % got)

    # collisions
    check(put(b"dup.txt") == b"dup.txt", "first dup.txt renamed")
    check(put(b"dup.txt") == b"dup (1).txt", "second dup.txt not 'dup (1)"
          ".txt'")
    check(put(b"dup.txt") == b"dup (2).txt", "third dup.txt not 'dup (2)"
          ".txt'")
    check(put(b"noext") == b"noext", "noext renamed")
    check(put(b"noext") == b"noext (1)", "second noext not 'noext (1)'")

    # nothing outside DIR/files but the documented entries
    for root, dirs, files in os.walk(srv.dir):
        for f in files:
            p = os.path.join(root, f)
            check(os.path.realpath(p).startswith(os.path.realpath(srv.dir)),
                  "file outside DIR: %s" % p)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
