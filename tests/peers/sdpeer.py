"""sdpeer: a small harness for the sockdeckd integration tests.

Each test script starts its own sockdeckd (the binary named by $SOCKDECKD)
on free loopback ports in a temporary data directory, talks to it with
exact bytes (sdwire), and stops it. Standard library only.

    import sdpeer, sdwire

    def test():
        srv = sdpeer.Server(nports=2)
        srv.start()
        s = srv.connect(srv.ports[0])
        ...
        assert srv.stop() == 0

    sdpeer.run(test)

run() keeps the exit status at 1 until the test function returns, prints a
clear message on failure, enforces a global deadline and always kills every
server this process started.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import sdwire

DEV = sdwire.mac("aa:bb:cc:dd:ee:ff")
DEV_STR = "aa:bb:cc:dd:ee:ff"
# sockdeckd's default answer to a message: the original v2.9 server's,
# the text left out; ECHO_FMT is its first version's (--reply-format).
REPLY_FMT = "[{fd} socket] message return success"
ECHO_FMT = "[{fd} socket] return data => {text}"

_servers = []


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def part_skipped(msg):
    """Part of a test cannot run here (a tool missing, not root). Said in
    the log on a developer's machine; a failure in CI (CI set), where
    tools/deps installs everything and nothing may pass short."""
    if os.environ.get("CI"):
        fail("in CI nothing is skipped: " + msg)
    log("SKIPPED " + msg)


def skip(msg):
    """Exit 77, meson's `skipped`, saying why."""
    print("SKIP %s: %s" % (os.path.basename(sys.argv[0]), msg),
          file=sys.stderr)
    sys.exit(77)


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def binary():
    b = os.environ.get("SOCKDECKD")
    if not b:
        fail("SOCKDECKD is not set (path to the sockdeckd binary)")
    if not os.access(b, os.X_OK):
        fail("SOCKDECKD=%s is not an executable file" % b)
    return b


# ---------------------------------------------------------------- ports

def _port_free(port):
    # SO_REUSEADDR as sockdeckd's listeners have it: a port that only
    # TIME_WAIT sockets hold (after a test with thousands of clients) is
    # free for the server.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_ports(n, consecutive=True):
    """n free loopback ports; consecutive ones (a range) by default."""
    if not consecutive:
        out = set()
        while len(out) < n:
            out.add(free_port())
        return sorted(out)
    # Small ranges where the kernel hands out free ports; long ones below
    # the ephemeral range too, where other tests' client sockets cannot
    # be sitting (thousands of them leave no 100-port gap up there).
    for i in range(400):
        base = free_port() if i < 200 else random.randrange(20000, 32000)
        if base + n > 65535:
            continue
        if all(_port_free(base + k) for k in range(0 if i >= 200 else 1,
                                                    n)):
            return list(range(base, base + n))
    fail("could not find %d consecutive free ports" % n)


def port_spec(ports):
    """[5000,5001,5002,6000] -> '5000-5002,6000'."""
    ports = sorted(ports)
    parts = []
    i = 0
    while i < len(ports):
        j = i
        while j + 1 < len(ports) and ports[j + 1] == ports[j] + 1:
            j += 1
        parts.append(str(ports[i]) if i == j
                     else "%d-%d" % (ports[i], ports[j]))
        i = j + 1
    return ",".join(parts)


# --------------------------------------------------------------- server

class Server:
    """One sockdeckd process.

    ports: list of ports (default: nports consecutive free ones).
    extra: extra command-line arguments.
    with_ports / with_bind: pass --ports / --bind (tests of --config turn
    them off).
    expect_listen: ports to wait a `listen` event for (default: all).
    """

    def __init__(self, ports=None, nports=1, extra=(), with_ports=True,
                 with_bind=True, expect_listen=None, data_dir=None, env=None):
        self.env = dict(env or {})
        self.ports = list(ports) if ports is not None else free_ports(nports)
        # Ports chosen here may be taken by a test beside this one before
        # the server binds them: then start() tries others.
        self._auto_ports = ports is None and expect_listen is None
        self.extra = list(extra)
        self.with_ports = with_ports
        self.with_bind = with_bind
        self.expect_listen = (list(expect_listen) if expect_listen is not None
                              else list(self.ports))
        self._own_dir = data_dir is None
        self.dir = data_dir or tempfile.mkdtemp(prefix="sdtest-")
        self.proc = None
        self.events = []          # every JSON event, in order
        self.raw_lines = []       # stdout lines that were not JSON
        self.stderr_lines = []
        self._cond = threading.Condition()
        self._threads = []
        self.returncode = None
        _servers.append(self)

    # paths
    @property
    def files_dir(self):
        return os.path.join(self.dir, "files")

    @property
    def sensors_dir(self):
        return os.path.join(self.dir, "sensors")

    @property
    def control_path(self):
        for i, a in enumerate(self.extra):
            if a == "--control" and i + 1 < len(self.extra):
                return self.extra[i + 1]
            if a.startswith("--control="):
                return a.split("=", 1)[1]
        return os.path.join(self.dir, "control.sock")

    @property
    def pid(self):
        return self.proc.pid

    def argv(self):
        a = [binary(), "--headless", "--log-format", "json",
             "--data-dir", self.dir]
        if self.with_bind:
            a += ["--bind", "127.0.0.1"]
        if self.with_ports:
            a += ["--ports", port_spec(self.ports)]
        return a + self.extra

    def start(self, wait=True, timeout=10.0):
        for _ in range(4):
            self._spawn()
            if not wait:
                return self
            if not (self._auto_ports and self._port_taken(timeout)):
                break
            log("a port was taken before the server bound it: new ports")
            self.proc.kill()
            self.proc.wait()
            for t in self._threads:
                t.join(5)
            with self._cond:
                self.events, self.raw_lines, self.stderr_lines = [], [], []
            self.ports = free_ports(len(self.ports))
            self.expect_listen = list(self.ports)
        for p in self.expect_listen:
            self.wait_event("listen", lambda e, p=p: e.get("port") == p,
                            timeout=timeout)
        return self

    def _port_taken(self, timeout):
        """Wait until every port listens (False) or one could not be bound
        for being in use (True)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while time.monotonic() < deadline:
                evs = self.events
                if any(e.get("event") == "listen-failed" and
                       "in use" in str(e.get("reason", "")) for e in evs):
                    return True
                up = {e.get("port") for e in evs if e.get("event") ==
                      "listen"}
                if all(p in up for p in self.expect_listen):
                    return False
                if (self.proc.poll() is not None
                        and not self._threads[0].is_alive()):
                    return False
                self._cond.wait(0.1)
        return False

    def _spawn(self):
        argv = self.argv()
        log("starting: " + " ".join(argv))
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     env=env,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        t1 = threading.Thread(target=self._read_stdout, daemon=True)
        t2 = threading.Thread(target=self._read_stderr, daemon=True)
        t1.start()
        t2.start()
        self._threads = [t1, t2]

    def _read_stdout(self):
        for line in self.proc.stdout:
            line = line.decode("utf-8", "replace").rstrip("\n")
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
                if not isinstance(ev, dict):
                    raise ValueError
            except ValueError:
                with self._cond:
                    self.raw_lines.append(line)
                    self._cond.notify_all()
                continue
            with self._cond:
                self.events.append(ev)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _read_stderr(self):
        for line in self.proc.stderr:
            with self._cond:
                self.stderr_lines.append(
                    line.decode("utf-8", "replace").rstrip("\n"))

    # events
    def mark(self):
        """Index to pass as `since` to wait only for later events."""
        with self._cond:
            return len(self.events)

    def find_events(self, name, pred=None, since=0):
        with self._cond:
            evs = list(self.events[since:])
        return [e for e in evs if e.get("event") == name
                and (pred is None or pred(e))]

    def wait_event(self, name, pred=None, timeout=10.0, since=0):
        """The first event `name` (matching pred) at index >= since; fails
        after timeout seconds or when the server exits first."""
        deadline = time.monotonic() + timeout
        i = since
        with self._cond:
            while True:
                while i < len(self.events):
                    e = self.events[i]
                    i += 1
                    if e.get("event") == name and (pred is None or pred(e)):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if (self.proc.poll() is not None
                        and not self._threads[0].is_alive()):
                    break
                self._cond.wait(min(left, 0.2))
        status = self.proc.poll()
        fail("no `%s` event within %.1fs%s; recent events: %s; stderr: %s"
             % (name, timeout,
                "" if status is None else " (server exited with %s)" % status,
                self._recent(), self.stderr_text()[-800:]))

    def wait_events(self, name, n, pred=None, timeout=10.0, since=0):
        deadline = time.monotonic() + timeout
        while True:
            evs = self.find_events(name, pred, since)
            if len(evs) >= n:
                return evs
            if time.monotonic() > deadline:
                fail("only %d of %d `%s` events within %.1fs"
                     % (len(evs), n, name, timeout))
            time.sleep(0.02)

    def _recent(self, n=8):
        with self._cond:
            return json.dumps(self.events[-n:])

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.stderr_lines)

    def client_event(self, sock, timeout=10.0):
        """The `connect` event of our socket, matched by its local port and
        the server port (two sockets to different server ports may share a
        local port)."""
        lp = sock.getsockname()[1]
        rp = sock.getpeername()[1]
        return self.wait_event("connect", lambda e: e.get("peer_port") == lp
                               and e.get("port") == rp, timeout=timeout)

    # sockets
    def connect(self, port=None, timeout=10.0, nodelay=True, rcvbuf=None):
        return connect(port if port is not None else self.ports[0],
                       timeout=timeout, nodelay=nodelay, rcvbuf=rcvbuf)

    def ctl(self, req, timeout=10.0):
        return ctl(self.control_path, req, timeout=timeout)

    def control(self, timeout=10.0):
        return Control(self.control_path, timeout=timeout)

    def wait_transfer(self, pred, what, ended=False, timeout=10.0):
        """The first entry of the transfer account ({"cmd":"transfers"}:
        in flight, or ended when ended) for which pred holds, asked
        every 50 ms; fails after timeout with the last answer."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.ctl({"cmd": "transfers"})
            for t in r.get("ended" if ended else "transfers", []):
                if pred(t):
                    return t
            if time.monotonic() > deadline:
                fail("%s: not within %.1fs; transfers: %s"
                     % (what, timeout, json.dumps(r)[-1500:]))
            time.sleep(0.05)

    # readings
    def readings_lines(self):
        # While the server runs its spool writer may be in the middle of a
        # write: a reader can see the first bytes of a line without its
        # end. Once it has exited, every line must be whole.
        return readings_lines(self.sensors_dir, in_flight=self.alive())

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        fail("no VmRSS in /proc/%d/status" % self.proc.pid)

    # stopping
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=10.0):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("server (pid %d) still running after %.1fs"
                 % (self.proc.pid, timeout))
        for t in self._threads:
            t.join(2.0)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Send sig, wait up to timeout (then SIGKILL); the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                for t in self._threads:
                    t.join(2.0)
                fail("server did not exit within %.1fs of signal %d"
                     % (timeout, sig))
        for t in self._threads:
            t.join(2.0)
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except Exception:
                pass

    def cleanup(self):
        self.kill()
        if self._own_dir and not os.environ.get("SDPEER_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def sockdeck(*args, timeout=60):
    """Run the client binary ($SOCKDECK) with args; its CompletedProcess
    (text stdout and stderr)."""
    b = os.environ.get("SOCKDECK")
    check(b and os.access(b, os.X_OK), "SOCKDECK is not set (path to the "
          "sockdeck binary)")
    return subprocess.run([b] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def run_cli(args, timeout=10.0, input=None):
    """Run the sockdeckd binary with args (no server harness); returns
    (status, stdout, stderr) as text. Kills it on timeout."""
    argv = [binary()] + list(args)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if input else
                         subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("`%s` did not finish within %.1fs; stdout: %r stderr: %r"
             % (" ".join(argv), timeout, out[-400:], err[-400:]))
    return (p.returncode, out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"))


# -------------------------------------------------------------- sockets

def connect(port, host="127.0.0.1", timeout=10.0, nodelay=True, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def connect_from(src, port, host="127.0.0.1", timeout=5.0):
    """A connection from local address src (127.0.0.2, 127.0.0.3: other
    peers on loopback) to host:port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    return s


def recv_exact(sock, n, timeout=10.0):
    """Exactly n bytes, or a failure naming what did arrive."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            fail("timed out after %.1fs waiting for %d bytes; got %d: %r"
                 % (timeout, n, len(buf), bytes(buf[:200])))
        sock.settimeout(left)
        try:
            chunk = sock.recv(min(n - len(buf), 1 << 20))
        except socket.timeout:
            continue
        except ConnectionResetError:
            fail("connection reset after %d of %d bytes: %r"
                 % (len(buf), n, bytes(buf[:200])))
        if not chunk:
            fail("EOF after %d of %d bytes: %r" % (len(buf), n,
                                                   bytes(buf[:200])))
        buf += chunk
    return bytes(buf)


def expect_bytes(sock, expected, timeout=10.0, what="reply"):
    if isinstance(expected, str):
        expected = expected.encode()
    got = recv_exact_or_partial(sock, len(expected), timeout)
    if got != expected:
        fail("%s: expected %r, got %r" % (what, expected, got))
    return got


def recv_exact_or_partial(sock, n, timeout=10.0):
    """Up to n bytes: stops at n, EOF or the timeout (no failure)."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def answered(sock, dev, text):
    """Send a legacy message from dev and say whether its echo came back
    (a server run with ECHO_FMT)."""
    sock.sendall(sdwire.legacy_msg(dev, text))
    return text.encode() in recv_until_quiet(sock, quiet=0.3, timeout=5)


def legacy_reply(sock, fd, text, what="reply", timeout=10.0):
    """Send a legacy message of text from DEV on sock, whose connect event
    said fd: the default reply (REPLY_FMT) comes."""
    sock.sendall(sdwire.legacy_msg(DEV, text))
    expect_bytes(sock, reply_for(fd, text), timeout, what)


def quietly(fn):
    """Run one client's script; the server may close it at any step."""
    try:
        fn()
    except (OSError, TestFailure):
        pass


def recv_some(sock, t=0.3):
    """What one recv brings within t seconds (b"" on a timeout or an
    error)."""
    sock.settimeout(t)
    try:
        return sock.recv(1 << 16)
    except OSError:
        return b""


def recv_until_quiet(sock, quiet=0.3, timeout=5.0):
    """Whatever arrives until nothing came for `quiet` seconds (or EOF, or
    the overall timeout)."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(min(quiet, left))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def expect_quiet(sock, quiet=0.4, what="socket"):
    extra = recv_until_quiet(sock, quiet=quiet, timeout=quiet + 0.5)
    if extra:
        fail("%s: unexpected bytes %r" % (what, extra[:200]))


def expect_eof(sock, timeout=5.0, what="socket"):
    """The peer closes (EOF or reset) within timeout; data before it is
    returned."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            fail("%s: no EOF within %.1fs (got %r)"
                 % (what, timeout, bytes(buf[:200])))
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return bytes(buf)
        if not chunk:
            return bytes(buf)
        buf += chunk


def recv_frame(sock, timeout=10.0):
    """One framed answer: (type, payload)."""
    hdr = recv_exact(sock, 6, timeout)
    ftype, length = sdwire.HDR.unpack(hdr)
    if length > 64 << 20:
        fail("frame type 0x%04x claims %d bytes" % (ftype, length))
    return ftype, recv_exact(sock, length, timeout)


def expect_frame(sock, ftype, timeout=10.0, skip=()):
    """The next frame, which must be ftype (frames of types in skip are
    passed over)."""
    while True:
        t, p = recv_frame(sock, timeout)
        if t in skip:
            continue
        if t != ftype:
            extra = ""
            if t == sdwire.T_ERROR:
                extra = " %r" % (sdwire.parse_error(p),)
            fail("expected frame 0x%04x, got 0x%04x%s payload %r"
                 % (ftype, t, extra, p[:100]))
        return p


def reply_for(fd, text, fmt=REPLY_FMT):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return fmt.replace("{fd}", str(fd)).replace("{text}", text).encode()


def capture(answer, want=None):
    """A listener on 127.0.0.1 that records one connection's bytes (a
    stand-in for the original server, for the client's bytes); it sends
    `answer` after each read, or once `want` bytes are in. (listener,
    the bytes, its thread)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    got = bytearray()

    def run():
        c, _ = ls.accept()
        c.settimeout(5)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got.extend(b)
                if answer and (want is None or len(got) == want):
                    c.sendall(answer)
                    answer_sent.set()
        except OSError:
            pass
        c.close()
    answer_sent = threading.Event()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return ls, got, t


def hello(sock, dev=DEV, name=b"peer", timeout=10.0):
    """HELLO -> the parsed WELCOME."""
    sock.sendall(sdwire.hello(dev, name))
    return sdwire.parse_welcome(expect_frame(sock, sdwire.T_WELCOME,
                                             timeout))


def slowfs_env(ms, log=None, count=None, match=None):
    """The environment that preloads sd_slowfs (SD_SLOWFS names it) into
    a server: ms per write to a file whose path holds match (default the
    shim's own, /files/), the first count writes only when given, each
    logged to log when given."""
    shim = os.environ.get("SD_SLOWFS")
    check(shim and os.path.exists(shim), "SD_SLOWFS is not the shim: %r"
          % shim)
    env = {"LD_PRELOAD": shim, "SD_SLOWFS_MS": str(ms)}
    for k, v in (("SD_SLOWFS_LOG", log), ("SD_SLOWFS_COUNT", count),
                 ("SD_SLOWFS_MATCH", match)):
        if v is not None:
            env[k] = str(v)
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "verify_asan_link_order=0"
    return env


def timed(what, fn, why, limit=1.0):
    """fn()'s result; fails unless it returned within limit seconds
    ("WHAT took N ms WHY"). For tests of what the loop must not wait
    for: blocked, it answers after the slow thing; free, within a
    millisecond, so a second leaves room for a loaded machine."""
    t0 = time.monotonic()
    r = fn()
    took = time.monotonic() - t0
    check(took < limit, "%s took %.0f ms %s" % (what, took * 1000, why))
    return r


def slow_server(ms, log=None, count=None, match=None, extra=()):
    """A started Server with sd_slowfs preloaded (slowfs_env)."""
    env = slowfs_env(ms, log, count, match)
    keys = list(env) + ["SD_SLOWFS_COUNT", "SD_SLOWFS_MATCH",
                        "SD_SLOWFS_LOG"]
    saved = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ.pop(k, None)
    os.environ.update(env)
    try:
        return Server(extra=list(extra)).start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Flood:
    """n connections to port, each sending blocks of legacy sensor frames
    flat out (one device each) from a thread until stop(); sent[i] counts
    connection i's bytes. For tests of the server under load (96, 98,
    tui 33, 35)."""

    def __init__(self, port, n, host="127.0.0.1"):
        self.port, self.host = port, host
        self.sent = [0] * n
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,),
                                          daemon=True) for i in range(n)]

    def _run(self, i):
        dev = sdwire.mac("02:00:00:00:%02x:%02x" % (i >> 8, i & 0xff))
        block = b"".join(sdwire.legacy_sensor(dev, float(k))
                         for k in range(4096))
        view, off = memoryview(block), 0
        try:
            s = connect(self.port, self.host, timeout=30.0)
        except OSError:
            return
        # Short timeouts, so stop() is heard while the server holds the
        # sender back; send() and an offset keep the frames whole.
        s.settimeout(0.5)
        try:
            while not self._stop.is_set():
                try:
                    n = s.send(view[off:])
                except socket.timeout:
                    continue
                self.sent[i] += n
                off = (off + n) % len(block)
        except OSError:
            pass
        finally:
            s.close()

    def start(self, timeout=10.0):
        """Start every sender; return once each has sent a block."""
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + timeout
        while not all(self.sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(all(self.sent), "flooders could not send: %r" % self.sent)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(30)
        return sum(self.sent)


class Steady:
    """A thread that sends frame(i) on sock n times a second, on a
    schedule (a late send is made up at once, so the rate holds whatever
    a send costs), and reads and drops what comes back, until stop().
    For tests of the server's rates (139, tui 78)."""

    def __init__(self, sock, n, frame):
        self.sock, self.n, self.frame = sock, n, frame
        self.sent = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, daemon=True),
                         threading.Thread(target=self._drain, daemon=True)]

    def _send(self):
        t0 = time.monotonic()
        while not self._stop.is_set():
            due = t0 + self.sent / self.n
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
                continue
            try:
                self.sock.sendall(self.frame(self.sent))
            except OSError:
                return
            self.sent += 1

    def _drain(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                if not self.sock.recv(65536):
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(10)
        return self.sent


# -------------------------------------------------------------- control

class Control:
    """A JSON-lines client of the control socket (one connection)."""

    def __init__(self, path, timeout=10.0):
        self.path = path
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError) as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    fail("cannot connect to control socket %s: %s"
                         % (path, e))
                time.sleep(0.05)
        self.buf = b""
        self.timeout = timeout

    def send(self, req):
        self.sock.sendall(json.dumps(req).encode() + b"\n")

    def readline(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("control socket: no response line within %.1fs "
                     "(partial %r)" % (timeout or self.timeout,
                                       self.buf[:200]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                fail("control socket closed (partial %r)" % self.buf[:200])
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            fail("control socket: not JSON: %r" % line[:300])

    def request(self, req, timeout=None):
        self.send(req)
        return self.readline(timeout)

    def close(self):
        self.sock.close()


def ctl(path, req, timeout=10.0):
    c = Control(path, timeout)
    try:
        return c.request(req)
    finally:
        c.close()


def client_sort_key(name):
    """The order of the clients window's sort key `name` (sockdeckd(1),
    CONTROL SOCKET) as a key for sorted() over `clients` rows (the keys
    that hold still: not last or state)."""
    return {
        "connected": lambda c: (c["connected_ns"], c["id"]),
        "id": lambda c: c["id"],
        "peer": lambda c: (c["peer"], c["peer_port"], c["id"]),
        "in": lambda c: (-c["bytes_in"], c["id"]),
        "out": lambda c: (-c["bytes_out"], c["id"]),
        "port": lambda c: (c["port"], c["id"]),
        "device": lambda c: (c["device"] == "", c["device"], c["id"]),
        "name": lambda c: (c["name"] == "", c["name"].lower(), c["id"]),
    }[name]


# ------------------------------------------------------------- readings

LINE_RE = re.compile(r"^sensor,Mac-Address=([0-9a-f:]{17})(,channel=(\S+))?"
                     r" value=([^\s,]+)(,batch_seq=(-?\d+)i,batch_idx=(\d+)i)?"
                     r" (-?\d+)$")


def readings_lines(sensors_dir, in_flight=False):
    """Every line of DIR/sensors/readings-*.lp, files in name order. With
    in_flight, a last line without its newline (a write still under way)
    is left out."""
    out = []
    if not os.path.isdir(sensors_dir):
        return out
    names = sorted(n for n in os.listdir(sensors_dir)
                   if re.match(r"^readings-\d{8}\.lp$", n))
    for n in names:
        with open(os.path.join(sensors_dir, n), "rb") as f:
            data = f.read()
        if in_flight and not data.endswith(b"\n"):
            data = data[:data.rfind(b"\n") + 1]
        out += data.decode("utf-8").splitlines()
    return [l for l in out if l.strip()]


def parse_reading(line):
    m = LINE_RE.match(line)
    if not m:
        fail("reading line does not match the documented layout: %r" % line)
    return dict(device=m.group(1), channel=m.group(3),
                value=float(m.group(4)), ts=int(m.group(8)),
                batch=(int(m.group(6)) % (1 << 64), int(m.group(7)))
                if m.group(5) else None)


# ------------------------------------------------------------------ run

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer",
                   "ERROR: MemorySanitizer")


class _Deadline(Exception):
    pass


def _alarm(signum, frame):
    raise _Deadline()


def run(test, deadline=60):
    """Run test(); exit 0 if it returns, 1 (with a message) otherwise.
    Every server started is killed, every temp dir removed."""
    rc = 1
    name = os.path.basename(sys.argv[0])
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(deadline)
    try:
        test()
        for s in _servers:
            if s.proc is not None:
                s.kill()
                for t in s._threads:
                    t.join(2.0)
                bad = [l for l in s.stderr_lines if any(
                    m in l for m in SANITIZER_MARKS)]
                if bad:
                    fail("sanitizer report on the server's stderr: %s"
                         % "\n".join(bad[:5]))
        rc = 0
    except TestFailure as e:
        print("FAIL %s: %s" % (name, e), file=sys.stderr)
    except _Deadline:
        print("FAIL %s: test did not finish within %ds" % (name, deadline),
              file=sys.stderr)
        traceback.print_exc()
    except Exception as e:
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e),
              file=sys.stderr)
        traceback.print_exc()
    finally:
        signal.alarm(0)
        for s in _servers:
            if rc != 0 and s.proc is not None:
                tail = s.stderr_text()
                if tail:
                    print("--- server stderr (tail):\n" + tail[-1500:],
                          file=sys.stderr)
                if s.raw_lines:
                    print("--- non-JSON stdout lines (first 5): %r"
                          % s.raw_lines[:5], file=sys.stderr)
            s.cleanup()
    if rc == 0:
        print("PASS %s" % name)
    sys.exit(rc)
