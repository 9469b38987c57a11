#!/usr/bin/env python3
"""A transfer that ends short says the bytes that really came, in the
account's ended list and in its `file-failed` event: cancelled by its
sender (`cancelled`, 300000 of 1000000), cut by a disconnect
(`disconnected`, resumable from that byte), resumed on a new connection
(a new entry from the offset, the offset counted in its bytes) and
cancelled again, and a legacy upload cut by a disconnect."""
import os

import sdpeer
import sdwire
from sdpeer import check

SIZE = 1000000
DEV = sdwire.mac("02:00:00:00:01:38")
CHUNK = 50000


def send(s, xfer, start, n):
    data = os.urandom(n)
    for off in range(0, n, CHUNK):
        s.sendall(sdwire.file_chunk(xfer, start + off,
                                    data[off:off + CHUNK]))


def offer(s, xfer, key, name):
    s.sendall(sdwire.file_offer(xfer, SIZE, key, name))
    return sdwire.parse_file_accept(sdpeer.expect_frame(
        s, sdwire.T_FILE_ACCEPT))["offset"]


def ended(srv, cid, name, state, nbytes):
    t = srv.wait_transfer(lambda t: t["client"] == cid and
                          t["name"] == name, "%s ended" % name, ended=True)
    check(t["state"] == state and t["bytes"] == nbytes and
          t["size"] == SIZE and t["percent"] == nbytes * 100 // SIZE,
          "%s ended: %r, expected %s with %d bytes" % (name, t, state,
                                                      nbytes))
    ev = srv.wait_event("file-failed", lambda e: e.get("id") == cid and
                        e.get("name") == name)
    check(ev.get("bytes") == nbytes and ev.get("size") == SIZE and
          ev.get("state") == state, "file-failed: %r" % ev)
    return t


def ext_client(srv):
    s = srv.connect()
    cid = srv.client_event(s)["id"]
    sdpeer.hello(s, dev=DEV)
    return s, cid


def test():
    srv = sdpeer.Server().start()
    s, cid = ext_client(srv)

    check(offer(s, 1, 0x1111, b"cancel.bin") == 0, "offset")
    send(s, 1, 0, 300000)
    s.sendall(sdwire.file_cancel(1))
    r = sdwire.parse_file_result(sdpeer.expect_frame(s,
                                                     sdwire.T_FILE_RESULT))
    check(r["status"] == 4 and r["size"] == 300000, "RESULT %r" % r)
    t = ended(srv, cid, "cancel.bin", "cancelled", 300000)
    check(t.get("reason") == "cancelled by the client", "reason %r" % t)

    check(offer(s, 2, 0x2222, b"drop.bin") == 0, "offset")
    send(s, 2, 0, 250000)
    srv.wait_transfer(lambda t: t["name"] == "drop.bin" and
                      t["bytes"] == 250000, "250000 bytes in")
    s.close()
    t = ended(srv, cid, "drop.bin", "disconnected", 250000)
    check("resumable from byte 250000" in t.get("reason", ""),
          "reason %r" % t)

    s, cid2 = ext_client(srv)
    check(offer(s, 3, 0x2222, b"drop.bin") == 250000, "not resumed")
    t = srv.wait_transfer(lambda t: t["client"] == cid2, "resumed")
    check(t["offset"] == 250000 and t["bytes"] == 250000 and
          t["state"] == "receiving", "resumed: %r" % t)
    send(s, 3, 250000, 100000)
    s.sendall(sdwire.file_cancel(3))
    sdpeer.expect_frame(s, sdwire.T_FILE_RESULT)
    t = ended(srv, cid2, "drop.bin", "cancelled", 350000)
    check(t["offset"] == 250000, "resumed and cancelled: %r" % t)
    s.close()

    lg = srv.connect()
    lid = srv.client_event(lg)["id"]
    lg.sendall(sdwire.legacy_file_head(DEV, 0, SIZE) + b"L" * 120000)
    t = srv.wait_transfer(lambda t: t["client"] == lid and
                          t["bytes"] == 120000, "the legacy bytes in")
    lg.close()
    ended(srv, lid, t["name"], "disconnected", 120000)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
