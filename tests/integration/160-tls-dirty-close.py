#!/usr/bin/env python3
"""Devices that go away without TLS's close_notify (power lost, a reset)
in the middle of a session leave the server fine, and are told apart
from nothing: half a frame then a dirty close gives the same bad-frame
and disconnect as the same bytes and close on a plain port (`stream
ended inside a frame`, `closed by peer`); a file cut by a dirty close is
`disconnected` and resumes over TLS from where it stopped; a reset and
an orderly close (close_notify) are disconnects too. A device that only
writes readings and closes without reading a byte loses none of them,
over TLS 1.3 and 1.2: the server sends nothing it did not ask for (no
session tickets after the handshake, whose close unread would be a
reset that drops the last bytes sent). After them the TLS and plain
ports serve, and the server exits 0 under the sanitizers."""
import os
import socket
import ssl
import struct
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check

CUT = sdwire.msg(9, b"cut short")[:12]


def dirty_close(s):
    """Close the TCP connection under the TLS session: no close_notify."""
    os.close(s.detach())


def reset(s):
    """Close with a RST, no close_notify."""
    raw = socket.socket(fileno=s.detach())
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                   struct.pack("ii", 1, 0))
    raw.close()


def cut_frame(srv, s, close, what):
    """HELLO, a message answered, half a frame, close(s): the reasons of
    the bad-frame and disconnect events."""
    ev = srv.client_event(s)
    sdpeer.hello(s)
    s.sendall(sdwire.msg(1, b"whole"))
    sdpeer.expect_frame(s, sdwire.T_TEXT)
    s.sendall(CUT)
    sdpeer.expect_quiet(s, 0.3, "%s: after half a frame" % what)
    close(s)
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    b = srv.find_events("bad-frame", lambda e: e.get("id") == ev["id"])
    return [e.get("reason") for e in b], d.get("reason")


def resume_over_tls(srv, tls, pki):
    """A 1 MiB file cut by a dirty close at 512 KiB resumes over TLS."""
    data = os.urandom(1 << 20)
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    sdpeer.hello(s)
    s.sendall(sdwire.file_offer(1, len(data), 0x5151, b"cut.dat"))
    sdpeer.expect_frame(s, sdwire.T_FILE_ACCEPT)
    for off in range(0, 1 << 19, 65536):
        s.sendall(sdwire.file_chunk(1, off, data[off:off + 65536]))
    srv.wait_transfer(lambda t: t.get("bytes") == 1 << 19,
                      "half the file in")
    dirty_close(s)
    f = srv.wait_event("file-failed", lambda e: e.get("id") == ev["id"])
    check(f.get("state") == "disconnected" and f.get("bytes") == 1 << 19,
          "file cut by a dirty close: %r" % f)
    s = sdtls.connect(tls, pki)
    sdpeer.hello(s)
    s.sendall(sdwire.file_offer(2, len(data), 0x5151, b"cut.dat"))
    a = sdwire.parse_file_accept(sdpeer.expect_frame(s,
                                                     sdwire.T_FILE_ACCEPT))
    check(a["offset"] == 1 << 19, "resumed at %d, not at 512 KiB"
          % a["offset"])
    for off in range(a["offset"], len(data), 65536):
        s.sendall(sdwire.file_chunk(2, off, data[off:off + 65536]))
    sdtls.finish_file(srv, s, 2, data, "cut.dat", "resumed file")
    s.close()


def write_only(srv, tls, pki, version):
    """4 MiB of readings, then a close without reading: all stored."""
    before = sdtls.status(srv)["totals"]["readings"]
    s = sdtls.connect(tls, pki, maximum=version)
    block = sdwire.legacy_sensor(sdpeer.DEV, 2.5) * 4096
    for _ in range(60):
        s.sendall(block)
    dirty_close(s)
    deadline = time.monotonic() + 30
    while sdtls.status(srv)["totals"]["readings"] - before < 60 * 4096:
        check(time.monotonic() < deadline, "%s: %d of %d readings of a "
              "write-only device stored" % (version.name, sdtls.status(srv)[
                  "totals"]["readings"] - before, 60 * 4096))
        time.sleep(0.1)


def test():
    pki = sdtls.Pki()
    srv, plain, tls = sdtls.server(pki)
    want = cut_frame(srv, srv.connect(plain), lambda s: s.close(), "plain")
    check(want == (["stream ended inside a frame"], "closed by peer"),
          "plain port: %r" % (want,))
    got = cut_frame(srv, sdtls.connect(tls, pki), dirty_close,
                    "dirty close")
    check(got == want, "dirty close over TLS: %r; plain: %r" % (got, want))
    got = cut_frame(srv, sdtls.connect(tls, pki), reset, "reset")
    check(got[1], "reset over TLS: %r" % (got,))
    resume_over_tls(srv, tls, pki)
    write_only(srv, tls, pki, ssl.TLSVersion.TLSv1_3)
    write_only(srv, tls, pki, ssl.TLSVersion.TLSv1_2)

    # an orderly end, with close_notify
    s = sdtls.connect(tls, pki)
    ev = srv.client_event(s)
    sdpeer.hello(s)
    s.unwrap().close()
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    check(d.get("reason") == "closed by peer", "close_notify: %r" % d)

    # both ports serve, nothing counts as failed
    for port, conn in ((plain, srv.connect), (tls,
                       lambda p: sdtls.connect(p, pki))):
        s = conn(port)
        ev = srv.client_event(s)
        sdpeer.legacy_reply(s, ev["fd"], "after", "port %d after the "
                            "dirty closes" % port)
        s.close()
    st = sdtls.status(srv)["tls"]
    check(st["failed"] == 0 and st["handshakes"] == 8, "status %r" % st)
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
