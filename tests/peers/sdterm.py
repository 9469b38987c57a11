"""sdterm: what may reach a terminal, for the peers that check escaping.

HOSTILE is text a hostile peer sends: OSC 52 (writes the clipboard),
OSC 0 (the title), ESC[2J (clears), a raw C1 CSI byte (0x9B), C1 as
UTF-8 (U+009B), a bidi override (U+202E), DEL and bytes that are not
UTF-8. raw_controls() lists what of it a terminal would act on.
"""
import socket
import subprocess
import sys
import threading

HOSTILE = (b"osc52 \x1b]52;c;SGVsbG8=\x07 title \x1b]0;pwned\x07 "
           b"clear \x1b[2J csi \x9b" b"31m c1 \xc2\x9b" b"1m "
           b"bidi \xe2\x80\xae" b"gnp.exe del \x7f bad \xff\xfe caf\xc3\xa9")

# The escaped forms (sd_esc.h) that must be seen instead.
ESCAPED = ["\\x1b]52;c;SGVsbG8=\\x07", "\\x1b]0;pwned\\x07", "\\x1b[2J",
           "\\x9b31m", "\\u{009b}1m", "\\u{202e}gnp.exe", "\\x7f",
           "\\xff\\xfe", "caf\u00e9"]

BIDI = {0x061C, 0x200E, 0x200F} | set(range(0x202A, 0x202F)) | \
    set(range(0x2066, 0x206A))


def raw_controls(data, allow=b"\n"):
    """What in data (bytes) a terminal would act on: C0 (but allow),
    DEL, C1, bidi controls, bytes that are not UTF-8."""
    bad = []
    s = data.decode("utf-8", "surrogateescape")
    for i, ch in enumerate(s):
        c = ord(ch)
        if 0xDC80 <= c <= 0xDCFF:
            bad.append("byte 0x%02x" % (c - 0xDC00))
        elif (c < 0x20 and chr(c).encode() not in allow) or \
                0x7F <= c < 0xA0 or c in BIDI:
            bad.append("U+%04X at %d" % (c, i))
    return bad


def ascii_only(data):
    """Whether data (bytes) is printable ASCII lines."""
    return all(b == 0x0A or 0x20 <= b < 0x7F for b in data)


class FakeServer:
    """A TCP (or Unix, with path) server on a thread: handler(conn) runs
    for each connection accepted."""

    def __init__(self, handler, path=None, backlog=8):
        if path is None:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
        self.sock.listen(backlog)
        self.handler = handler
        self.conns = []
        self.errors = []
        t = threading.Thread(target=self._run, daemon=True)
        t.start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._one, args=(c,),
                             daemon=True).start()

    def _one(self, c):
        try:
            self.handler(c)
        except Exception as e:      # reported by the test, not lost
            self.errors.append(repr(e))

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


# The server of OtherUser, run as another user.
_OTHER = r'''
import os, socket, sys
uid = int(sys.argv[2])
os.setgid(uid); os.setuid(uid)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        line = c.makefile("rb").readline()
        print("got %r" % line, flush=True)
        if line:
            c.sendall(sys.argv[3].encode() + b"\n")
    except OSError:
        print("got %r" % b"", flush=True)
    c.close()
'''


class OtherUser:
    """A Unix socket at path bound and served by a process of uid (the
    caller must be root): each client's first line is answered with
    reply, and got() says what the next client sent ("got b'...'", b''
    when it sent nothing)."""

    def __init__(self, path, uid, reply):
        self.p = subprocess.Popen([sys.executable, "-c", _OTHER, path,
                                   str(uid), reply], stdout=subprocess.PIPE,
                                  text=True)
        if self.p.stdout.readline().strip() != "ready":
            self.close()
            raise RuntimeError("the other user's server did not start")

    def got(self):
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.kill()
        self.p.wait()


def full_backlog(path):
    """A Unix socket at path that never accepts, its backlog filled: a
    connect to it cannot complete. The listener and the fillers, to keep
    open."""
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(0)
    fill = []
    while True:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(path)
        except BlockingIOError:
            break
        fill.append(c)
        if len(fill) >= 100:
            raise RuntimeError("the backlog never fills")
    return ls, fill
