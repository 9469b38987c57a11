"""sdreg: device registry files (sockdeckd --devices) for the tests,
written from the format of sockdeckd(1) DEVICES, and the refusals a
registry answers with."""
import hashlib
import os

import sdpeer
import sdwire
from sdpeer import check


def mac_text(mac):
    return ":".join("%02x" % b for b in mac)


def line(mac, name, token=None, cert=None, cidrs="any", state="enabled"):
    """One line: a token device (token bytes: its SHA-256 is written), a
    certificate device (cert: its identity, written as is) or neither (a
    legacy device)."""
    if token is not None:
        cred = "token-sha256:" + hashlib.sha256(token).hexdigest()
    elif cert is not None:
        cred = "cert:" + cert
    else:
        cred = "-"
    return "%s %s %s %s %s" % (mac_text(mac), name, cred, cidrs, state)


def write(directory, lines, name="devices"):
    """The registry file in directory, with a comment on top; its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("# test registry\n" + "\n".join(lines) + "\n")
    return path


def big(directory, me, token, n=65536):
    """A registry near its caps: n token devices with ten CIDRs each
    (lines near 240 bytes, 65536 of them near 16 MiB), me among them
    with token (the others' tokens are not told); the file's path."""
    cidrs = ",".join(["127.0.0.0/8"] + ["10.%d.0.0/16" % i
                                        for i in range(9)])
    lines = []
    for i in range(n):
        mac = bytes([2, 0, 0, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])
        tok = token if mac == me else b"t%d" % i
        lines.append("%s dev-%05d token-sha256:%s %s enabled"
                     % (mac_text(mac), i, hashlib.sha256(tok).hexdigest(),
                        cidrs))
    path = write(directory, lines)
    sdpeer.log("registry: %d devices, %d bytes"
               % (n, os.path.getsize(path)))
    return path


def refused_ext(srv, first, what, port=None, text=b"token refused"):
    """Send bytes `first` on a new connection: ERROR code 5 with text
    ("token refused" whatever the registry's reason), then EOF."""
    s = srv.connect(port)
    s.sendall(first)
    t, p = sdpeer.recv_frame(s)
    check(t == sdwire.T_ERROR, "%s: expected ERROR, got frame 0x%04x %r"
          % (what, t, p[:60]))
    e = sdwire.parse_error(p)
    check(e["code"] == 5 and e["text"] == text,
          "%s: ERROR %d %r, expected 5 %r"
          % (what, e["code"], e["text"], text))
    sdpeer.expect_eof(s, what=what)
    s.close()


def refused_legacy(srv, frame, what):
    """A legacy frame on a new connection: closed, no byte back; the
    reason of its disconnect event."""
    s = srv.connect()
    ev = srv.client_event(s)
    s.sendall(frame)
    got = sdpeer.expect_eof(s, what=what)
    check(got == b"", "%s: answered %r" % (what, got[:100]))
    s.close()
    d = srv.wait_event("disconnect", lambda e: e.get("id") == ev["id"])
    return d.get("reason", "")


def served_then_cut(s, fd, dev, text, other, what):
    """A legacy message text from dev on s (its connect event said fd)
    gets the original's reply; one from other then closes s, no byte
    back."""
    s.sendall(sdwire.legacy_msg(dev, text))
    sdpeer.expect_bytes(s, sdpeer.reply_for(fd, text), what=what)
    s.sendall(sdwire.legacy_msg(other, "x"))
    check(sdpeer.expect_eof(s, what=what) == b"",
          "%s: answered the frame after" % what)


def status(srv):
    """ctl status's registry object."""
    return srv.ctl({"cmd": "status"})["status"]["registry"]
