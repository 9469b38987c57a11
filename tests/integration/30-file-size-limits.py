#!/usr/bin/env python3
"""--max-file 16k: a legacy file above it is not stored (answered `file
upload failed: <reason>` or reported as a bad frame) and the connection
goes on; an extension offer above it is refused (ERROR
with ref_type FILE_OFFER, or FILE_RESULT status 5); files at the limit
are fine. WELCOME announces max_file."""
import os

import sdpeer
import sdwire
from sdpeer import check

LIMIT = 16 * 1024


def test():
    srv = sdpeer.Server(extra=["--max-file", "16k", "--file-reply-format", "file upload successful!! saved as {name}"]).start()
    s = srv.connect()
    es = srv.client_event(s)
    # SPEC.md: "on failure `file upload failed: <reason>`" (also over
    # --max-file, whose header is then skipped as a bad frame); the file
    # must not be stored and the connection must go on.
    s.sendall(sdwire.legacy_file(sdpeer.DEV, 5, b"x" * (LIMIT + 1)))
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "next"))
    want = sdpeer.reply_for(es["fd"], "next")
    got = sdpeer.recv_until_quiet(s, quiet=0.5, timeout=5)
    check(got.endswith(want), "no reply to a message after an oversized "
          "legacy file: %r" % got[:200])
    head = got[:-len(want)]
    check(head.startswith(b"file upload failed: ") and
          len(head) > len(b"file upload failed: "),
          "answer to a legacy file over --max-file: %r" % head[:200])
    srv.wait_event("bad-frame", lambda e: e.get("id") == es["id"])
    check(not [n for n in os.listdir(srv.files_dir)
               if not n.endswith(".part")],
          "a file was stored: %r" % os.listdir(srv.files_dir))
    s.close()
    ok = srv.connect()
    data = os.urandom(LIMIT)
    ok.sendall(sdwire.legacy_file(sdpeer.DEV, 5, data))
    got = sdpeer.recv_until_quiet(ok, quiet=0.5, timeout=5)
    check(got.startswith(b"file upload successful!! saved as "),
          "answer to a legacy file at the limit: %r" % got[:200])
    name = got.split(b" as ", 1)[1].decode()
    check(sorted(os.listdir(srv.files_dir)) == [name],
          "files: %r" % os.listdir(srv.files_dir))
    ok.close()

    x = srv.connect()
    w = sdpeer.hello(x)
    check(w["max_file"] == LIMIT, "WELCOME max_file %d with --max-file 16k"
          % w["max_file"])
    x.sendall(sdwire.file_offer(1, LIMIT + 1, 1, b"big.bin"))
    t, p = sdpeer.recv_frame(x)
    if t == sdwire.T_ERROR:
        e = sdwire.parse_error(p)
        check(e["ref_type"] == sdwire.T_FILE_OFFER, "ERROR %r" % e)
    else:
        check(t == sdwire.T_FILE_RESULT and
              sdwire.parse_file_result(p)["status"] == 5,
              "offer over --max-file answered 0x%04x %r" % (t, p[:40]))
    x.sendall(sdwire.file_offer(2, LIMIT, 2, b"fits.bin"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(x, sdwire.T_FILE_ACCEPT))
    check(a["xfer"] == 2 and a["offset"] == 0, "accept %r" % a)
    x.sendall(sdwire.file_chunk(2, 0, data))
    x.sendall(sdwire.file_end(2, LIMIT, sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(x, sdwire.T_FILE_RESULT))
    check(r["status"] == 0, "file at the limit: status %d" % r["status"])
    check(not os.path.exists(os.path.join(srv.files_dir, "big.bin")),
          "big.bin exists")
    x.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
