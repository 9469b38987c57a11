#!/usr/bin/env python3
"""A name reused 10,000 times still stores (a camera uploading
snapshot.jpg every minute for a week): with snapshot.jpg and
"snapshot (1..9999).jpg" present, one more snapshot.jpg is accepted at
once and stored under another name, the others untouched. A name that
is taken between the offer and the last byte still stores, under
another name. An offer (or a legacy header) claiming more than the free
space of the files filesystem is refused before any body byte is sent
(a small tmpfs on DIR/files, when the test may mount one)."""
import os
import shutil
import subprocess
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check

COPIES = 10000


def send(s, xfer, name, data, key):
    """Offer, stream and end one file; the FILE_RESULT and the seconds
    the offer took to be accepted."""
    t0 = time.monotonic()
    s.sendall(sdwire.file_offer(xfer, len(data), key, name))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT))
    took = time.monotonic() - t0
    check(a["offset"] == 0, "%r accepted at %d" % (name, a["offset"]))
    s.sendall(sdwire.file_chunk(xfer, 0, data))
    s.sendall(sdwire.file_end(xfer, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    return r, took


def reused_name(srv):
    os.makedirs(srv.files_dir, exist_ok=True)
    for i in range(COPIES):
        n = "snapshot.jpg" if i == 0 else "snapshot (%d).jpg" % i
        with open(os.path.join(srv.files_dir, n), "wb") as f:
            f.write(b"old %d" % i)
    srv.start()
    s = srv.connect()
    sdpeer.hello(s)
    data = os.urandom(4096)
    r, took = send(s, 1, b"snapshot.jpg", data, 0x4601)
    sdpeer.log("offer of the 10,001st snapshot.jpg accepted in %.3fs" % took)
    check(r["status"] == 0, "10,001st snapshot.jpg: %r" % r)
    name = r["name"].decode()
    check(name.startswith("snapshot (") and name.endswith(").jpg"),
          "stored as %r" % name)
    with open(os.path.join(srv.files_dir, name), "rb") as f:
        check(f.read() == data, "%s differs" % name)
    check(took < 2.0, "the offer took %.2fs to be accepted" % took)
    check(len(os.listdir(srv.files_dir)) == COPIES + 1,
          "%d files in DIR/files" % len(os.listdir(srv.files_dir)))
    for i in (0, 1, 15, 9999):
        n = "snapshot.jpg" if i == 0 else "snapshot (%d).jpg" % i
        with open(os.path.join(srv.files_dir, n), "rb") as f:
            check(f.read() == b"old %d" % i, "%s was overwritten" % n)
    # and again: each upload of the name stores
    r, _ = send(s, 2, b"snapshot.jpg", data, 0x4602)
    check(r["status"] == 0 and r["name"].decode() != name,
          "the 10,002nd snapshot.jpg: %r" % r)

    # taken while it streams: stored under another name
    s.sendall(sdwire.file_offer(3, len(data), 0x4603, b"race.jpg"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    with open(os.path.join(srv.files_dir, "race.jpg"), "wb") as f:
        f.write(b"someone else's")
    s.sendall(sdwire.file_chunk(3, 0, data))
    s.sendall(sdwire.file_end(3, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s, sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "race.jpg taken meanwhile: %r" % r)
    name = r["name"].decode()
    check(name != "race.jpg" and name.startswith("race ("),
          "stored as %r" % name)
    with open(os.path.join(srv.files_dir, name), "rb") as f:
        check(f.read() == data, "%s differs" % name)
    with open(os.path.join(srv.files_dir, "race.jpg"), "rb") as f:
        check(f.read() == b"someone else's", "race.jpg was overwritten")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


def mount_small(path):
    if os.geteuid() != 0:
        return "not root"
    # 0750: the server refuses a files/ others may write to.
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0750",
                        "tmpfs", path], capture_output=True, text=True)
    return None if p.returncode == 0 else p.stderr.strip() or "mount failed"


def no_room():
    d = tempfile.mkdtemp(prefix="sdtest-")
    files = os.path.join(d, "files")
    os.mkdir(files)
    why = mount_small(files)
    if why is not None:
        sdpeer.part_skipped("the free-space part: cannot mount a small "
                            "tmpfs (%s); --max-file is checked by 30" % why)
        return
    srv = sdpeer.Server(data_dir=d)
    try:
        srv.start()
        s = srv.connect()
        sdpeer.hello(s)
        s.sendall(sdwire.file_offer(1, 20 << 20, 0x4610, b"huge.bin"))
        e = sdwire.parse_error(sdpeer.expect_frame(s, sdwire.T_ERROR))
        check(e["ref_type"] == sdwire.T_FILE_OFFER and b"no room" in e["text"],
              "an offer over the free space answered %r" % e)
        data = os.urandom(1 << 20)
        r, _ = send(s, 2, b"fits.bin", data, 0x4611)
        check(r["status"] == 0, "1 MiB on a 24 MiB tmpfs: %r" % r)
        s.close()
        leg = srv.connect()
        leg.sendall(sdwire.legacy_file_head(sdpeer.DEV, 5, 20 << 20))
        got = sdpeer.recv_until_quiet(leg, quiet=0.5, timeout=5)
        check(got.startswith(b"file upload failed: no room"),
              "a legacy header over the free space answered %r" % got[:200])
        leg.close()
        check(sorted(os.listdir(files)) == ["fits.bin"],
              "files: %r" % os.listdir(files))
        check(srv.stop() == 0, "exit status after SIGTERM not 0")
    finally:
        srv.kill()
        subprocess.run(["umount", files])
        shutil.rmtree(d, ignore_errors=True)


def test():
    reused_name(sdpeer.Server())
    no_room()


sdpeer.run(test)
