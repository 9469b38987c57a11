"""bench_tls: the TLS scenarios of tests/bench/run (tls-ingest,
tls-vs-stunnel, tls-handshakes). Standard library only; the
certificates are made at run time by the `openssl` command (sdtls.Pki:
a CA and a server certificate for 127.0.0.1, EC P-256).

Every side of a pair is a fresh server (sockdeckd, stunnel, openssl
s_server) on free 127.0.0.1 ports in a temporary directory; the pairs
alternate which side goes first. sd_loadgen --tls does not verify the
server's certificate (the figures are the servers', not the client's
checks) and never resumes a session, and its ingest connections finish
their handshakes before the clock starts.
"""
import os
import shutil
import subprocess

import sdbench as B

_pki = None


def pki():
    """One CA and server certificate for the whole run."""
    global _pki
    if _pki is None:
        import sdtls
        if not shutil.which("openssl"):
            raise B.Skip("openssl not found (Debian package openssl: "
                         "tools/deps)")
        _pki = sdtls.Pki()
    return _pki


def fmt_tls(info):
    """What a load generator's connections spoke (its JSON's "tls")."""
    if "tls" not in info:
        return "?"
    return info["tls"] or "plain TCP"


# -------------------------------------------------------------- stunnel

STUNNEL_CONF = """\
foreground = yes
pid =
output = {dir}/stunnel.log
debug = warning
socket = l:TCP_NODELAY=1
socket = r:TCP_NODELAY=1

[sockdeck]
accept = 127.0.0.1:{port}
connect = 127.0.0.1:{backend}
cert = {cert}
key = {key}
"""


class Stunnel:
    """stunnel4 in the foreground, its config and log in a temp dir:
    TLS on a free 127.0.0.1 port, plain TCP on to backend (what operators
    put in front of a plain server), the same certificate and key as
    sockdeckd's own TLS port."""

    def __init__(self, backend, pki):
        self.bin = B.need_tool("stunnel4", "stunnel4")
        self.port = B.free_port()
        self.dir = B.tempdir("stunnel-")
        self.conf = os.path.join(self.dir, "stunnel.conf")
        with open(self.conf, "w") as f:
            f.write(STUNNEL_CONF.format(dir=self.dir, port=self.port,
                                        backend=backend, cert=pki.chain,
                                        key=pki.key))
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "stunnel.log"), "rb") as f:
                return f.read().decode("utf-8", "replace").strip()[-400:]
        except OSError:
            return ""

    def start(self):
        self.proc = B.spawn([self.bin, self.conf], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        try:
            B.wait_listening(self.port, self.proc, what="stunnel4")
        except B.BenchError as e:
            raise B.BenchError("%s: %s" % (e, self.log_tail()))
        return self

    def stop(self):
        B.stop_proc(self.proc)
        B.rmdir(self.dir)


# ------------------------------------------------------------ s_server

class SServer:
    """openssl s_server on a free 127.0.0.1 port, pinned by prefix: the
    same certificate and key, no session tickets (as sockdeckd sends
    none), -quiet, stdin /dev/null. It serves one connection at a time,
    to its end, then accepts the next."""

    def __init__(self, pki, prefix=()):
        self.bin = B.need_tool("openssl", "openssl")
        self.port = B.free_port()
        self.argv = list(prefix) + [
            self.bin, "s_server", "-accept", "%s:%d" % (B.HOST, self.port),
            "-cert", pki.chain, "-key", pki.key, "-num_tickets", "0",
            "-quiet"]
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        self.proc = B.spawn(self.argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        B.wait_listening(self.port, self.proc, what="openssl s_server")
        return self

    def stop(self):
        B.stop_proc(self.proc)


# ------------------------------------------------------------ scenarios

def pairs(P, fmt, progress, what, unit, sides):
    """P["runs"] pairs of runs, each side first in every other pair.
    sides: two (label, run function, info dict) for sockdeck and its
    baseline; a run function returns (its figure, CPU time per unit in
    ns). (sockdeck's figures, the baseline's, sockdeck's CPU times, the
    baseline's)"""
    out = ([], [])
    for i in range(P["runs"]):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for k in order:
            out[k].append(sides[k][1]())
        progress("%s, run %d/%d: %s" % (what, i + 1, P["runs"], ", ".join(
            "%s %s, %.0f ns CPU each (%s)" % (
                label, fmt(got[-1][0], unit), got[-1][1], fmt_tls(info))
            for (label, _, info), got in zip(sides, out))))
    return ([x[0] for x in out[0]], [x[0] for x in out[1]],
            [x[1] for x in out[0]], [x[1] for x in out[1]])


def ingest(conns, total, info, **kw):
    """(readings/s, CPU ns a reading: the server's, plus the proxy's)."""
    r = B.ingest_sockdeckd(conns, total, info=info, **kw)
    return r[0], r[2] + info.get("proxy_cpu_ns", 0)


def loop_note(label, info):
    """How much of the run the side's event loop was on a CPU and how
    much it waited for one (medians of the runs)."""
    if not info.get("loop_run"):
        return "%s: ?" % label
    return "%s on a CPU %.0f%% of the time, waiting for one %.0f%%" % (
        label, 100 * B.median(info["loop_run"]),
        100 * B.median(info["loop_wait"]))


def loop_row(Row, scenario, baseline, info, base_info):
    """The event loop thread's CPU time per reading, both sides: what
    a loop-bound server's rate is, given a core of its own."""
    return Row(scenario, "  event loop thread's CPU per reading", "ns",
               info.get("loop_ns", []), baseline,
               base_info.get("loop_ns", []), higher=False)


def sc_tls_ingest(P, tmp, Row, fmt, progress):
    """Legacy readings from 8 TLS connections beside the same over plain
    TCP, both into sockdeckd --fsync everysec, verified in the spool."""
    conns = 8
    total = P["ingest"] // conns * conns
    info, plain_info = {}, {}
    ours, plain, cpu, plain_cpu = pairs(
        P, fmt, progress, "tls-ingest", "readings/s", (
            ("TLS", lambda: ingest(conns, total, info, tls=pki()), info),
            ("plain", lambda: ingest(conns, total, plain_info),
             plain_info)))
    note = ("%d readings a run, %s; the spool holds every one, "
            "fsync'ed, when the clock stops; the event loop %s" % (
                total, fmt_tls(info), "; ".join((
                    loop_note("with TLS", info),
                    loop_note("plain", plain_info)))))
    return [Row("tls-ingest", "%d conns -> spool, TLS" % conns,
                "readings/s", ours, "the same over plain TCP", plain,
                (">=", 0.7), note=note),
            Row("tls-ingest", "  server CPU per reading", "ns", cpu,
                "the same over plain TCP", plain_cpu, higher=False),
            loop_row(Row, "tls-ingest", "the same over plain TCP", info,
                     plain_info)]


def sc_tls_vs_stunnel(P, tmp, Row, fmt, progress):
    """The same TLS load into sockdeckd's own TLS port beside stunnel4
    terminating TLS in front of a plain sockdeckd."""
    B.need_tool("stunnel4", "stunnel4")
    conns = 8
    total = P["ingest"] // conns * conns
    info, st_info = {}, {}

    def via(srv):
        return Stunnel(srv.port, pki()).start()
    ours, st, cpu, st_cpu = pairs(
        P, fmt, progress, "tls-vs-stunnel", "readings/s", (
            ("sockdeckd TLS", lambda: ingest(conns, total, info, tls=pki()),
             info),
            ("stunnel4 -> plain sockdeckd",
             lambda: ingest(conns, total, st_info, via=via), st_info)))
    note = ("%d readings a run; sockdeckd's TLS: %s; stunnel4's: %s "
            "(TCP_NODELAY both ways, its default threads); every reading "
            "in the spool either way; the event loop %s" % (
                total, fmt_tls(info), fmt_tls(st_info), "; ".join((
                    loop_note("of sockdeckd TLS", info),
                    loop_note("behind stunnel4", st_info)))))
    return [Row("tls-vs-stunnel", "%d conns -> spool, TLS" % conns,
                "readings/s", ours, "stunnel4 -> plain sockdeckd", st,
                (">=", 1.5), note=note),
            Row("tls-vs-stunnel", "  CPU per reading, every server process",
                "ns", cpu, "stunnel4 + plain sockdeckd", st_cpu,
                higher=False),
            loop_row(Row, "tls-vs-stunnel", "plain sockdeckd behind stunnel4",
                     info, st_info)]


def cores():
    """(the server's core, the load generator's or None) for taskset."""
    try:
        mine = sorted(os.sched_getaffinity(0))
    except AttributeError:
        mine = list(range(os.cpu_count() or 1))
    return mine[0], (mine[1] if len(mine) > 1 else None)


def handshakes(srv, seconds, client_core, info):
    """(handshakes/s, the server's CPU ns a handshake) from srv (.port,
    .pid) in a window of seconds."""
    pin = (["taskset", "-c", str(client_core)]
           if client_core is not None else [])
    cpu0 = B.cpu_seconds(srv.pid)
    r = B.loadgen("handshake", srv.port, HS_CONNS, tls=True,
                  seconds=seconds, prefix=pin, timeout=seconds + 120)
    cpu = B.cpu_seconds(srv.pid) - cpu0
    info.update(r)
    if r["acked"] == 0:
        raise B.BenchError("no TLS handshake completed in %.0f s on port %d"
                           % (seconds, srv.port))
    return r["acked"] / r["seconds"], cpu * 1e9 / r["acked"]


HS_CONNS = 8


def client_us(r):
    """The load generator's CPU microseconds per handshake."""
    return r["cpu_seconds"] * 1e6 / max(1, r["acked"])


def sc_tls_handshakes(P, tmp, Row, fmt, progress):
    """Full handshakes a second from 8 connections at a time, each closed
    once its handshake is done: sockdeckd pinned to one core beside
    openssl s_server pinned to the same core."""
    if not shutil.which("taskset"):
        raise B.Skip("taskset not found (Debian package util-linux)")
    srv_core, cli_core = cores()
    pin = ["taskset", "-c", str(srv_core)]
    secs = P["tls_hs_s"]
    info, s_info = {}, {}

    def sockdeckd():
        srv = B.Sockdeckd(tls=pki(), prefix=pin).start()
        try:
            return handshakes(srv, secs, cli_core, info)
        finally:
            srv.stop()

    def s_server():
        ss = SServer(pki(), prefix=pin).start()
        try:
            return handshakes(ss, secs, cli_core, s_info)
        finally:
            ss.stop()
    ours, base, cpu, base_cpu = pairs(
        P, fmt, progress, "tls-handshakes", "handshakes/s",
        (("sockdeckd", sockdeckd, info), ("s_server", s_server, s_info)))
    note = ("%.0f s windows; servers on core %d (taskset), the load "
            "generator on %s; sockdeckd: %s, s_server: %s; the load "
            "generator sends close_notify and closes once each handshake "
            "is done; s_server serves one connection at a time, "
            "sockdeckd all %d at once; in the last windows, handshake "
            "p50 sockdeckd %.1f ms, s_server %.1f ms, and the load "
            "generator's own CPU time per handshake %.0f us and %.0f us "
            "(%.0f%% and %.0f%% of its core; a server's CPU row below is "
            "its cost whatever limited the rate)" % (
                secs, srv_core, "core %d" % cli_core if cli_core is not None
                else "any core", fmt_tls(info), fmt_tls(s_info), HS_CONNS,
                info["latency_us"]["p50"] / 1e3,
                s_info["latency_us"]["p50"] / 1e3,
                client_us(info), client_us(s_info),
                100 * info["cpu_seconds"] / info["seconds"],
                100 * s_info["cpu_seconds"] / s_info["seconds"]))
    return [Row("tls-handshakes", "%d conns, server on 1 core" % HS_CONNS,
                "handshakes/s", ours, "openssl s_server, on 1 core", base,
                (">=", 0.8), note=note),
            Row("tls-handshakes", "  server CPU per handshake", "us",
                [c / 1e3 for c in cpu], "openssl s_server",
                [c / 1e3 for c in base_cpu], higher=False)]
