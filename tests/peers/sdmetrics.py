"""Helpers for the tests of the metrics endpoint (--metrics-listen): a
server with it on a free loopback port, raw HTTP requests, and a parser
of the Prometheus text format written apart from src/common/sd_prom.c
(the second opinion)."""
import re
import socket
import time

import sdpeer

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def server(extra=(), **kw):
    """A started sockdeckd with --metrics-listen on a free port; the
    port is srv.metrics_port."""
    port = sdpeer.free_port()
    srv = sdpeer.Server(extra=["--metrics-listen", "127.0.0.1:%d" % port]
                        + list(extra), **kw).start()
    srv.metrics_port = port
    return srv


def request(port, raw, timeout=5.0):
    """Send raw bytes, read until the server closes (or timeout): the
    status code (None when nothing came back), headers and body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if not data:
        return None, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    code = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return code, hdrs, body


def get(port, path, method="GET", timeout=5.0):
    return request(port, ("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close"
                          "\r\n\r\n" % (method, path)).encode(), timeout)


def scrape(port):
    """The /metrics body as text; fails the test on any other answer."""
    code, hdrs, body = get(port, "/metrics")
    sdpeer.check(code == 200, "/metrics answered %r" % code)
    sdpeer.check(hdrs.get("content-type", "").startswith(
        "text/plain; version=0.0.4"), "content type %r"
        % hdrs.get("content-type"))
    return body.decode()


def parse(text):
    """{(name, frozenset of (label, value)): value} of every sample."""
    out = {}
    for ln in text.splitlines():
        if not ln or ln.startswith("#"):
            continue
        m = SAMPLE.match(ln)
        sdpeer.check(m, "not a sample line: %r" % ln)
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def wait_metric(port, name, pred, timeout, **labels):
    """The parsed scrape once name's value (with labels) passes pred: a
    counter moves when the loop hears of it, a little after what it
    counts can be seen elsewhere."""
    deadline = time.monotonic() + timeout
    while True:
        s = parse(scrape(port))
        v = value(s, name, **labels)
        if v is not None and pred(v):
            return s
        sdpeer.check(time.monotonic() < deadline, "%s%s stayed at %r"
                     % (name, labels or "", v))
        time.sleep(0.2)


def promtool_check(text):
    """promtool check metrics on a scrape's text; fails the test when it
    does not pass."""
    import subprocess
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    sdpeer.check(r.returncode == 0, "promtool check metrics failed: %s%s"
                 % (r.stdout.decode(), r.stderr.decode()))


def histogram(samples, name, **labels):
    """A histogram's [(le, cumulative count)] by le (+Inf last), its _sum
    and _count; checks the buckets rise and +Inf equals _count."""
    buckets = []
    for (n, lbl), v in samples.items():
        d = dict(lbl)
        le = d.pop("le", None)
        if n == name + "_bucket" and d == labels and le is not None:
            buckets.append((float(le), v))
    buckets.sort()
    sdpeer.check(buckets and buckets[-1][0] == float("inf"),
                 "%s%r has no +Inf bucket: %r" % (name, labels, buckets))
    for (_, a), (_, b) in zip(buckets, buckets[1:]):
        sdpeer.check(a <= b, "%s%r buckets fall: %r" % (name, labels,
                                                       buckets))
    total = value(samples, name + "_sum", **labels)
    count = value(samples, name + "_count", **labels)
    sdpeer.check(count == buckets[-1][1], "%s_count %r is not +Inf's %r"
                 % (name, count, buckets[-1][1]))
    return buckets, total, count
