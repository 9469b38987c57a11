"""sdbench: what the benchmark scripts share (tests/bench/run,
bench_sinks.py, bench_dashboard.py). Standard library only.

    import sdbench
    sdbench.setup(build)                # binaries of BUILD, env for peers
    with sdbench.session():             # kills everything started, always
        srv = sdbench.Sockdeckd(["--fsync", "everysec"]).start()
        r = sdbench.loadgen("legacy", srv.port, conns=8, count=50000)
        t_end, spool = sdbench.wait_spool_lines(srv, r["sent"])
        srv.stop()

Every process is started on 127.0.0.1 only, in a temporary directory
under one directory per session, and is killed when the session ends
(normally, by an exception, by SIGINT or SIGTERM; children also get
SIGKILL when the process that started them dies).

The load generator (BUILD/tests/bench/sd_loadgen) and the minimal
libevent server (BUILD/tests/bench/sd_benchsrv) are described in their
sources; loadgen() runs the first with --json and returns its object.
"""
import contextlib
import ctypes
import glob
import json
import os
import re
import resource
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import sdpeer  # noqa: E402

HOST = "127.0.0.1"
BUILD = None
VERBOSE = False
FD_ROOM = 1000          # a server's descriptors beside its clients
NOFILE = 100000 + FD_ROOM   # wanted for the 100,000-connection scenario


class BenchError(Exception):
    """A step of a benchmark failed; the message says which and why."""


class ShortRun(BenchError):
    """A measured run ended too soon to show what it measures; rate: its
    readings/s, to size the next one."""

    def __init__(self, msg, rate):
        BenchError.__init__(self, msg)
        self.rate = rate


class Skip(Exception):
    """A benchmark cannot run here (a tool is missing); the message says
    what to install."""


def log(msg):
    if VERBOSE:
        print("# " + msg, file=sys.stderr, flush=True)


# sdpeer, sdkafka and sdinflux log every server they start: only with -v.
sdpeer.log = log


def setup(build, verbose=False):
    """Use the binaries of the build directory `build`."""
    global BUILD, VERBOSE
    BUILD = os.path.abspath(build)
    VERBOSE = verbose
    os.environ["SOCKDECKD"] = bin_path("src/sockdeckd")
    os.environ["SOCKDECK"] = bin_path("src/sockdeck")
    os.environ.setdefault("SD_KAFKA_MOCK",
                          bin_path("tests/kafka/sd_kafka_mock"))


def bin_path(rel):
    return os.path.join(BUILD, rel)


def need_binary(rel):
    p = bin_path(rel)
    if not os.access(p, os.X_OK):
        raise BenchError("%s is not built (ninja -C %s)" % (p, BUILD))
    return p


def need_tool(name, package):
    p = shutil.which(name) or (os.access("/usr/sbin/" + name, os.X_OK)
                               and "/usr/sbin/" + name)
    if not p:
        raise Skip("%s not found (Debian package %s: tools/deps --bench)"
                   % (name, package))
    return p


# ------------------------------------------------------------ processes

_procs = []             # every Popen started through spawn()
_tmux = []              # tmux socket names
_dirs = []              # temporary directories to remove
_session_dir = None


try:
    _libc = ctypes.CDLL(None, use_errno=True)   # loaded before any fork
except OSError:
    _libc = None


def _pdeathsig():
    # Best effort: a child gets SIGKILL when the runner dies, even by
    # SIGKILL. Linux only; harmless elsewhere.
    try:
        if _libc is not None:
            _libc.prctl(1, signal.SIGKILL, 0, 0, 0)     # PR_SET_PDEATHSIG
    except Exception:
        pass


def raise_nofile():
    """RLIMIT_NOFILE to NOFILE, the hard limit too where the process may
    (CAP_SYS_RESOURCE), else as high as the hard limit lets; the soft
    limit set."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in ((NOFILE, max(NOFILE, hard)), (min(NOFILE, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, want)
            return want[0]
        except (ValueError, OSError):
            continue
    return soft


def spawn(argv, many_fds=False, **kw):
    """Popen registered for cleanup; many_fds raises its fd limit."""
    def pre():
        _pdeathsig()
        if many_fds:
            raise_nofile()
    log("starting: " + " ".join(argv))
    p = subprocess.Popen(argv, preexec_fn=pre, **kw)
    _procs.append(p)
    return p


def stop_proc(p, sig=signal.SIGTERM, timeout=10.0):
    """Signal p, wait up to timeout, then SIGKILL; its exit status."""
    if p is None:
        return None
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        except ProcessLookupError:
            pass
    for f in (p.stdin, p.stdout, p.stderr):
        try:
            if f:
                f.close()
        except OSError:
            pass
    if p in _procs:
        _procs.remove(p)
    return p.returncode


def tempdir(prefix):
    """A new directory under the session's directory."""
    base = _session_dir or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix=prefix, dir=base)
    _dirs.append(d)
    return d


def rmdir(d):
    shutil.rmtree(d, ignore_errors=True)
    if d in _dirs:
        _dirs.remove(d)


def cleanup_all():
    """Kill every process started (ours, the peers' servers, tmux
    servers) and remove the temporary directories."""
    for p in list(_procs):
        if p.poll() is None:
            try:
                p.terminate()
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    for p in list(_procs):
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass
        _procs.remove(p)
    for name in list(_tmux):
        tmux_kill(name)
    for s in list(sdpeer._servers):
        try:
            s.cleanup()
        except Exception:
            pass
        sdpeer._servers.remove(s)
    for d in list(_dirs):
        rmdir(d)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def session(prefix="sdbench-"):
    """Everything started inside is stopped on the way out, SIGTERM and
    SIGHUP turn into SystemExit (SIGINT is KeyboardInterrupt already)."""
    global _session_dir
    old = {s: signal.signal(s, _on_signal)
           for s in (signal.SIGTERM, signal.SIGHUP)}
    _session_dir = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(_session_dir)
    try:
        yield _session_dir
    finally:
        # A second signal during cleanup must not cut it short.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        try:
            cleanup_all()
        finally:
            _session_dir = None
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for s, h in old.items():
                signal.signal(s, h)


# ---------------------------------------------------------------- ports

def free_port():
    return sdpeer.free_port()


def listening(port):
    """Whether something listens on 127.0.0.1:port (or 0.0.0.0:port),
    from /proc/net/tcp: no connection is made, so a one-shot server such
    as `nc -l` is not disturbed."""
    want = {"0100007F:%04X" % port, "00000000:%04X" % port}
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[1] in want and parts[3] == "0A":
                    return True
    except OSError:
        pass
    return False


def wait_listening(port, proc=None, timeout=15.0, what="server"):
    deadline = time.monotonic() + timeout
    while not listening(port):
        if proc is not None and proc.poll() is not None:
            raise BenchError("%s exited with status %s before listening "
                             "on port %d" % (what, proc.returncode, port))
        if time.monotonic() > deadline:
            raise BenchError("%s does not listen on %s:%d after %.0f s"
                             % (what, HOST, port, timeout))
        time.sleep(0.02)


def until(pred, timeout=300.0, what="benchmark step", interval=0.005):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise BenchError("%s timed out after %.0f s" % (what, timeout))
        time.sleep(interval)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS in /proc/%d/status" % pid)


def slab_kib():
    """The kernel's slab (reclaimable and not), /proc/meminfo."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1])
    raise BenchError("no Slab in /proc/meminfo")


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------ sockdeckd

class Sockdeckd:
    """sockdeckd --headless on one free 127.0.0.1 port in a temporary data
    directory, its log in a file there (not parsed while it runs: the
    runner must not cost the server CPU); status through the control
    socket.

    dashboard=True runs it instead in a private tmux server's 120x40
    pane, with its dashboard on. tls: an sdtls.Pki whose certificate its
    port serves, TLS only; prefix: words before the command (taskset)."""

    def __init__(self, extra=(), dashboard=False, many_fds=False,
                 idle_timeout=True, tls=None, prefix=()):
        self.port = free_port()
        self.ports = [self.port]
        self.dir = tempdir("sockdeckd-")
        self.extra = list(extra)
        if idle_timeout:
            self.extra = ["--idle-timeout", "0"] + self.extra
        if tls is not None:
            self.extra += tls.server_args([self.port])
        self.prefix = list(prefix)
        self.dashboard = dashboard
        self.many_fds = many_fds
        self.proc = None
        self.tmux = None
        self.pid = None
        self._log = None

    @property
    def control_path(self):
        return os.path.join(self.dir, "control.sock")

    @property
    def files_dir(self):
        return os.path.join(self.dir, "files")

    @property
    def sensors_dir(self):
        return os.path.join(self.dir, "sensors")

    def argv(self):
        # Every simulated device comes from HOST: no per-address cap.
        # sd_loadgen knows a reply by its text (echo, the barrier): the
        # first version's answer, which echoes it.
        return self.prefix + [need_binary("src/sockdeckd"), "--ports",
                              str(self.port),
                "--bind", HOST, "--data-dir", self.dir,
                "--max-clients-per-ip", "0",
                "--reply-format", "[{fd} socket] return data => {text}"
                ] + self.extra

    def start(self, timeout=15.0):
        argv = self.argv()
        if self.dashboard:
            self.tmux = tmux_start(argv)
        else:
            self._log = open(os.path.join(self.dir, "sockdeckd.log"), "wb")
            self.proc = spawn(argv + ["--headless"], many_fds=self.many_fds,
                              stdin=subprocess.DEVNULL, stdout=self._log,
                              stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            st = self.status(quiet=True)
            if st and all(p.get("state") == "listening"
                          for p in st.get("ports", [])) and st.get("ports"):
                self.pid = st.get("pid") or (self.proc and self.proc.pid)
                return self
            if self.proc is not None and self.proc.poll() is not None:
                raise BenchError("sockdeckd exited with status %s at start: "
                                 "%s" % (self.proc.returncode,
                                         self.log_tail()))
            if time.monotonic() > deadline:
                raise BenchError("sockdeckd not listening after %.0f s: %s"
                                 % (timeout, self.log_tail()))
            time.sleep(0.02)

    def status(self, quiet=False):
        try:
            return sdpeer.ctl(self.control_path, {"cmd": "status"},
                              timeout=10.0)["status"]
        except Exception:
            if quiet:
                return None
            raise

    def log_tail(self, n=800):
        if self.dashboard:
            return "(dashboard in tmux)"
        try:
            with open(os.path.join(self.dir, "sockdeckd.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def rss_kib(self):
        return rss_kib(self.pid)

    def stop(self):
        if self.tmux is not None:
            tmux_kill(self.tmux)
            self.tmux = None
            if self.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
        if self.proc is not None:
            stop_proc(self.proc)
            self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        rmdir(self.dir)


def tmux_start(argv, width=120, height=40):
    name = "sdbench%d-%d" % (os.getpid(), len(_tmux) + int(time.time()))
    _tmux.append(name)
    tmux = shutil.which("tmux")
    if not tmux:
        raise Skip("tmux not found (tools/deps)")
    cmd = "env TERM=xterm-256color LANG=C.UTF-8 " + shlex.join(argv)
    subprocess.run([tmux, "-L", name, "-f", "/dev/null", "new-session", "-d",
                    "-x", str(width), "-y", str(height), cmd], check=True)
    return name


def tmux_kill(name):
    subprocess.run(["tmux", "-L", name, "kill-server"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if name in _tmux:
        _tmux.remove(name)


# ---------------------------------------------------------- sd_benchsrv

class BenchSrv:
    """sd_benchsrv on a free 127.0.0.1 port: frames split by their header,
    data frames dropped, messages answered (the discard and echo
    baselines are the same server)."""

    def __init__(self, many_fds=False):
        self.many_fds = many_fds
        self.proc = None
        self.port = None

    @property
    def pid(self):
        return self.proc.pid

    def start(self, timeout=10.0):
        self.proc = spawn([need_binary("tests/bench/sd_benchsrv"), "--port",
                           "0", HOST], many_fds=self.many_fds,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
        line = readline(self.proc, timeout, "sd_benchsrv")
        parts = line.split()
        if len(parts) != 2 or parts[0] != "listening":
            raise BenchError("sd_benchsrv said %r, expected `listening "
                             "PORT`" % line)
        self.port = int(parts[1])
        return self

    def rss_kib(self):
        return rss_kib(self.proc.pid)

    def stop(self):
        stop_proc(self.proc)


def readline(proc, timeout, what):
    """One line of proc's stdout within timeout (text, no newline)."""
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BenchError("%s: no output line within %.0f s" % (what,
                                                                   timeout))
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 1)      # byte by byte: leave the rest unread
        if not chunk:
            err = b""
            if proc.stderr:
                with contextlib.suppress(Exception):
                    proc.wait(2)
                    err = proc.stderr.read()
            raise BenchError("%s exited (status %s): %s" % (
                what, proc.poll(), err.decode("utf-8", "replace")[-500:]))
        buf += chunk
    return buf.decode("utf-8", "replace").rstrip("\n")


# ---------------------------------------------------------- sd_loadgen

def loadgen_argv(mode, port, conns=1, count=None, rate=None, batch=None,
                 payload=None, hold=None, sources=None, first=None,
                 tls=False, seconds=None, prefix=()):
    a = list(prefix) + [need_binary("tests/bench/sd_loadgen"), "--mode",
                        mode, "--conns", str(conns)]
    for flag, v in (("--count", count), ("--rate", rate),
                    ("--batch", batch), ("--payload", payload),
                    ("--hold", hold), ("--sources", sources),
                    ("--first", first), ("--seconds", seconds)):
        if v is not None:
            a += [flag, str(v)]
    if tls:
        a.append("--tls")
    return a + ["--json", HOST, str(port)]


def parse_loadgen(out, err, rc, argv):
    if rc != 0:
        raise BenchError("sd_loadgen %s: status %s: %s" % (
            " ".join(argv[1:]), rc,
            (err or "").strip()[-400:] or "(nothing on stderr)"))
    for line in reversed((out or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    raise BenchError("sd_loadgen %s printed no JSON object: %r"
                     % (" ".join(argv[1:]), (out or "")[-300:]))


def loadgen(mode, port, conns=1, count=None, timeout=600.0, many_fds=False,
            **kw):
    """Run sd_loadgen to the end; its JSON object (plus "wall": seconds
    from start to exit as the runner saw them)."""
    argv = loadgen_argv(mode, port, conns, count, **kw)
    p = spawn(argv, many_fds=many_fds, stdin=subprocess.DEVNULL,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise BenchError("sd_loadgen %s did not finish within %.0f s"
                         % (" ".join(argv[1:]), timeout))
    finally:
        stop_proc(p)
    r = parse_loadgen(out.decode("utf-8", "replace"),
                      err.decode("utf-8", "replace"), p.returncode,
                      argv[len(kw.get("prefix", ())):])
    r["wall"] = time.monotonic() - t0
    return r


class IdleLoad:
    """sd_loadgen --mode idle: start() returns once its JSON line is out
    (every connection open, one echo answered); sample(k) asks for k
    round trips on connections drawn at random; release() closes its
    stdin so it lets the connections go and exits. sources, first: its
    --sources and --first."""

    def __init__(self, port, conns, hold=None, sources=None, first=None):
        self.argv = loadgen_argv("idle", port, conns, hold=hold,
                                 sources=sources, first=first)
        self.conns = conns
        self.proc = None
        self.result = None

    def start(self, timeout=120.0):
        self.proc = spawn(self.argv, many_fds=True, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = readline(self.proc, timeout, "sd_loadgen --mode idle")
        except BenchError as e:
            err = b""
            if self.proc.poll() is not None:
                err = self.proc.stderr.read()
            raise BenchError("%s %s" % (e, err.decode("utf-8",
                                                      "replace")[-300:]))
        self.result = parse_loadgen(line, "", 0, self.argv)
        return self.result

    def sample(self, k, timeout=120.0):
        """k round trips, one at a time, each on a connection drawn at
        random: {"samples_us": [us, or -1 if unanswered], "open": the
        connections still open}."""
        self.proc.stdin.write(b"echo %d\n" % k)
        self.proc.stdin.flush()
        line = readline(self.proc, timeout, "sd_loadgen --mode idle, echo")
        r = parse_loadgen(line, "", 0, self.argv)
        if "samples_us" not in r:
            raise BenchError("sd_loadgen --mode idle: %r" % line)
        return r

    def release(self, timeout=30.0):
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        stop_proc(self.proc)
        self.proc = None


class IdleFleet:
    """n idle connections to port from as many sd_loadgen --mode idle as
    it takes (per_proc each, opened one load generator after another),
    spread over source addresses 127.0.0.2 and up (`sources`), numbered
    across the fleet. open() returns the seconds the load generators
    took to have every connection accepted and served (each its connects
    plus the echo on its last one); a connection not open is a
    BenchError."""

    def __init__(self, port, n, per_proc, sources):
        self.loads = [IdleLoad(port, min(per_proc, n - k), sources=sources,
                               first=k) for k in range(0, n, per_proc)]
        self.n = n

    def open(self):
        secs = 0.0
        for ld in self.loads:
            r = ld.start()
            if r["acked"] < 1 or r.get("open") != ld.conns:
                raise BenchError("sd_loadgen --mode idle: %s of %d "
                                 "connections open, the echo on the last "
                                 "%sanswered" % (r.get("open"), ld.conns,
                                                 "" if r["acked"] else
                                                 "not "))
            secs += r["connect_seconds"] + r["seconds"]
        return secs

    def sample(self, k):
        """k round trips over the whole fleet, each load generator its
        share: their microseconds. An unanswered one, or fewer
        connections open than opened, is a BenchError."""
        out, open_, done = [], 0, 0
        for ld in self.loads:
            share = k * (done + ld.conns) // self.n - k * done // self.n
            done += ld.conns
            r = ld.sample(share)
            out += r["samples_us"]
            open_ += r["open"]
        lost = sum(1 for x in out if x < 0)
        if lost or open_ != self.n:
            raise BenchError("idle connections: %d of %d round trips "
                             "unanswered (closed, or not within 10 s), %d "
                             "of %d connections open"
                             % (lost, len(out), open_, self.n))
        return out

    def release(self):
        for ld in self.loads:
            ld.release()


# ------------------------------------------------------------- ingest

STALL = 20.0    # seconds without progress before a count is given up


def cpu_seconds(pid):
    """User and system CPU seconds of process pid, all its threads."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loop_sched(pid):
    """(nanoseconds on a CPU, nanoseconds runnable but waiting for one)
    of process pid's main thread, sockdeckd's event loop; None where the
    kernel keeps no schedstat (CONFIG_SCHED_INFO)."""
    if not os.path.exists("/proc/self/schedstat"):
        return None
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
            run, wait = f.read().split()[:2]
        return int(run), int(wait)
    except (OSError, ValueError) as e:
        raise BenchError("pid %d: no schedstat of its main thread: %s"
                         % (pid, e))


class SpoolReader:
    """The readings in a data directory's spool, read back from its
    segments (sensors/readings-*.lp): lines counted, each segment from
    where the previous pass stopped, up to the sizes a stat() saw."""

    def __init__(self, sensors_dir):
        self.dir = sensors_dir
        self.done = {}          # segment path -> bytes counted
        self.lines = 0
        self.bytes = 0

    def sizes(self):
        out = {}
        if os.path.isdir(self.dir):
            for n in os.listdir(self.dir):
                if n.startswith("readings-") and n.endswith(".lp"):
                    p = os.path.join(self.dir, n)
                    with contextlib.suppress(OSError):
                        out[p] = os.path.getsize(p)
        return out

    def fsync(self, sizes):
        """Make the segments durable (what dd's conv=fdatasync does for
        its file): every byte written before this call is on the disk
        when it returns."""
        for p in sorted(sizes):
            try:
                fd = os.open(p, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def count(self, sizes):
        """Lines in the segments' first `sizes` bytes; the total."""
        for p, size in sorted(sizes.items()):
            off = self.done.get(p, 0)
            if size <= off:
                continue
            try:
                with open(p, "rb") as f:
                    f.seek(off)
                    while off < size:
                        b = f.read(min(size - off, 1 << 22))
                        if not b:
                            break
                        self.lines += b.count(b"\n")
                        off += len(b)
            except OSError:
                pass
            self.done[p] = off
        self.bytes = sum(self.done.values())
        return self.lines


def wait_spool_lines(srv, n, stall=STALL):
    """Until the spool holds n lines, counted by reading it back, and is
    fsync'ed: the monotonic time the fsync returned, and the reader.

    The server's status (totals.readings and store.pending) only says
    when to look: the sizes are taken first, the segments fsync'ed, the
    clock read, and only then are the lines in those sizes counted (off
    the clock). Fewer than n, look again; no progress for `stall`
    seconds, or more than n, is a BenchError."""
    rd = SpoolReader(srv.sensors_dir)
    last, t_prog = None, time.monotonic()
    while True:
        st = srv.status(quiet=True)
        told = (st is not None and st["totals"]["readings"] >= n
                and st["store"]["pending"] == 0)
        sizes = rd.sizes()
        now = time.monotonic()
        if sizes != last:
            last, t_prog = sizes, now
        if told or now - t_prog > stall:
            rd.fsync(sizes)
            t_end = time.monotonic()
            got = rd.count(sizes)
            if got > n:
                raise BenchError("the spool holds %d lines for %d readings "
                                 "sent" % (got, n))
            if got == n:
                return t_end, rd
            if now - t_prog > stall:
                raise BenchError("the spool holds %d of the %d readings sent "
                                 "(read back; nothing more for %.0f s)"
                                 % (got, n, stall))
        time.sleep(0.01)


class DashWatch:
    """Snapshots of a dashboard's tmux pane (capture-pane) every
    `interval` seconds from a thread, to prove that it drew while it was
    measured (and, for the live scenario, how long it did not)."""

    TERM = "xterm-256color"
    SIZE = (120, 40)

    def __init__(self, srv, interval=0.25):
        self.srv = srv
        self.interval = interval
        self.snaps = []         # (monotonic time, header line)
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def capture(self):
        r = subprocess.run(["tmux", "-L", self.srv.tmux, "capture-pane",
                            "-p"], capture_output=True, text=True,
                           timeout=10)
        return r.stdout.splitlines()[0] if r.stdout.strip() else ""

    def wait_drawn(self, timeout=15.0):
        """Until the header is on the screen (the first draw comes up to a
        second after the control socket answers)."""
        until(lambda: "sockdeckd" in self.capture(), timeout,
              "the dashboard's first draw", interval=0.05)

    def _run(self):
        while not self.stop_ev.is_set():
            with contextlib.suppress(Exception):
                self.snaps.append((time.monotonic(), self.capture()))
            self.stop_ev.wait(self.interval)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_ev.set()
        self.thread.join(15)

    def check(self, t0, t1, min_seconds, conns, n):
        """BenchError unless the run [t0, t1] of n readings lasted
        min_seconds (ShortRun), the header changed at least twice inside
        it (redraws) and showed the load's clients, and the pane is the
        terminal it claims; the number of header changes seen."""
        if t1 - t0 < min_seconds:
            raise ShortRun("dashboard run lasted %.2f s, under %.0f s: "
                           "too short to show a redraw's cost"
                           % (t1 - t0, min_seconds), n / (t1 - t0))
        heads = [h for t, h in self.snaps if t0 <= t <= t1]
        changes = sum(1 for a, b in zip(heads, heads[1:]) if a != b)
        if changes < 2 or not any("clients %d " % conns in h
                                  for h in heads):
            raise BenchError("the dashboard did not draw during the run: "
                             "%d header changes in %d snapshots over %.1f "
                             "s, last %r" % (changes, len(heads), t1 - t0,
                                             heads[-1] if heads else None))
        self.check_terminal()
        return changes

    def check_terminal(self):
        """BenchError unless the pane is the terminal it claims."""
        term = proc_env(self.srv.pid).get("TERM")
        size = subprocess.run(["tmux", "-L", self.srv.tmux, "display", "-p",
                               "#{pane_width}x#{pane_height}"],
                              capture_output=True, text=True).stdout.strip()
        want = "%dx%d" % self.SIZE
        if term != self.TERM or size != want:
            raise BenchError("the dashboard ran with TERM=%s in a %s pane, "
                             "not TERM=%s in %s" % (term, size, self.TERM,
                                                    want))


def proc_env(pid):
    """The environment process pid started with."""
    with open("/proc/%d/environ" % pid, "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    return dict(kv.split("=", 1) for kv in raw.split("\0") if "=" in kv)


DASH_MIN_SECONDS = 3.0
LINE_ROOM = 96          # spool bytes a reading may take (69 measured)


def ingest_sockdeckd(conns, total, extra=(), dashboard=False, tls=None,
                     via=None, info=None):
    """Legacy sensor frames from `conns` connections into a fresh
    sockdeckd (spool only unless extra adds a sink), --fsync everysec.
    Returns (readings/s, spool bytes per reading, server CPU ns per
    reading, header changes seen during the run: None headless). The
    time is the load generator's (first byte to last barrier answered)
    plus however long it then takes until every
    reading is a line in the spool's segments, read back, and fsync'ed
    (as dd conv=fdatasync's file); the CPU time is the server's over the
    same span, every thread. A spool that holds another number of lines
    than the load generator sent is a BenchError. With dashboard, the
    dashboard must have drawn during the run (DashWatch.check). tls: an
    sdtls.Pki, the server's port TLS and the load generator's too; via:
    a function of the started server that returns a started TLS proxy in
    front of it (.port, .pid, .stop()), the load generator's target
    (--tls); info: a dict that gets the load generator's JSON object,
    with via "proxy_cpu_ns": the proxy's CPU time per reading over the
    same span as the server's, and, appended run after run, "loop_ns":
    the event loop thread's CPU time per reading, "loop_run" and
    "loop_wait": the shares of the span it was on a CPU and runnable
    but waiting for one (a loop-bound server on a shared machine goes
    as fast as the CPU it is given)."""
    # With no sink a reading is delivered once stored, and the spool
    # keeps --spool-retain bytes of delivered ones (1G): room for every
    # line of the run, or the oldest segments go before they are read.
    per = max(1, total // conns)
    room = per * conns * LINE_ROOM + (64 << 20)
    free = shutil.disk_usage(_session_dir or tempfile.gettempdir()).free
    if free < room:
        raise BenchError("%d MiB free for a spool of up to %d MiB (set "
                         "TMPDIR)" % (free >> 20, room >> 20))
    srv = Sockdeckd(["--fsync", "everysec", "--spool-retain", str(room)]
                    + list(extra), dashboard=dashboard, tls=tls).start()
    watch, redraws, proxy = None, None, None
    try:
        if via is not None:
            proxy = via(srv)
        if dashboard:
            watch = DashWatch(srv)
            watch.wait_drawn()
            watch.start()
        cpu0 = cpu_seconds(srv.pid)
        loop0 = loop_sched(srv.pid) if info is not None else None
        t_loop0 = time.monotonic()
        pcpu0 = cpu_seconds(proxy.pid) if proxy else None
        r = loadgen("legacy", proxy.port if proxy else srv.port, conns,
                    per, tls=bool(tls or proxy))
        if info is not None:
            info.update(r)
        t_exit = time.monotonic()
        n = r["sent"]
        if r.get("acked", n) < n:
            raise BenchError("sd_loadgen: %d of %d readings acknowledged"
                             % (r.get("acked"), n))
        t_end, rd = wait_spool_lines(srv, n)
        cpu = (cpu_seconds(srv.pid) - cpu0) * 1e9 / n if n else None
        loop1 = loop_sched(srv.pid) if loop0 is not None else None
        t_loop1 = time.monotonic()
        if proxy is not None and info is not None and n:
            info["proxy_cpu_ns"] = (cpu_seconds(proxy.pid) - pcpu0) * 1e9 / n
        secs = r["seconds"] + (t_end - t_exit)
        if n and loop1 is not None and loop1[0] <= loop0[0]:
            # A figure from the wrong thread is worse than none.
            raise BenchError("sockdeckd (pid %d): its event loop thread "
                             "ran no time over %d readings" % (srv.pid, n))
        if n and loop1 is not None:
            info.setdefault("loop_ns", []).append((loop1[0] - loop0[0]) / n)
            span = (t_loop1 - t_loop0) * 1e9
            info.setdefault("loop_run", []).append(
                (loop1[0] - loop0[0]) / span)
            info.setdefault("loop_wait", []).append(
                (loop1[1] - loop0[1]) / span)
        if watch is not None:
            watch.stop()
            redraws = watch.check(t_exit - r["wall"], t_exit,
                                  DASH_MIN_SECONDS, conns, n)
        return n / secs, rd.bytes / float(n), cpu, redraws
    finally:
        if watch is not None:
            watch.stop()
        if proxy is not None:
            proxy.stop()
        srv.stop()


def ingest_timed(conns, total, extra, done):
    """Readings/s from the load generator's start until done(srv, n)
    returns: the monotonic time every reading was seen where it was
    delivered (counted there: wait_spool_lines, InfluxDB, the topic)."""
    srv = Sockdeckd(list(extra)).start()
    try:
        per = max(1, total // conns)
        t0 = time.monotonic()
        r = loadgen("legacy", srv.port, conns, per)
        n = r["sent"]
        t_end = done(srv, n)
        return n / (t_end - t0)
    finally:
        srv.stop()


def sink_delivered(srv, sink):
    """What sockdeckd's status says sink `sink` delivered (0 if none)."""
    st = srv.status(quiet=True) or {}
    return max([s.get("delivered", 0) for s in st.get("sinks", [])
                if s.get("name") == sink] or [0])


def wait_counted(count, n, what, hint=None, stall=STALL):
    """Until count(), a count read from the peer itself (points in an
    InfluxDB database, records in a topic), reaches n: the monotonic
    time that count was read. hint() (cheap: a sink's own counter, a
    producer that exited) only says when to ask: count() is asked on
    every turn the hint holds, and once a second otherwise. More than n,
    or no progress for `stall` seconds, is a BenchError."""
    last, t_prog, t_asked = None, time.monotonic(), None
    while True:
        now = time.monotonic()
        if (hint is None or hint() or t_asked is None
                or now - t_asked >= 1.0):
            got = count()
            t_asked = time.monotonic()
            if got > n:
                raise BenchError("%s holds %d for %d readings sent"
                                 % (what, got, n))
            if got == n:
                return t_asked
            if got != last:
                last, t_prog = got, t_asked
        if now - t_prog > stall:
            raise BenchError("%s holds %s of the %d readings sent (nothing "
                             "more for %.0f s)" % (what, last, n, stall))
        time.sleep(0.01 if hint is not None else 0.05)


def influx_count(influx, db):
    """Points of measurement sensor in db, by a query to influxd."""
    import sdpeer as P
    try:
        return influx.count(db)
    except P.TestFailure as e:
        raise BenchError(str(e))


def influx_done(influx, db):
    """done() of ingest_timed: every reading a point of db, counted by a
    query (one point per series and time: the server's times are
    distinct, so n readings are n points)."""
    def done(srv, n):
        return wait_counted(lambda: influx_count(influx, db), n,
                            "InfluxDB database %s" % db,
                            hint=lambda: sink_delivered(srv, "influx") >= n)
    return done


def kafka_done(kafka, topic, partitions=3):
    """done() of ingest_timed: every reading a record of topic, counted
    by its end offsets (kcat -Q); then, off the clock, the count still n
    and the first records the sink's JSON."""
    def done(srv, n):
        t = wait_counted(lambda: kafka_offsets(kafka, topic, partitions), n,
                         "Kafka topic %s" % topic,
                         hint=lambda: sink_delivered(srv, "kafka") >= n)
        check_topic(kafka, topic, n, partitions, JSON_RE)
        return t
    return done


# "node" is --node-id, the host name by default (sockdeck-protocol(7)).
JSON_RE = re.compile(r'^\{"device":"[0-9a-f]{2}(:[0-9a-f]{2}){5}",'
                     r'"value":-?[0-9.e+-]+,"time":[0-9]+,'
                     r'"node":"[A-Za-z0-9._-]{1,64}"\}$')


def check_topic(kafka, topic, n, partitions, pattern):
    """BenchError unless, a moment later, the topic holds exactly n
    records and its first ones match pattern."""
    time.sleep(0.2)
    got = kafka_offsets(kafka, topic, partitions)
    if got != n:
        raise BenchError("Kafka topic %s: %d records for %d readings"
                         % (topic, got, n))
    bad = [r for r in kafka_sample(kafka, topic) if not pattern.match(r)]
    if bad:
        raise BenchError("Kafka topic %s: records that are no reading: %r"
                         % (topic, bad[:3]))


# --------------------------------------------------------- sink peers

def sink_lines(n, conns=8):
    """Line protocol as the server writes it for the load generator's
    readings (device per connection, value 20 + i/100)."""
    t0 = time.time_ns()
    return ["sensor,Mac-Address=02:00:00:00:%02x:%02x value=%.2f %d"
            % ((i % conns) >> 8, i % conns, 20 + (i % 1000) / 100.0, t0 + i)
            for i in range(n)]


def curl_baseline(influx, db, n, conns=8):
    """curl posting n points in 10,000-line bodies, one after another, to
    the same influxd: readings/s until a query counts n points in db (a
    database of its own)."""
    curl = shutil.which("curl")
    if not curl:
        raise Skip("curl not found")
    tmp = tempdir("curl-")
    try:
        ls = sink_lines(n, conns)
        cfg = os.path.join(tmp, "curl.cfg")
        entries = []
        for k in range(0, n, 10000):
            body = os.path.join(tmp, "b%d" % k)
            with open(body, "w") as f:
                f.write("\n".join(ls[k:k + 10000]) + "\n")
            entries.append('url = "%s/write?db=%s&precision=ns"\n'
                           'data-binary = "@%s"\noutput = "/dev/null"\n'
                           % (influx.url, db, body))
        with open(cfg, "w") as c:
            c.write("next\n".join(entries))
        t0 = time.monotonic()
        p = spawn([curl, "-s", "-f", "-K", cfg], stdin=subprocess.DEVNULL)
        if p.wait(600) != 0:
            raise BenchError("curl: status %s" % p.returncode)
        stop_proc(p)
        t = wait_counted(lambda: influx_count(influx, db), n,
                         "InfluxDB database %s" % db, hint=lambda: True)
        return n / (t - t0)
    finally:
        rmdir(tmp)


def kcat_binary():
    import sdkafka
    k = sdkafka.kcat_binary()
    if not k:
        raise Skip("kcat not found (tools/deps)")
    return k


def kcat_baseline(kafka, topic, n, conns=8, partitions=3):
    """kcat -P producing n records with the sink's keys and JSON values
    (acks=all, idempotent, as the sink) to the same cluster, in a topic
    of its own: records/s until its end offsets add up to n."""
    t0 = time.time_ns()
    data = "".join('02:00:00:00:00:%02x\t{"device":"02:00:00:00:00:%02x",'
                   '"value":%.2f,"time":%d}\n'
                   % (i % conns, i % conns, 20 + (i % 1000) / 100.0, t0 + i)
                   for i in range(n)).encode()
    p = spawn([kcat_binary(), "-P", "-b", kafka.bootstrap, "-t", topic,
               "-K", "\t", "-X", "acks=all", "-X", "enable.idempotence=true"],
              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    t0 = time.monotonic()
    p.communicate(data, timeout=600)
    if p.returncode != 0:
        raise BenchError("kcat -P: status %s" % p.returncode)
    stop_proc(p)
    t = wait_counted(lambda: kafka_offsets(kafka, topic, partitions), n,
                     "Kafka topic %s" % topic, hint=lambda: True)
    check_topic(kafka, topic, n, partitions, JSON_RE)
    return n / (t - t0)


def kafka_offsets(kafka, topic, partitions):
    """The sum of the topic's end offsets (records produced), via
    `kcat -Q` (cheap: no records are read)."""
    argv = [kcat_binary(), "-b", kafka.bootstrap, "-Q"]
    for p in range(partitions):
        argv += ["-t", "%s:%d:-1" % (topic, p)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    total = 0
    for line in r.stdout.splitlines():
        parts = line.split()
        if "offset" in parts:
            with contextlib.suppress(ValueError, IndexError):
                total += int(parts[parts.index("offset") + 1])
    return total


def kafka_sample(kafka, topic, n=5):
    """The first n records of the topic, as text."""
    r = subprocess.run([kcat_binary(), "-C", "-b", kafka.bootstrap, "-t",
                        topic, "-o", "beginning", "-c", str(n), "-e", "-q"],
                       capture_output=True, timeout=60)
    return r.stdout.decode("utf-8", "replace").splitlines()


# Plain LF-delimited lines: octet-counted framing off, or a line that
# starts with digits ("02:00:...") is taken for a length and split.
RSYSLOG_CONF = """\
global(workDirectory="{dir}" net.enableDNS="off")
module(load="imtcp")
input(type="imtcp" port="{port}" address="127.0.0.1"
      supportOctetCountedFraming="off")
module(load="omkafka")
template(name="plain" type="string" string="%rawmsg%")
action(type="omkafka" broker=[{brokers}] topic="{topic}" template="plain")
"""


class Rsyslog:
    """rsyslogd -n with its own config: imtcp on a free 127.0.0.1 port,
    every line to Kafka with omkafka (the message alone, as sent)."""

    def __init__(self, bootstrap, topic):
        self.port = free_port()
        self.dir = tempdir("rsyslog-")
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        brokers = ", ".join('"%s"' % b for b in bootstrap.split(","))
        with open(self.conf, "w") as f:
            f.write(RSYSLOG_CONF.format(dir=self.dir, port=self.port,
                                        brokers=brokers, topic=topic))
        self.proc = None

    def log_tail(self, n=600):
        try:
            with open(os.path.join(self.dir, "rsyslogd.log"), "rb") as f:
                return f.read().decode("utf-8", "replace").strip()[-n:]
        except OSError:
            return ""

    def start(self):
        rsyslogd = need_tool("rsyslogd", "rsyslog")
        if not _rsyslog_module("omkafka"):
            raise Skip("rsyslog's omkafka module not found (Debian package "
                       "rsyslog-kafka: tools/deps --bench)")
        log = open(os.path.join(self.dir, "rsyslogd.log"), "wb")
        self.proc = spawn([rsyslogd, "-n", "-f", self.conf, "-i",
                           os.path.join(self.dir, "rsyslogd.pid")],
                          stdin=subprocess.DEVNULL, stdout=log,
                          stderr=subprocess.STDOUT)
        log.close()
        try:
            wait_listening(self.port, self.proc, what="rsyslogd")
        except BenchError as e:
            raise BenchError("%s; its output: %s" % (e, self.log_tail()))
        return self

    def stop(self):
        stop_proc(self.proc)
        rmdir(self.dir)


def _rsyslog_module(name):
    pats = ("/usr/lib/*/rsyslog/%s.so", "/usr/lib/rsyslog/%s.so",
            "/usr/lib64/rsyslog/%s.so")
    return any(glob.glob(p % name) for p in pats)


LINE_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5} -?[0-9.]+$")


def rsyslog_run(kafka, topic, n, conns=8, partitions=3, timeout=300.0):
    """rsyslogd fed n readings as text lines by sd_loadgen --mode lines
    from `conns` connections; readings/s from the load generator's start
    until the topic's end offsets add up to n (kcat -Q: consuming the
    topic over and over would cost more than rsyslog does, and the mock
    cluster keeps only the newest records of a big partition). Then the
    count must be exactly n and the first records lines as sent."""
    rs = Rsyslog(kafka.bootstrap, topic).start()
    try:
        per = max(1, n // conns)
        n = per * conns
        t0 = time.monotonic()
        loadgen("lines", rs.port, conns, per)
        last, last_t = -1, time.monotonic()
        while True:
            got = kafka_offsets(kafka, topic, partitions)
            now = time.monotonic()
            if got >= n:
                break
            if got != last:
                last, last_t = got, now
            if rs.proc.poll() is not None:
                raise BenchError("rsyslogd exited (status %s) with %d of %d "
                                 "lines in Kafka: %s" % (
                                     rs.proc.returncode, got, n,
                                     rs.log_tail()))
            if now - last_t > 15 or now - t0 > timeout:
                raise BenchError("rsyslog: %d of %d lines reached Kafka "
                                 "(stalled): %s" % (got, n, rs.log_tail()))
            time.sleep(0.01)
        rate = n / (now - t0)
        time.sleep(0.2)
        got = kafka_offsets(kafka, topic, partitions)
        if got != n:
            raise BenchError("rsyslog produced %d records for %d lines"
                             % (got, n))
        bad = [r for r in kafka_sample(kafka, topic) if not LINE_RE.match(r)]
        if bad:
            raise BenchError("rsyslog's records are not the lines sent: %r"
                             % bad[:3])
        return rate
    finally:
        rs.stop()
