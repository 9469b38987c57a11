#!/usr/bin/env python3
"""Files on disk: under umask 000 the server creates DIR/files 0750 and
stored files 0640. A symbolic link planted as NAME.part or as NAME is
never followed (the upload is stored under another name, the link's
target untouched), and a parked transfer whose .part was replaced by a
link does not resume into the link's target: the resumed transfer
fails, no stored name is a link."""
import os
import stat
import time

import sdpeer
import sdwire
from sdpeer import check

SIZE = 64 * 1024
HALF = 32 * 1024
VICTIM = b"the victim's bytes\n"


def start_umask0(srv):
    old = os.umask(0)
    try:
        srv.start()
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def upload(s, xfer, name, data, key):
    s.sendall(sdwire.file_offer(xfer, len(data), key, name))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    s.sendall(sdwire.file_chunk(xfer, 0, data))
    s.sendall(sdwire.file_end(xfer, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "%r: %r" % (name, r))
    return r["name"].decode()


def victim_intact(victim):
    with open(victim, "rb") as f:
        got = f.read()
    check(got == VICTIM, "the link's target was written: %r" % got[:80])


def test():
    srv = sdpeer.Server(extra=["--file-reply-format", "file upload successful!! saved as {name}"])
    start_umask0(srv)
    check(mode(srv.files_dir) == 0o750, "DIR/files is %o under umask 000"
          % mode(srv.files_dir))
    victim = os.path.join(srv.dir, "victim")
    with open(victim, "wb") as f:
        f.write(VICTIM)
    data = os.urandom(SIZE)

    s = srv.connect()
    sdpeer.hello(s)
    name = upload(s, 1, b"plain.bin", data, 0x4701)
    check(mode(os.path.join(srv.files_dir, name)) == 0o640,
          "%s is %o under umask 000" % (name,
                                       mode(os.path.join(srv.files_dir,
                                                         name))))
    leg = srv.connect()
    leg.sendall(sdwire.legacy_file(sdpeer.DEV, 5, data))
    got = sdpeer.recv_until_quiet(leg, quiet=0.5, timeout=5)
    check(got.startswith(b"file upload successful!! saved as "),
          "legacy upload: %r" % got[:100])
    lname = got.split(b" as ", 1)[1].decode()
    check(mode(os.path.join(srv.files_dir, lname)) == 0o640,
          "legacy %s is %o under umask 000"
          % (lname, mode(os.path.join(srv.files_dir, lname))))
    leg.close()

    # links planted as NAME.part and as NAME
    os.symlink(victim, os.path.join(srv.files_dir, "planted.bin.part"))
    os.symlink(victim, os.path.join(srv.files_dir, "final.bin"))
    n1 = upload(s, 2, b"planted.bin", data, 0x4702)
    n2 = upload(s, 3, b"final.bin", data, 0x4703)
    for n in (n1, n2):
        p = os.path.join(srv.files_dir, n)
        check(n not in ("planted.bin", "final.bin") and
              not os.path.islink(p), "stored as %r (a link: %s)"
              % (n, os.path.islink(p)))
        with open(p, "rb") as f:
            check(f.read() == data, "%s differs" % n)
    check(os.path.islink(os.path.join(srv.files_dir, "final.bin")),
          "the planted final.bin link was replaced")
    victim_intact(victim)

    # a parked transfer's .part replaced by a link
    ev = srv.client_event(s)
    s.sendall(sdwire.file_offer(4, SIZE, 0x4704, b"parked.bin"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    s.sendall(sdwire.file_chunk(4, 0, data[:HALF]))
    s.close()
    srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    part = os.path.join(srv.files_dir, "parked.bin.part")
    srv.wait_event("file-failed", lambda e: e.get("name") == "parked.bin")
    os.unlink(part)
    os.symlink(victim, part)
    s = srv.connect()
    sdpeer.hello(s)
    s.sendall(sdwire.file_offer(5, SIZE, 0x4704, b"parked.bin"))
    t, p = sdpeer.recv_frame(s)
    if t == sdwire.T_FILE_ACCEPT:
        off = sdwire.parse_file_accept(p)["offset"]
        s.sendall(sdwire.file_chunk(5, off, data[off:]))
        s.sendall(sdwire.file_end(5, SIZE, sdwire.xxh3_64(data)))
        t, p = sdpeer.recv_frame(s)
    if t == sdwire.T_ERROR:
        e = sdwire.parse_error(p)
        check(e["code"] == 7, "resume through a link: ERROR %r" % e)
        sdpeer.log("resume through a link refused: %r" % e["text"])
    else:
        check(t == sdwire.T_FILE_RESULT, "resume through a link: 0x%04x" % t)
        r = sdwire.parse_file_result(p)
        check(r["status"] != 0, "resume through a link stored %r" % r)
    victim_intact(victim)

    def links():
        return [n for n in os.listdir(srv.files_dir)
                if os.path.islink(os.path.join(srv.files_dir, n)) and
                n not in ("final.bin", "planted.bin.part")]
    # The refused .part is removed by the store's disk thread, which may
    # come after the answer: a bound, not a sleep.
    deadline = time.monotonic() + 10
    while links() and time.monotonic() < deadline:
        time.sleep(0.05)
    for n in links():
        p = os.path.join(srv.files_dir, n)
        check(False, "%s is a link to %s" % (n, os.path.realpath(p)))
    # the next offer starts afresh and stores (a new connection: what
    # this one sent after the failure is answered "no such transfer")
    s.close()
    s = srv.connect()
    sdpeer.hello(s)
    n = upload(s, 6, b"parked.bin", data, 0x4704)
    check(not os.path.islink(os.path.join(srv.files_dir, n)),
          "%s is a link" % n)
    victim_intact(victim)
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
