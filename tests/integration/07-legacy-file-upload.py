#!/usr/bin/env python3
"""A legacy file of several MiB sent in random slices is stored under
DIR/files/ byte for byte as YYYYmmdd-HHMMSS-<id>.<ext> and answered
`file upload successful!! saved as <name>` (--file-reply-format with
{name}; the default is 02's); extension codes 0, 1, 11 and
255 give .bin, 2 .jpg, 6 .json, 10 .zip."""
import os
import random
import re
import time

import sdpeer
import sdwire
from sdpeer import check

PREFIX = b"file upload successful!! saved as "


def upload(srv, data, code, slices=True, expect_ext=None):
    s = srv.connect()
    ev = srv.client_event(s)
    blob = sdwire.legacy_file(sdpeer.DEV, code, data)
    rnd = random.Random(len(data) * 31 + code)
    t_before = time.time()
    if slices:
        i = 0
        while i < len(blob):
            n = rnd.choice([1, 2, 7, 100, 1500, 4096, 65536, 300000])
            s.sendall(blob[i:i + n])
            i += n
            if rnd.random() < 0.05:
                time.sleep(0.01)
    else:
        s.sendall(blob)
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=15)
    t_after = time.time()
    check(got.startswith(PREFIX), "code %d: answer %r" % (code, got[:200]))
    name = got[len(PREFIX):].decode()
    m = re.match(r"^(\d{8}-\d{6})-(\d+)\.([a-z0-9]+)$", name)
    check(m, "code %d: name %r is not YYYYmmdd-HHMMSS-<id>.<ext>"
          % (code, name))
    check(int(m.group(2)) == ev["id"], "code %d: id in name %r is not the "
          "client id %d" % (code, name, ev["id"]))
    check(m.group(3) == expect_ext, "code %d: extension %r, expected %r"
          % (code, m.group(3), expect_ext))
    stamp = time.mktime(time.strptime(m.group(1), "%Y%m%d-%H%M%S"))
    check(t_before - 2 <= stamp <= t_after + 2, "code %d: name time %s "
          "is not the local time of the upload" % (code, m.group(1)))
    path = os.path.join(srv.files_dir, name)
    check(os.path.isfile(path), "no file %s" % path)
    with open(path, "rb") as f:
        check(f.read() == data, "code %d: stored bytes differ" % code)
    check(not os.path.exists(path + ".part"), ".part left for %s" % name)
    srv.wait_event("file-done", lambda e: e.get("id") == ev["id"])
    s.close()
    return name


def test():
    srv = sdpeer.Server(extra=["--file-reply-format", "file upload successful!! saved as {name}"]).start()
    big = os.urandom(5 * 1024 * 1024 + 123)
    upload(srv, big, 6, expect_ext="json")
    for code, ext in [(0, "bin"), (1, "bin"), (11, "bin"), (255, "bin"),
                      (2, "jpg"), (10, "zip")]:
        upload(srv, os.urandom(1000 + code), code, slices=False,
               expect_ext=ext)
    upload(srv, b"", 5, slices=False, expect_ext="txt")
    # several uploads from one client in one send (so within a second or
    # two): none overwrites another (the original server lost them)
    s = srv.connect()
    ev = srv.client_event(s)
    datas = [os.urandom(500 + i) for i in range(3)]
    s.sendall(b"".join(sdwire.legacy_file(sdpeer.DEV, 0, d) for d in datas))
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    parts = got.split(PREFIX)
    check(parts[0] == b"" and len(parts) == 4, "three quick uploads "
          "answered %r" % got)
    names = [p.decode() for p in parts[1:]]
    check(len(set(names)) == 3, "three quick uploads stored under %r"
          % names)
    for n, d in zip(names, datas):
        check(n.startswith(time.strftime("%Y%m%d-", time.localtime())[:4]),
              "name %r" % n)
        check(("-%d" % ev["id"]) in n and n.endswith(".bin"), "name %r" % n)
        with open(os.path.join(srv.files_dir, n), "rb") as f:
            check(f.read() == d, "quick upload %s holds other bytes" % n)
    s.close()
    left = [n for n in os.listdir(srv.files_dir) if n.endswith(".part")]
    check(not left, ".part files left: %r" % left)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
