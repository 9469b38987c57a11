#!/usr/bin/env python3
"""A hostile-peer soak: N seconds of random hostile behaviour from many
connections against one sockdeckd ($SOCKDECKD, normally the ASan+UBSan
build) on two plain ports and a TLS one (its certificate made at start
by the openssl command, sdtls.Pki), with kills and restarts on the same data directory, an InfluxDB
sink that is down part of the time and, as root, a disk-full window on a
small tmpfs. Standard library only; uses tests/peers (sdpeer, sdwire,
sdinflux).

    soak.py [--seconds 60] [--seed N] [--workers 8] [--only a,b]
            [--without a,b] [--no-kill] [--no-sink] [--no-disk-full]

Worker threads each pick behaviours at random (from their own generator,
seeded from --seed) and run them one after the other; a chaos thread
plays a schedule drawn from the same seed (kills, sink down and up, the
disk-full window). Threads interleave as the machine runs them, so a seed
reproduces the mix and the schedule, not the exact interleaving.

Invariants, checked about once a second and reported with the seed: the
server is alive (except while it is killed on purpose); its descriptor
count and RSS stay under fixed bounds; a well-behaved client gets a
legacy message reply and an extension PING answered, a TLS handshake
and a legacy message over it answered, and `ctl status` answers, each
within --latency seconds (1 s); no sanitizer report on its
stderr. After the run: every acknowledged reading is in the spool and,
when the sink came back, was delivered to it.

Acknowledged: an extension reading whose SENSOR_ACK arrived; a legacy
reading sent on a connection whose message round trip completed after it
(so the server had read it), once the server process that read it either
acknowledged a SENSOR_BATCH sent after that round trip (the spool writes
in order, so that write took the legacy lines with it) or exited cleanly
on SIGTERM. Legacy readings read by a process that was then killed
before either are counted as `legacy at risk`, not checked: the legacy
protocol has no acknowledgement. Legacy readings over TLS are accounted
the same way.

TLS behaviours: handshake floods (full handshakes closed at once, by a
FIN, an RST or close_notify), half handshakes (a ClientHello cut short,
or one whole and never the client's Finished, then closed or held until
the server's handshake deadline, 2 s here, closes it: not closed within
15 s fails the run), and legacy readings over TLS.

The well-behaved client connects from 127.0.0.2, the hostile ones from
127.0.0.1 (a per-address cap applies to them, not to it). The server's
ASan quarantine is cut to 32 MiB (unless ASAN_OPTIONS sets it), so the
RSS bound measures the server. Completed uploads are deleted as an
operator would, so only the disk-full window fills the tmpfs.

Exit status 0 when every invariant held, 1 otherwise (the first failure,
with the seed, last on stderr; the summary on stdout either way).
"""
import argparse
import collections
import itertools
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import sdinflux  # noqa: E402
import sdpeer  # noqa: E402
import sdtls  # noqa: E402
import sdwire  # noqa: E402

PROBE_DEV = sdwire.mac("02:5f:00:00:00:01")
LEGACY_PREFIX = "02:50:00:00:00:"     # legacy readings: value is the key
EXT_PREFIX = "02:51:00:00:00:"        # extension readings: ts is the key
T0 = 1700000000000000000              # extension reading timestamps
FD_MAX = 256                          # server descriptors, at any time
RSS_MAX_MIB = 384                     # server VmRSS, at any time
BLOBS = (4096, 65536, 1 << 20)        # upload sizes (hash computed once)
TLS_DEADLINE = 2                      # --tls-handshake-timeout, seconds
HALF_HELD_MAX = 15.0                  # a held half handshake closed by now

BEHAVIOURS = {
    # name: weight
    "never-reading": 2,
    "rst-mid-file": 2,
    "garbage": 2,
    "lying-lengths": 2,
    "trickle": 1,
    "hello-storm": 1,
    "offer-drop": 2,
    "reconnect-storm": 1,
    "readings-ext": 3,
    "readings-legacy": 3,
    "upload": 1,
    "tls-handshake-flood": 1,
    "tls-half-handshake": 2,
    "tls-readings-legacy": 2,
}


class Cut(Exception):
    """A behaviour ended early (a reset, a timeout): expected here."""


def rst_close(s):
    """Close with SO_LINGER 0: the peer gets an RST, not a FIN."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def quiet_close(s, rng):
    """Close with a FIN or an RST, at random."""
    if rng.random() < 0.5:
        rst_close(s)
    else:
        s.close()


def expect(sock, ftype, timeout):
    """The next frame but broadcasts, which must be ftype (sdpeer fails
    with TestFailure otherwise, at EOF or after timeout)."""
    return sdpeer.expect_frame(sock, ftype, timeout, skip=(sdwire.T_TEXT,))


def probe_connect(port, timeout):
    """The well-behaved client connects from 127.0.0.2: the hostile ones
    use 127.0.0.1, and a per-address cap on them must not count it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(timeout)
    try:
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s


def recv_until(sock, tail, deadline):
    """Bytes until they end with tail; None at the deadline or EOF."""
    buf = b""
    while not buf.endswith(tail):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return None
        buf += chunk
    return buf


class SoakServer(sdpeer.Server):
    """sdpeer's server, reading its log without keeping it: a flood logs
    thousands of lines a second for as long as the soak runs. Only the
    `listen` events are kept (start() waits for them)."""

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.lines_seen = getattr(self, "lines_seen", 0) + 1
            if b'"event":"listen"' not in line:
                continue
            ev = sdpeer.json.loads(line)
            with self._cond:
                self.events.append(ev)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()


class Sink:
    """An InfluxDB write endpoint (sdinflux.Recorder) that can be down:
    it keeps the keys of the readings delivered to it, not the bodies.
    Down: its port refuses connections, and a connection the server kept
    alive gets 503 (nothing is counted as delivered)."""

    def __init__(self, port):
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.rec = None
        self.lock = threading.Lock()
        self.ts = set()          # extension readings delivered
        self.values = set()      # legacy readings delivered

    def _answer(self, holder, i):
        holder["ready"].wait()
        rec = holder["rec"]
        with rec.lock:
            req = rec.requests[i]
            body, req["body"] = req["body"], b""
        if rec is not self.rec:
            return 503, b'{"error":"down"}'
        keys_ts, keys_v = [], []
        for line in sdinflux.body_lines(dict(req, body=body)):
            r = sdinflux.parse_line(line)
            dev = r["tags"].get("Mac-Address", "")
            if dev.startswith(EXT_PREFIX):
                keys_ts.append(r["ts"])
            elif dev.startswith(LEGACY_PREFIX):
                keys_v.append(r["value"])
        with self.lock:
            self.ts.update(keys_ts)
            self.values.update(keys_v)
        return 204, b""

    def up(self):
        if self.rec is None:
            holder = {"ready": threading.Event()}
            rec = sdinflux.Recorder(
                answer=lambda i: self._answer(holder, i), port=self.port)
            holder["rec"] = self.rec = rec
            holder["ready"].set()

    def down(self):
        if self.rec is not None:
            rec, self.rec = self.rec, None
            rec.down()      # refuses, and cuts the kept-alive connections


class Soak:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.stop = threading.Event()
        self.lock = threading.Lock()      # srv and gen
        self.srv = None
        self.gen = 0
        self.failure = None
        self.ids = itertools.count(1)     # unique keys (next() is atomic)
        self.stats_lock = threading.Lock()
        self.counts = collections.Counter()
        self.ext_acked = set()            # ts of acknowledged readings
        self.ack_marks = {}               # gen -> latest batch send time
        self.legacy_wait = []             # (gen, confirm time, values)
        self.legacy_acked = set()
        self.legacy_at_risk = 0
        self.gen_keys = {}                # gen -> [lowest, highest] key
        self.max_fds = 0
        self.max_rss = 0
        self.max_lat = collections.defaultdict(float)
        self.probes = 0
        self.probe_ext = None
        self.blobs = {n: (bytes(random.Random(n).randrange(256)
                                for _ in range(min(n, 4096))) *
                          (n // min(n, 4096)))
                      for n in BLOBS}
        self.blob_hash = {n: sdwire.xxh3_64(b)
                          for n, b in self.blobs.items()}
        self.budget = 0.0
        self.budget_t = time.monotonic()
        self.mnt = None
        self.sink = None
        self.fillers = []                 # disk-full threads
        # Two plain ports and a TLS one, last.
        self.ports = sdpeer.free_ports(3)
        self.plain_ports = self.ports[:2]
        self.tls_port = self.ports[2]
        self.pki = sdtls.Pki()
        self.tls_ctx = sdtls.context(self.pki)
        self.client_hello = sdtls.client_hello(self.pki)
        # ASan keeps 256 MiB of freed memory in quarantine by default, so
        # the RSS bound would measure the quarantine, not the server.
        asan = os.environ.get("ASAN_OPTIONS", "")
        if "quarantine_size_mb" not in asan:
            asan = (asan + ":" if asan else "") + "quarantine_size_mb=32"
        self.env = {"ASAN_OPTIONS": asan}
        self.behaviours = self._pick_behaviours()

    # ------------------------------------------------------------ setup

    def _pick_behaviours(self):
        names = list(BEHAVIOURS)
        if self.args.only:
            names = [n for n in self.args.only.split(",") if n]
        if self.args.without:
            drop = set(self.args.without.split(","))
            names = [n for n in names if n not in drop]
        bad = [n for n in names if n not in BEHAVIOURS]
        if bad or not names:
            sdpeer.fail("unknown behaviours %r (known: %s)"
                        % (bad, ", ".join(BEHAVIOURS)))
        return names

    def setup_dir(self):
        """DATA on a small tmpfs as root (for the disk-full window), else
        in a temporary directory."""
        self.top = tempfile.mkdtemp(prefix="sdsoak-")
        if self.args.no_disk_full:
            self.say("disk-full window: off (--no-disk-full)")
        elif os.geteuid() != 0:
            self.say("disk-full window: skipped (not root: cannot mount "
                     "a tmpfs)")
        else:
            # Room for the readings of a long run besides the window.
            mib = self.args.tmpfs_mib or 64 + self.args.seconds // 16
            r = subprocess.run(["mount", "-t", "tmpfs", "-o",
                                "size=%dm,mode=0755" % mib, "sdsoak",
                                self.top], capture_output=True, text=True)
            if r.returncode == 0:
                self.mnt = self.top
                self.say("data dir on a %d MiB tmpfs at %s" % (mib,
                                                               self.top))
            else:
                self.say("disk-full window: skipped (mount failed: %s)"
                         % r.stderr.strip())
        self.data = os.path.join(self.top, "data")
        os.mkdir(self.data)

    def cleanup(self):
        if self.srv is not None:
            self.srv.kill()
        if self.sink is not None:
            self.sink.down()
        if self.args.keep:
            self.say("kept %s" % self.top)
            return
        if self.mnt is not None:
            subprocess.run(["umount", "-l", self.mnt])
        shutil.rmtree(self.top, ignore_errors=True)

    def extra(self):
        # Replies are known by the text they echo.
        a = ["--spool-max", "16M", "--reply-format", sdpeer.ECHO_FMT]
        a += self.pki.server_args([self.tls_port], "--tls-handshake-timeout",
                                  str(TLS_DEADLINE))
        if self.sink is not None:
            a += ["--influx-url", self.sink.url, "--influx-db", "soak",
                  "--influx-flush-ms", "200"]
        return a

    def start_server(self):
        srv = SoakServer(ports=self.ports, data_dir=self.data,
                         extra=self.extra(), env=self.env)
        srv.start(timeout=30)
        return srv

    def say(self, msg):
        print("soak: " + msg, flush=True)

    def fail(self, msg):
        """Record the first invariant that failed and stop the run."""
        with self.stats_lock:
            if self.failure is None:
                self.failure = "%.1fs into the run: %s" % (
                    time.monotonic() - self.t_start, msg)
        self.stop.set()

    def count(self, name, n=1):
        with self.stats_lock:
            self.counts[name] += n

    # ---------------------------------------------------------- helpers

    def connect(self, rcvbuf=None, timeout=3.0):
        try:
            return sdpeer.connect(random.choice(self.plain_ports),
                                  timeout=timeout, rcvbuf=rcvbuf)
        except OSError as e:
            time.sleep(0.05)      # refused while the server restarts
            raise Cut("connect: %s" % e)

    def tls_connect(self, timeout=5.0):
        """A TLS connection to the TLS port, the handshake done (the
        server's certificate verified)."""
        s = self.connect_tcp_tls(timeout)
        try:
            return self.tls_ctx.wrap_socket(s, server_hostname="127.0.0.1")
        except OSError as e:        # ssl.SSLError too
            s.close()
            raise Cut("TLS handshake: %s" % e)

    def connect_tcp_tls(self, timeout=5.0):
        """A plain TCP connection to the TLS port."""
        try:
            return sdpeer.connect(self.tls_port, timeout=timeout)
        except OSError as e:
            time.sleep(0.05)
            raise Cut("connect: %s" % e)

    def hello(self, s, dev, name=b"soak"):
        s.sendall(sdwire.hello(dev, name))
        return sdwire.parse_welcome(expect(s, sdwire.T_WELCOME, 5.0))

    def take_budget(self, want):
        """Readings the run may still send now (--readings-rate a second,
        so the spool of a long run fits its tmpfs)."""
        with self.stats_lock:
            now = time.monotonic()
            rate = self.args.readings_rate
            self.budget = min(rate * 5.0, self.budget +
                              (now - self.budget_t) * rate)
            self.budget_t = now
            n = int(min(want, self.budget))
            self.budget -= n
            return n

    # ------------------------------------------------------- behaviours

    def b_never_reading(self, rng):
        """Small requests flat out, never reading the answers, mostly
        until the server drops the client for a full output buffer (the
        close then lands inside a read callback, issue 12 item 1)."""
        s = self.connect(rcvbuf=4096)
        kind = rng.choice(("legacy", "ping", "msg"))
        if kind == "legacy":
            one = sdwire.legacy_msg(PROBE_DEV, b"n" * rng.choice((1, 40)))
        else:
            s.sendall(sdwire.hello(sdwire.mac("02:52:00:00:00:%02x"
                                              % rng.randrange(256)),
                                   b"noread"))
            one = (sdwire.ping(rng.getrandbits(64)) if kind == "ping" else
                   sdwire.msg(rng.getrandbits(32), b"m" * 8))
        block = one * ((256 << 10) // len(one))   # a read holds many
        s.setblocking(False)
        deadline = time.monotonic() + rng.choice((0.5, 10.0))
        try:
            while time.monotonic() < deadline and not self.stop.is_set():
                try:
                    s.send(block)
                except (BlockingIOError, InterruptedError):
                    time.sleep(0.001)
        except OSError:
            self.count("never-reading dropped")
        quiet_close(s, rng)

    def b_rst_mid_file(self, rng):
        """A file cut by an RST part way: extension or legacy."""
        size = rng.choice(BLOBS[1:])
        data = self.blobs[size]
        s = self.connect()
        try:
            if rng.random() < 0.5:
                s.sendall(sdwire.legacy_file_head(PROBE_DEV, 3, size))
                s.sendall(data[:rng.randrange(size)])
            else:
                # At most 4 devices x 2 keys x 2 sizes parked at once:
                # each keeps its part for an hour, on a small tmpfs.
                dev = sdwire.mac("02:53:00:00:00:%02x" % rng.randrange(4))
                w = self.hello(s, dev)
                key = size << 1 | rng.randrange(2)
                s.sendall(sdwire.file_offer(1, size, key, b"rst-%d.bin"
                                            % key))
                acc = sdwire.parse_file_accept(
                    expect(s, sdwire.T_FILE_ACCEPT, 5.0))
                off = acc["offset"]
                end = rng.randrange(off, size + 1)
                step = min(w["max_chunk"] or 65536, 65536)
                while off < end:
                    n = min(step, end - off)
                    s.sendall(sdwire.file_chunk(1, off, data[off:off + n]))
                    off += n
        finally:
            rst_close(s)

    def b_garbage(self, rng):
        """Random bytes, then a close (FIN or RST)."""
        s = self.connect()
        try:
            for _ in range(rng.randint(1, 8)):
                s.sendall(rng.randbytes(rng.randint(1, 4096)))
            sdpeer.recv_until_quiet(s, quiet=0.05, timeout=0.3)
        finally:
            quiet_close(s, rng)

    def b_lying_lengths(self, rng):
        """Headers whose lengths lie, in both protocols, each followed by
        a little of what they promise."""
        s = self.connect()
        dev = sdwire.mac("02:54:00:00:00:%02x" % rng.randrange(256))
        lies = [
            sdwire.HDR.pack(sdwire.T_LEGACY_MSG, 0xFFFFFFFF) + b"x" * 64,
            sdwire.HDR.pack(sdwire.T_LEGACY_DATA, 0x7FFFFFFF) + b"\x22",
            struct.pack("<HIB6sBI", sdwire.T_LEGACY_MSG, 12, 0x22, dev, 1,
                        0xFFFFFF00) + b"short",
            sdwire.HDR.pack(sdwire.T_LEGACY_DATA, 0xFFFFFFFF) +
            struct.pack("<B6sBI", sdwire.SID_MSG, dev, 2, 0xFFFFFFF0) +
            b"y" * 100,
            sdwire.HDR.pack(sdwire.T_HELLO, 3) + b"\x01\x0f\x00",
            sdwire.HDR.pack(sdwire.T_SENSOR_BATCH, 16 + 6) +
            struct.pack("<Q6sH", 1, dev, 60000) + b"\x00" * 4,
            sdwire.file_offer(9, 1 << 62, 1, b"n" * 3)[:-3],
            sdwire.HDR.pack(rng.randrange(0x5300, 0x5330),
                            rng.getrandbits(32)) + rng.randbytes(32),
            sdwire.file_chunk(rng.getrandbits(32), rng.getrandbits(63),
                              b"z" * 100),
        ]
        try:
            if rng.random() < 0.5:
                self.hello(s, dev)
            for _ in range(rng.randint(1, 4)):
                s.sendall(rng.choice(lies))
            sdpeer.recv_until_quiet(s, quiet=0.05, timeout=0.3)
        finally:
            quiet_close(s, rng)

    def b_trickle(self, rng):
        """A few connections sending a message a byte a second, for a few
        seconds, then the rest at once."""
        socks = []
        try:
            for _ in range(rng.randint(1, 6)):
                socks.append(self.connect())
            text = b"trickle"
            frame = sdwire.legacy_msg(PROBE_DEV, text)
            secs = rng.randint(2, 5)
            for i in range(secs):
                if self.stop.wait(1.0):
                    return
                for s in socks:
                    s.sendall(frame[i:i + 1])
            for s in socks:
                s.sendall(frame[secs:])
            deadline = time.monotonic() + 5
            for s in socks:
                if recv_until(s, text, deadline) is None:
                    self.count("trickle unanswered")
        finally:
            for s in socks:
                quiet_close(s, rng)

    def b_hello_storm(self, rng):
        """Many HELLOs on one connection, and many connections saying
        HELLO and going."""
        dev = sdwire.mac("02:55:00:00:00:%02x" % rng.randrange(256))
        s = self.connect()
        try:
            s.sendall(sdwire.hello(dev, b"storm") * rng.randint(2, 200))
            sdpeer.recv_until_quiet(s, quiet=0.05, timeout=0.5)
        finally:
            quiet_close(s, rng)
        for _ in range(rng.randint(5, 30)):
            if self.stop.is_set():
                return
            s = self.connect()
            try:
                s.sendall(sdwire.hello(dev, b"storm"))
                if rng.random() < 0.5:
                    expect(s, sdwire.T_WELCOME, 2.0)
            finally:
                quiet_close(s, rng)

    def b_offer_drop(self, rng):
        """Offer a file, take the accept, drop the connection; again."""
        dev = sdwire.mac("02:56:00:00:00:%02x" % rng.randrange(16))
        for _ in range(rng.randint(3, 20)):
            if self.stop.is_set():
                return
            s = self.connect()
            try:
                self.hello(s, dev)
                key = rng.getrandbits(64)
                s.sendall(sdwire.file_offer(1, 4096, key, b"od.bin"))
                sdpeer.recv_frame(s, 3.0)
            finally:
                quiet_close(s, rng)
            self.count("offers dropped")

    def b_reconnect_storm(self, rng):
        """Connections opened and closed at once, some with a byte."""
        for _ in range(rng.randint(20, 100)):
            if self.stop.is_set():
                return
            s = self.connect()
            if rng.random() < 0.3:
                try:
                    s.send(rng.randbytes(1))
                except OSError:
                    pass
            quiet_close(s, rng)

    def b_readings_ext(self, rng):
        """A burst of SENSOR_BATCHes; every SENSOR_ACK is counted."""
        g1 = self.gen
        s = self.connect()
        try:
            dev = sdwire.mac(EXT_PREFIX + "%02x" % rng.randrange(256))
            self.hello(s, dev)
            sent = {}
            for seq in range(1, rng.randint(1, 20) + 1):
                n = self.take_budget(rng.randint(1, 200))
                if n == 0:
                    break
                tss = [T0 + next(self.ids) for _ in range(n)]
                s.sendall(sdwire.sensor_batch(seq, dev, [
                    (ts, (ts - T0) * 0.5, b"s") for ts in tss]))
                sent[seq] = (time.monotonic(), tss)
            while sent:
                p = expect(s, sdwire.T_SENSOR_ACK, 5.0)
                seq = sdwire.parse_u64(p)
                if seq not in sent:
                    raise Cut("SENSOR_ACK for unknown seq %d" % seq)
                t_sent, tss = sent.pop(seq)
                with self.stats_lock:
                    self.ext_acked.update(tss)
                    if self.gen == g1:
                        self.note_gen(g1, tss[0] - T0, tss[-1] - T0)
                        self.ack_marks[g1] = max(
                            self.ack_marks.get(g1, 0), t_sent)
        finally:
            quiet_close(s, rng) if rng.random() < 0.3 else s.close()

    def b_readings_legacy(self, rng, tls=False):
        """Legacy readings, then a message whose reply proves the server
        read them, then a clean close; tls: over TLS."""
        g1 = self.gen
        s = self.tls_connect() if tls else self.connect()
        try:
            dev = sdwire.mac(LEGACY_PREFIX + "%02x" % rng.randrange(256))
            n = self.take_budget(rng.randint(1, 500))
            vals = [float(next(self.ids)) for _ in range(n)]
            s.sendall(b"".join(sdwire.legacy_sensor(dev, v) for v in vals)
                      + sdwire.legacy_msg(dev, b"sync"))
            got = recv_until(s, b"sync", time.monotonic() + 5.0)
            if got is None:
                raise Cut("no reply after legacy readings")
            t_c = time.monotonic()
            with self.stats_lock:
                if self.gen == g1:
                    self.legacy_wait.append((g1, t_c, vals))
                    if vals:
                        self.note_gen(g1, vals[0], vals[-1])
                else:
                    self.legacy_at_risk += len(vals)
        finally:
            s.close()

    def b_tls_readings_legacy(self, rng):
        """Legacy readings over TLS, accounted as the plain ones."""
        self.b_readings_legacy(rng, tls=True)

    def b_tls_handshake_flood(self, rng):
        """Full handshakes, each connection closed as soon as it is up:
        an RST, a FIN without close_notify, or close_notify then FIN."""
        for _ in range(rng.randint(5, 30)):
            if self.stop.is_set():
                return
            s = self.tls_connect()
            how = rng.random()
            if how < 0.3:
                rst_close(s)
                continue
            if how < 0.6:
                try:
                    s = s.unwrap()
                except OSError:
                    pass
            s.close()

    def b_tls_half_handshake(self, rng):
        """A handshake that stops mid-way: part of a ClientHello, or all
        of it and the server's answer read but no Finished; then closed
        at once or held until the server's deadline closes it."""
        s = self.connect_tcp_tls()
        try:
            hello = self.client_hello
            if rng.random() < 0.5:
                s.sendall(hello[:rng.randint(1, len(hello) - 1)])
            else:
                s.sendall(hello)
                s.settimeout(5.0)
                if not s.recv(65536):
                    raise Cut("no ServerHello")
            if rng.random() < 0.5:
                quiet_close(s, rng)
                return
            self.hold_until_closed(s)
        finally:
            s.close()

    def hold_until_closed(self, s):
        """Wait for the server to close a half handshake (its deadline);
        not closed within HALF_HELD_MAX fails the run."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < HALF_HELD_MAX:
            if self.stop.is_set():
                return
            s.settimeout(0.5)
            try:
                if not s.recv(65536):
                    self.count("tls half held to deadline")
                    return
            except socket.timeout:
                continue
            except OSError:         # a reset: closed too
                self.count("tls half held to deadline")
                return
        with self.lock:
            gen = self.gen
        self.fail("a half TLS handshake held %.0f s by server process %d "
                  "(deadline %d s)" % (HALF_HELD_MAX, gen, TLS_DEADLINE))

    def b_upload(self, rng, name=None, size=None):
        """An extension upload to its end; the FILE_RESULT status."""
        size = size or rng.choice(BLOBS)
        data = self.blobs[size]
        s = self.connect()
        try:
            dev = sdwire.mac("02:57:00:00:00:%02x" % rng.randrange(256))
            w = self.hello(s, dev)
            name = name or b"up-%d.bin" % rng.randrange(4)
            s.sendall(sdwire.file_offer(1, size, rng.getrandbits(64), name))
            t, p = sdpeer.recv_frame(s, 5.0)
            if t != sdwire.T_FILE_ACCEPT:
                return -1
            step = min(w["max_chunk"] or 65536, 256 << 10)
            for off in range(0, size, step):
                s.sendall(sdwire.file_chunk(1, off, data[off:off + step]))
            s.sendall(sdwire.file_end(1, size, self.blob_hash[size]))
            res = sdwire.parse_file_result(expect(s, sdwire.T_FILE_RESULT,
                                                  10.0))
            if res["status"] == 0 and not name.startswith(b"fill-"):
                # As an operator would, or the uploads fill the tmpfs.
                os.unlink(os.path.join(self.data.encode(), b"files",
                                       res["name"]))
            return res["status"]
        finally:
            s.close()

    def worker(self, idx):
        rng = random.Random(self.seed * 1000 + idx)
        names = self.behaviours
        weights = [BEHAVIOURS[n] for n in names]
        while not self.stop.is_set():
            name = rng.choices(names, weights)[0]
            fn = getattr(self, "b_" + name.replace("-", "_"))
            self.count(name)
            try:
                fn(rng)
            except (Cut, OSError, sdpeer.TestFailure) as e:
                self.count(name + " cut short")
                if self.args.verbose:
                    self.say("%s cut short: %s" % (name, e))
            except Exception as e:        # a bug in the soak itself
                self.fail("worker %d, %s: %s: %s" % (idx, name,
                                                     type(e).__name__, e))

    def note_gen(self, gen, lo, hi):
        """Keys lo..hi were acknowledged by process gen (under
        stats_lock)."""
        r = self.gen_keys.setdefault(gen, [lo, hi])
        r[0], r[1] = min(r[0], lo), max(r[1], hi)

    def by_gen(self, ts, values):
        """How many of these readings each server process acknowledged:
        `process 0: 12, 2: 3` (a reading's key is its ts - T0 or its
        legacy value)."""
        n = collections.Counter()
        for k in [t - T0 for t in ts] + [int(v) for v in values]:
            g = [g for g, (lo, hi) in self.gen_keys.items()
                 if lo <= k <= hi]
            n[g[0] if g else "?"] += 1
        return "by server process (0 = first, +1 each restart): " + \
            ", ".join("%s: %d" % kv for kv in sorted(n.items(), key=str))

    # ------------------------------------------------------- invariants

    def proc_stats(self, pid):
        try:
            fds = len(os.listdir("/proc/%d/fd" % pid))
            with open("/proc/%d/status" % pid) as f:
                rss = next(int(l.split()[1]) for l in f
                           if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            return None
        return fds, rss

    def timed(self, what, fn):
        t = time.monotonic()
        try:
            ok = fn(t + self.args.latency)
        except (OSError, sdpeer.TestFailure, Cut) as e:
            ok = "%s: %s" % (type(e).__name__, e)
        lat = time.monotonic() - t
        self.max_lat[what] = max(self.max_lat[what], lat)
        if ok is not True:
            self.fail("%s not served within %.1fs (%.2fs: %s)"
                      % (what, self.args.latency, lat, ok))
        return ok is True

    def probe_legacy(self, deadline):
        n = next(self.ids)
        text = b"probe-%d" % n
        s = probe_connect(self.ports[n % 2], self.args.latency)
        try:
            s.sendall(sdwire.legacy_msg(PROBE_DEV, text))
            return recv_until(s, text, deadline) is not None or "no reply"
        finally:
            s.close()

    def probe_tls(self, deadline):
        """A TLS handshake and a legacy message over it, answered."""
        n = next(self.ids)
        text = b"tls-probe-%d" % n
        s = probe_connect(self.tls_port, self.args.latency)
        try:
            t = self.tls_ctx.wrap_socket(s, server_hostname="127.0.0.1")
        except OSError:
            s.close()
            raise
        try:
            t.sendall(sdwire.legacy_msg(PROBE_DEV, text))
            return recv_until(t, text, deadline) is not None or "no reply"
        finally:
            t.close()

    def probe_ping(self, deadline):
        if self.probe_ext is None:
            s = probe_connect(self.ports[0], self.args.latency)
            self.probe_ext = s
            s.sendall(sdwire.hello(PROBE_DEV, b"probe"))
            expect(s, sdwire.T_WELCOME, deadline - time.monotonic())
        s = self.probe_ext
        tok = next(self.ids)
        s.sendall(sdwire.ping(tok))
        while True:
            p = expect(s, sdwire.T_PONG, max(0.0, deadline -
                                             time.monotonic()))
            if sdwire.parse_u64(p) == tok:
                return True

    def probe_ctl(self, deadline):
        c = sdpeer.Control(self.srv.control_path,
                           timeout=self.args.latency)
        try:
            ans = c.request({"cmd": "status"},
                            timeout=max(0.01, deadline - time.monotonic()))
            return ans.get("ok") is True or "answer %r" % ans
        finally:
            c.close()

    def sanitizer_lines(self, srv):
        with srv._cond:
            return [l for l in srv.stderr_lines
                    if any(m in l for m in sdpeer.SANITIZER_MARKS)]

    def check_once(self):
        with self.lock:
            srv = self.srv
            if not srv.alive():
                self.fail("server died (exit status %r); stderr tail: %s"
                          % (srv.proc.poll(), srv.stderr_text()[-1500:]))
                return
            st = self.proc_stats(srv.pid)
            if st is not None:
                fds, rss = st
                self.max_fds = max(self.max_fds, fds)
                self.max_rss = max(self.max_rss, rss)
                if fds > self.args.fd_max:
                    self.fail("server holds %d descriptors (bound %d)"
                              % (fds, self.args.fd_max))
                if rss > self.args.rss_max_mib * 1024:
                    self.fail("server RSS %d KiB (bound %d MiB)"
                              % (rss, self.args.rss_max_mib))
            bad = self.sanitizer_lines(srv)
            if bad:
                self.fail("sanitizer report: %s" % "\n".join(bad[:5]))
            self.probes += 1
            self.timed("legacy message", self.probe_legacy)
            self.timed("TLS message", self.probe_tls)
            if not self.timed("extension PING", self.probe_ping):
                self.drop_probe()
            self.timed("ctl status", self.probe_ctl)

    def drop_probe(self):
        if self.probe_ext is not None:
            self.probe_ext.close()
            self.probe_ext = None

    def monitor(self):
        last = time.monotonic()
        while not self.stop.wait(1.0):
            self.check_once()
            if time.monotonic() - last >= 60:
                last = time.monotonic()
                self.progress()

    def progress(self):
        """A line a minute: how the bounds and the readings go."""
        st = os.statvfs(self.data)
        with self.stats_lock:
            self.say("%.0fs: %d probes, max %d descriptors, max RSS %d "
                     "KiB, %d readings acknowledged, %d MiB free on the "
                     "data dir" % (time.monotonic() - self.t_start,
                                   self.probes, self.max_fds,
                                   self.max_rss, len(self.ext_acked) +
                                   len(self.legacy_acked),
                                   st.f_bavail * st.f_frsize >> 20))

    # ------------------------------------------------------------ chaos

    def settle_legacy(self, gen, clean):
        """Legacy readings read by process gen, which has just exited
        (clean: on SIGTERM with status 0), are acknowledged or at risk."""
        with self.stats_lock:
            mark = self.ack_marks.get(gen, -1)
            keep = []
            for g, t_c, vals in self.legacy_wait:
                if g != gen:
                    keep.append((g, t_c, vals))
                elif clean or mark > t_c:
                    self.legacy_acked.update(vals)
                else:
                    self.legacy_at_risk += len(vals)
            self.legacy_wait = keep

    def promote_legacy(self):
        """Legacy readings a later SENSOR_ACK of their process proves
        written count as acknowledged at once."""
        with self.stats_lock:
            keep = []
            for g, t_c, vals in self.legacy_wait:
                if self.ack_marks.get(g, -1) > t_c:
                    self.legacy_acked.update(vals)
                else:
                    keep.append((g, t_c, vals))
            self.legacy_wait = keep

    def kill_restart(self):
        with self.lock:
            old = self.srv
            self.drop_probe()
            if not old.alive():
                self.fail("server died before its kill (exit status %r); "
                          "stderr tail: %s" % (old.proc.poll(),
                                               old.stderr_text()[-1500:]))
                return
            old.stop(signal.SIGKILL)
            bad = self.sanitizer_lines(old)
            if bad:
                self.fail("sanitizer report: %s" % "\n".join(bad[:5]))
            self.settle_legacy(self.gen, clean=False)
            self.gen += 1
            try:
                self.srv = self.start_server()
            except sdpeer.TestFailure as e:
                self.fail("restart after SIGKILL failed: %s" % e)
                self.srv = old
                return
        self.count("kills")

    def disk_full(self, rng, hold):
        """Fill the tmpfs: a ballast file up to a few MiB short, then
        uploads until the disk refuses; hold; free it all."""
        ballast = os.path.join(self.mnt, "ballast")
        st = os.statvfs(self.mnt)
        room = st.f_bavail * st.f_frsize - (6 << 20)
        if room > 0:
            fd = os.open(ballast, os.O_CREAT | os.O_WRONLY, 0o600)
            try:
                os.posix_fallocate(fd, 0, room)
            except OSError:
                pass
            os.close(fd)
        refused = 0
        for i in range(30):
            if self.stop.is_set():
                break
            try:
                status = self.b_upload(rng, name=b"fill-%d.bin" % i,
                                       size=1 << 20)
            except (Cut, OSError, sdpeer.TestFailure):
                status = -2
            self.count("disk-full uploads")
            if status != 0:
                refused += 1
                if refused >= 3:
                    break
        self.count("disk-full uploads refused", refused)
        self.stop.wait(hold)
        os.unlink(ballast) if os.path.exists(ballast) else None
        files = os.path.join(self.data, "files")
        for n in os.listdir(files) if os.path.isdir(files) else ():
            if n.startswith("fill-") and not n.endswith(".part"):
                os.unlink(os.path.join(files, n))
        self.count("disk-full windows")

    def schedule(self, rng):
        """(time, action, argument) from the seed: kills every 10-25 s,
        the sink down from the start until after the first kill (a backlog
        the sink never confirmed must survive it) and later for 5-15 s at
        a time, one disk-full window in each 60 s."""
        end = self.args.seconds - 6
        ev = []
        t = rng.uniform(8, 15)
        while t < end and not self.args.no_kill:
            ev.append((t, "kill", None))
            t += rng.uniform(10, 25)
        if self.sink is not None:
            first = ev[0][0] + 2 if ev else end / 3
            ev.append((min(first, end), "sink-up", None))
            t = first + rng.uniform(5, 15)
            while t + 5 < end:
                d = rng.uniform(5, 15)
                ev.append((t, "sink-down", None))
                ev.append((min(t + d, end), "sink-up", None))
                t += d + rng.uniform(10, 30)
        if self.mnt is not None:
            for w in range(max(1, self.args.seconds // 60)):
                t = w * 60 + rng.uniform(15, 40)
                if t + 10 < end:
                    ev.append((t, "disk-full", rng.uniform(2, 5)))
        return sorted(ev, key=lambda e: e[0])

    def chaos(self, rng):
        plan = self.schedule(rng)
        self.say("schedule: " + ", ".join("%s@%.0fs" % (a, t)
                                          for t, a, _ in plan))
        for t, action, arg in plan:
            if self.stop.wait(max(0.0, self.t_start + t - time.monotonic())):
                return
            if action == "kill":
                self.kill_restart()
            elif action == "sink-up":
                self.sink.up()
                self.count("sink up")
            elif action == "sink-down":
                self.sink.down()
                self.count("sink down")
            elif action == "disk-full":
                t = threading.Thread(target=self.disk_full, daemon=True,
                                     args=(random.Random(rng.random()),
                                           arg))
                t.start()
                self.fillers.append(t)
            self.promote_legacy()

    # ------------------------------------------------------------- run

    def run(self):
        self.say("seed %d" % self.seed)
        self.say("%d seconds, %d workers, behaviours: %s"
                 % (self.args.seconds, self.args.workers,
                    ", ".join(self.behaviours)))
        self.say("bounds: %d descriptors, %d MiB RSS, %.1fs to serve"
                 % (self.args.fd_max, self.args.rss_max_mib,
                    self.args.latency))
        self.setup_dir()
        try:
            self._run()
        finally:
            self.cleanup()

    def _run(self):
        if not self.args.no_sink:
            self.sink = Sink(sdpeer.free_port())     # down at first
        self.srv = self.start_server()
        self.t_start = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(i,),
                                    daemon=True)
                   for i in range(self.args.workers)]
        threads.append(threading.Thread(target=self.chaos, daemon=True,
                                        args=(random.Random(self.seed),)))
        for t in threads:
            t.start()
        mon = threading.Thread(target=self.monitor, daemon=True)
        mon.start()
        self.stop.wait(self.args.seconds)
        self.stop.set()
        for t in threads + [mon] + self.fillers:
            t.join(30)
            if t.is_alive():
                self.fail("a soak thread did not stop within 30 s")
        if self.failure is None:
            self.check_once()
        self.finish()

    def finish(self):
        self.promote_legacy()
        delivered = None
        if self.failure is None and self.sink is not None:
            self.sink.up()
            try:
                sdinflux.wait_sink(self.srv, "influx", lambda e:
                                   e["backlog_bytes"] == 0, timeout=30,
                                   what="backlog 0 at the end")
            except sdpeer.TestFailure as e:
                self.fail(str(e))
        self.drop_probe()
        if self.failure is None:
            rc = self.srv.stop(timeout=30)
            if rc != 0:
                self.fail("exit status %r after SIGTERM" % rc)
            bad = self.sanitizer_lines(self.srv)
            if bad:
                self.fail("sanitizer report: %s" % "\n".join(bad[:5]))
            self.settle_legacy(self.gen, clean=rc == 0)
        ts, vals = set(), set()
        for line in sdpeer.readings_lines(os.path.join(self.data,
                                                       "sensors")):
            r = sdpeer.parse_reading(line)
            if r["device"].startswith(EXT_PREFIX):
                ts.add(r["ts"])
            elif r["device"].startswith(LEGACY_PREFIX):
                vals.add(r["value"])
        miss_ext = self.ext_acked - ts
        miss_leg = self.legacy_acked - vals
        if self.failure is None and (miss_ext or miss_leg):
            self.fail("acknowledged readings missing from the spool: %d "
                      "extension (e.g. ts %s), %d legacy (e.g. value %s); "
                      "%s" % (len(miss_ext), sorted(miss_ext)[:3],
                              len(miss_leg), sorted(miss_leg)[:3],
                              self.by_gen(miss_ext, miss_leg)))
        if self.sink is not None:
            with self.sink.lock:
                delivered = (len(self.ext_acked & self.sink.ts) +
                             len(self.legacy_acked & self.sink.values))
                und_e = self.ext_acked - self.sink.ts
                und_l = self.legacy_acked - self.sink.values
            if self.failure is None and (und_e or und_l):
                self.fail("acknowledged readings never delivered to the "
                          "sink: %d extension (e.g. ts %s), %d legacy; %s"
                          % (len(und_e), sorted(und_e)[:3], len(und_l),
                             self.by_gen(und_e, und_l)))
        self.summary(len(ts & self.ext_acked) +
                     len(vals & self.legacy_acked), delivered)

    def summary(self, found, delivered):
        acked = len(self.ext_acked) + len(self.legacy_acked)
        self.say("summary: seed %d, %d s, %d probes" % (
            self.seed, self.args.seconds, self.probes))
        for name in sorted(self.counts):
            self.say("  %-28s %d" % (name, self.counts[name]))
        self.say("  max descriptors %d (bound %d), max RSS %d KiB "
                 "(bound %d MiB)" % (self.max_fds, self.args.fd_max,
                                     self.max_rss, self.args.rss_max_mib))
        self.say("  slowest answers: " + ", ".join(
            "%s %.3fs" % kv for kv in sorted(self.max_lat.items())))
        self.say("  acknowledged readings %d (extension %d, legacy %d), "
                 "found in spool %d, legacy at risk (kill before proof) "
                 "%d" % (acked, len(self.ext_acked), len(self.legacy_acked),
                         found, self.legacy_at_risk))
        if delivered is not None:
            self.say("  delivered to the sink %d of %d" % (delivered, acked))
        if self.failure is not None:
            sdpeer.fail("seed %d: %s" % (self.seed, self.failure))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--seed", type=int,
                    default=int.from_bytes(os.urandom(4), "little"))
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--only", help="comma-separated behaviours")
    ap.add_argument("--without", help="comma-separated behaviours")
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--no-sink", action="store_true")
    ap.add_argument("--no-disk-full", action="store_true")
    ap.add_argument("--fd-max", type=int, default=FD_MAX)
    ap.add_argument("--rss-max-mib", type=int, default=RSS_MAX_MIB)
    ap.add_argument("--latency", type=float, default=1.0)
    ap.add_argument("--readings-rate", type=float, default=500.0,
                    help="readings a second, on average (500)")
    ap.add_argument("--tmpfs-mib", type=int, default=0)
    ap.add_argument("--keep", action="store_true",
                    help="keep the data directory (and its tmpfs)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    soak = Soak(args)

    def on_term(signum, frame):
        raise sdpeer.TestFailure("seed %d: stopped by signal %d"
                                 % (args.seed, signum))
    # meson's timeout: the tmpfs is unmounted and the server killed.
    signal.signal(signal.SIGTERM, on_term)
    sdpeer.run(soak.run, deadline=args.seconds + 110)


if __name__ == "__main__":
    main()
