"""sdinflux: a private InfluxDB 1.x (Debian's influxd 1.6) for the sink tests.

    import sdinflux
    sdinflux.require()                  # exit 77 (skip) without influxd
    db = sdinflux.Influx().start()      # temp dir, free loopback ports
    db.create_db("t")
    srv = sdpeer.Server(extra=["--influx-url", db.url, "--influx-db", "t"])
    ...
    db.count("t")                       # points of measurement `sensor`
    db.points("t")                      # [(time_ns, device, value), ...]
    db.stop(); db.start()               # same dirs and ports
    proxy = sdinflux.Proxy(db)          # record what the sink sends:
    srv = sdpeer.Server(extra=["--influx-url", proxy.url, ...])
    proxy.accepted_lines()              # Counter of lines answered 2xx
    sdinflux.check_accepted_once(proxy, srv.readings_lines())

Each instance writes its own config (meta, data and wal directories in a
temporary directory, reporting off, every service but HTTP off, HTTP and
RPC on free 127.0.0.1 ports, logging at `error`) and waits until `/ping`
answers 204. The instance joins sdpeer's list of servers, so sdpeer.run()
kills it and removes its directory however the test ends (its log is
printed when the test fails). Standard library only.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import sdpeer
from sdpeer import check, fail

CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"

[meta]
  dir = "{dir}/meta"
  logging-enabled = false

[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  auth-enabled = false
  log-enabled = false
  write-tracing = false
  pprof-enabled = false
  max-row-limit = 0

[ifql]
  enabled = false

[logging]
  level = "error"
  suppress-logo = true

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
"""


def binary():
    return os.environ.get("INFLUXD") or shutil.which("influxd")


def require():
    """Exit 77 (meson's `skipped`) when there is no influxd binary."""
    if not binary():
        print("SKIP %s: influxd not found (install influxdb)"
              % os.path.basename(sys.argv[0]))
        sys.exit(77)


class Influx:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sdinflux-")
        self.http_port, self.rpc_port = sdpeer.free_ports(
            2, consecutive=False)
        self.conf = os.path.join(self.dir, "influxdb.conf")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(dir=self.dir, rpc=self.rpc_port,
                                  http=self.http_port))
        self.log_path = os.path.join(self.dir, "influxd.log")
        self.proc = None
        self._log = None
        # duck-typed for sdpeer.run(): proc, _threads, stderr_lines,
        # raw_lines, stderr_text(), kill(), cleanup()
        self._threads = []
        self.stderr_lines = []
        self.raw_lines = []
        sdpeer._servers.append(self)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http_port

    # ----------------------------------------------------------- process

    def start(self, timeout=20.0):
        b = binary()
        if not b:
            fail("influxd not found")
        self._log = open(self.log_path, "ab")
        sdpeer.log("starting influxd on %s (dir %s)" % (self.url, self.dir))
        self.proc = subprocess.Popen([b, "-config", self.conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                fail("influxd exited with %s at start; log: %s"
                     % (self.proc.returncode, self.stderr_text()[-1500:]))
            if self.ping():
                return self
            if time.monotonic() > deadline:
                fail("influxd did not answer /ping within %.0fs; log: %s"
                     % (timeout, self.stderr_text()[-1500:]))
            time.sleep(0.1)

    def ping(self):
        try:
            with urllib.request.urlopen(self.url + "/ping", timeout=1) as r:
                return r.status == 204
        except (OSError, urllib.error.URLError):
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15.0):
        """SIGTERM and wait (SIGKILL after timeout); the HTTP port then
        refuses connections until start() again."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except Exception:
                pass
        if self._log:
            self._log.close()
            self._log = None

    def stderr_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.kill()
        if not os.environ.get("SDPEER_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # -------------------------------------------------------------- HTTP

    def _request(self, path, params, data=None, timeout=10.0):
        url = self.url + path + "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=data,
                                     method="POST" if data is not None
                                     else "GET")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def query(self, q, db=None, post=False):
        """The parsed JSON answer of /query (epoch=ns); fails on an HTTP
        error or an `error` in the answer."""
        params = {"q": q, "epoch": "ns"}
        if db:
            params["db"] = db
        status, body = self._request("/query", params,
                                     data=b"" if post else None)
        if status != 200:
            fail("influx query %r: HTTP %d %r" % (q, status, body[:300]))
        ans = json.loads(body)
        for r in ans.get("results", []):
            if "error" in r:
                fail("influx query %r: %s" % (q, r["error"]))
        return ans

    def create_db(self, name):
        # CREATE DATABASE needs POST on influxd >= 1.x
        self.query('CREATE DATABASE "%s"' % name, post=True)

    def write(self, db, lines, precision="ns"):
        """POST /write; (status, body)."""
        if isinstance(lines, (list, tuple)):
            lines = "\n".join(lines) + "\n"
        if isinstance(lines, str):
            lines = lines.encode()
        return self._request("/write", {"db": db, "precision": precision},
                             data=lines)

    def rows(self, q, db):
        """Every row of every series of the first result, as dicts."""
        out = []
        for r in self.query(q, db).get("results", []):
            for s in r.get("series", []):
                cols = s["columns"]
                for v in s.get("values", []):
                    out.append(dict(zip(cols, v)))
        return out

    def count(self, db, measurement="sensor", field="value"):
        rows = self.rows('SELECT count("%s") FROM "%s"'
                         % (field, measurement), db)
        return rows[0]["count"] if rows else 0

    def points(self, db, measurement="sensor", tag="Mac-Address",
               field="value"):
        """[(time_ns, tag value, field value)] in time order."""
        rows = self.rows('SELECT * FROM "%s"' % measurement, db)
        return [(r["time"], r.get(tag), r.get(field)) for r in rows]

    def wait_count(self, db, n, timeout=20.0, measurement="sensor"):
        """Wait until the measurement holds at least n points; the count."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.count(db, measurement)
            if c >= n or time.monotonic() > deadline:
                return c
            time.sleep(0.2)


# ------------------------------------------------------------ sink status

def sinks(srv):
    """status.sinks of the server, as a dict by name."""
    ans = srv.ctl({"cmd": "status"})
    if not ans.get("ok"):
        fail("status request failed: %r" % ans)
    lst = ans.get("status", {}).get("sinks")
    if not isinstance(lst, list):
        fail("status has no `sinks` list: %r" % ans.get("status"))
    return {s.get("name"): s for s in lst}


def sink_status(srv, name):
    s = sinks(srv).get(name)
    if s is None:
        fail("status.sinks has no %r entry: %r" % (name, sinks(srv)))
    return s


def wait_sink(srv, name, pred, timeout=15.0, what="condition"):
    """Poll status.sinks[name] until pred(entry) holds; the entry."""
    deadline = time.monotonic() + timeout
    while True:
        s = sink_status(srv, name)
        if pred(s):
            return s
        if time.monotonic() > deadline:
            fail("status.sinks %s: no %s within %.0fs; last %r"
                 % (name, what, timeout, s))
        time.sleep(0.1)


SINK_KEYS = ("name", "state", "error", "backlog_bytes", "backlog_readings",
             "backlog_exact", "oldest_age_s", "delivered", "rate",
             "retries", "rejects", "dropped")


def check_sink_keys(entry):
    missing = [k for k in SINK_KEYS if k not in entry]
    sdpeer.check(not missing, "status.sinks entry lacks %r: %r"
                 % (missing, entry))


# ----------------------------------------------------- recording endpoint

# Hop-by-hop headers a proxy answers for itself and never forwards.
HOP_HEADERS = ("connection", "keep-alive", "proxy-connection", "te",
               "transfer-encoding", "upgrade", "expect", "content-length")


class Recorder:
    """A tiny HTTP server on a free loopback port (or `port`) that records
    every request (method, path, query dict of lists, headers dict with
    lower-case names, raw body, monotonic time `t`, the monotonic time
    `t_conn` its connection was accepted, `status` answered or None, and
    `error` when no answer went back) and answers with
    answer(index) -> (status, body) (default 204).

    With `upstream` (an Influx), it is a recording proxy instead: each
    request goes to the real influxd unchanged (path, query, headers, the
    body as sent, gzip or not) and influxd's answer comes back unchanged;
    when influxd cannot be reached the client's connection is closed
    without an answer, as a connection error. down() refuses connections
    (and closes the open ones) until up(), on the same port."""

    def __init__(self, answer=None, port=None, upstream=None):
        import threading

        self.requests = []
        self.answer = answer or (lambda i: (204, b""))
        self.upstream = upstream
        self.lock = threading.Lock()
        self.conns = set()
        self.is_down = False
        self.httpd = None
        self.port = port or 0
        self.up()

    def _handler(rec):
        import http.server
        import urllib.parse as up

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                self.t_conn = time.monotonic()
                with rec.lock:
                    rec.conns.add(self.connection)

            def finish(self):
                with rec.lock:
                    rec.conns.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def _body(self):
                te = self.headers.get("Transfer-Encoding", "")
                if "chunked" in te.lower():
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n",
                                                                b"\n", b""):
                                pass
                            return out, True
                        out += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                out = self.rfile.read(n) if n else b""
                return out, len(out) == n

            def _handle(self):
                if rec.is_down:
                    self.close_connection = True
                    return
                body, whole = self._body()
                u = up.urlsplit(self.path)
                r = dict(method=self.command, path=u.path,
                         query=up.parse_qs(u.query, keep_blank_values=True),
                         headers={k.lower(): v for k, v in
                                  self.headers.items()},
                         body=body, t=time.monotonic(), t_conn=self.t_conn,
                         status=None, error=None)
                with rec.lock:
                    i = len(rec.requests)
                    rec.requests.append(r)
                if not whole:
                    r["error"] = "body cut short"
                    self.close_connection = True
                elif rec.upstream is not None:
                    self._forward(r)
                else:
                    self._answer(r, *rec.answer(i))

            def _answer(self, r, status, out):
                with rec.lock:
                    r["status"] = status
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if status != 204 and out:
                    self.wfile.write(out)

            def _forward(self, r):
                import http.client
                c = http.client.HTTPConnection(
                    "127.0.0.1", rec.upstream.http_port, timeout=60)
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in HOP_HEADERS}
                if self.command in ("POST", "PUT"):
                    hdrs["Content-Length"] = str(len(r["body"]))
                try:
                    c.request(self.command, self.path,
                              body=r["body"] or None, headers=hdrs)
                    a = c.getresponse()
                    out = a.read()
                except OSError as e:
                    with rec.lock:
                        r["error"] = "upstream: %s" % e
                    self.close_connection = True
                    return
                finally:
                    c.close()
                try:
                    self.send_response_only(a.status, a.reason)
                    for k, v in a.getheaders():
                        if k.lower() not in HOP_HEADERS:
                            self.send_header(k, v)
                    if a.status != 204 and a.status != 304:
                        self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    if out:
                        self.wfile.write(out)
                    self.wfile.flush()
                except OSError as e:
                    with rec.lock:
                        r["error"] = "client: %s" % e
                    self.close_connection = True
                    return
                with rec.lock:
                    r["status"] = a.status

            do_POST = do_GET = do_PUT = _handle

        return Handler

    def up(self):
        """Listen (again) on the port."""
        import http.server
        import threading

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", self.port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.is_down = False
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def down(self):
        """Refuse connections and close the open ones until up()."""
        import socket
        self.is_down = True
        self.stop()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def accepted_lines(self, reqs=None):
        """Counter of the lines of the requests answered 2xx (all, or of
        reqs)."""
        import collections
        if reqs is None:
            reqs = self.snapshot()
        return collections.Counter(
            l for r in reqs if r["status"] is not None and
            200 <= r["status"] < 300 and not r["error"]
            for l in body_lines(r))

    def sent_lines(self, reqs=None):
        """Counter of the lines of every request that reached us."""
        import collections
        if reqs is None:
            reqs = self.snapshot()
        return collections.Counter(l for r in reqs for l in body_lines(r))


class Proxy(Recorder):
    """A recording proxy in front of the influxd db (see Recorder)."""

    def __init__(self, db, port=None):
        super().__init__(port=port, upstream=db)


def check_accepted_once(rec, lines, what="", reqs=None):
    """Each of lines (the spool's) was accepted (2xx) exactly once, and
    nothing else was: the proxy's record, which sees what a count of
    InfluxDB points cannot (a point written twice is stored once)."""
    import collections
    acc = rec.accepted_lines(reqs)
    want = collections.Counter(lines)
    dup = sorted(l for l, c in acc.items() if c > 1)
    missing = sorted(l for l in want if l not in acc)
    extra = sorted(l for l in acc if l not in want)
    check(not dup and not missing and not extra and
          max(want.values(), default=1) == 1,
          "%sof %d readings: %d accepted more than once (e.g. %r x%d), "
          "%d never accepted (e.g. %r), %d accepted that are no reading "
          "(e.g. %r)" % (what + ": " if what else "", len(want), len(dup),
                         dup[:1], acc[dup[0]] if dup else 0, len(missing),
                         missing[:1], len(extra), extra[:1]))


def body_lines(req):
    """The line-protocol lines of a recorded request (gunzipped when its
    Content-Encoding is gzip)."""
    import gzip
    body = req["body"]
    if req["headers"].get("content-encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return [l for l in body.decode("utf-8").split("\n") if l]


# ------------------------------------------------------- readings helpers

def _split_unescaped(s, sep):
    """Split s at unescaped sep characters (backslash escapes)."""
    out, cur, i = [], "", 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if c == sep:
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


def _unescape(s):
    out, i = "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in ", =\\":
            out += s[i + 1]
            i += 2
        else:
            out += s[i]
            i += 1
    return out


def parse_line(line):
    """One spool line -> dict(measurement, tags (dict, unescaped), field,
    value (float), value_text, ts (int), line)."""
    parts = _split_unescaped(line, " ")
    if len(parts) != 3:
        fail("spool line %r is not `series fields timestamp`" % line)
    series = _split_unescaped(parts[0], ",")
    tags = {}
    for t in series[1:]:
        kv = _split_unescaped(t, "=")
        if len(kv) != 2:
            fail("spool line %r: bad tag %r" % (line, t))
        tags[_unescape(kv[0])] = _unescape(kv[1])
    fields = _split_unescaped(parts[1], ",")
    fv = _split_unescaped(fields[0], "=")
    if len(fv) != 2:
        fail("spool line %r: bad field %r" % (line, parts[1]))
    batch = None
    if len(fields) > 1:
        # An extension reading's batch sequence and index (integers).
        m = re.match(r"^batch_seq=(-?\d+)i,batch_idx=(\d+)i$",
                     ",".join(fields[1:]))
        if not m:
            fail("spool line %r: bad batch fields %r" % (line, parts[1]))
        batch = (int(m.group(1)) % (1 << 64), int(m.group(2)))
    return dict(measurement=_unescape(series[0]), tags=tags,
                field=_unescape(fv[0]), value=float(fv[1]),
                value_text=fv[1], ts=int(parts[2]), line=line,
                batch=batch)


def spool(srv):
    """The parsed lines of the server's spool, in order."""
    return [parse_line(l) for l in srv.readings_lines()]


def dev_mac(i):
    return "02:00:00:00:%02x:%02x" % (i >> 8 & 0xFF, i & 0xFF)


def send_legacy(srv, ndev, per_dev, value=lambda i: i * 0.25, port=None,
                first_dev=0, timeout=20.0):
    """Open ndev legacy connections (device dev_mac(first_dev + d)), send
    per_dev readings value(i) on each, then a message, and wait for every
    reply (so the server has read every reading). Returns the set of
    (device, value) sent."""
    import sdwire
    sent = set()
    socks = []
    for d in range(ndev):
        mac = dev_mac(first_dev + d)
        s = srv.connect(port)
        fd = srv.client_event(s)["fd"]
        socks.append((s, fd))
        dev = sdwire.mac(mac)
        s.sendall(b"".join(sdwire.legacy_sensor(dev, value(i))
                           for i in range(per_dev)))
        s.sendall(sdwire.legacy_msg(dev, "done"))
        sent |= {(mac, value(i)) for i in range(per_dev)}
    for s, fd in socks:
        sdpeer.expect_bytes(s, sdpeer.reply_for(fd, "done"), timeout=timeout,
                            what="reply after the readings")
        s.close()
    return sent


def rfc3339(ns):
    """ns since the epoch as RFC 3339 UTC with nanoseconds (a TIME of
    `sockdeckd spool replay`)."""
    import datetime
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % 10**9)


def send_batch(srv, first_dev, have, ndev=2, per=25):
    """send_legacy() ndev x per readings (devices from first_dev) to a
    spool holding `have` lines; the new lines, parsed."""
    send_legacy(srv, ndev, per, first_dev=first_dev)
    sp = wait_spool(srv, have + ndev * per)
    check(len(sp) == have + ndev * per, "%d spool lines, expected %d"
          % (len(sp), have + ndev * per))
    return sp[have:]


def wait_cursor_at_end(srv, name, timeout=10.0):
    """The bytes of srv's NAME.cursor once it names the end of the
    newest segment (the sink saves it a moment after its status says
    the backlog is 0)."""
    import re
    d = srv.sensors_dir
    deadline = time.monotonic() + timeout
    while True:
        segs = sorted(n for n in os.listdir(d)
                      if re.match(r"^readings-\d{8}\.lp$", n))
        want = "%d %d\n" % (int(segs[-1][9:17]),
                            os.path.getsize(os.path.join(d, segs[-1])))
        try:
            with open(os.path.join(d, name + ".cursor"), "rb") as f:
                got = f.read()
        except FileNotFoundError:
            got = b""
        if got == want.encode():
            return got
        if time.monotonic() > deadline:
            fail("%s.cursor says %r, not the spool's end %r"
                 % (name, got, want))
        time.sleep(0.1)


def wait_spool(srv, n, timeout=10.0):
    """The parsed spool once it holds at least n lines (legacy readings
    reach the disk up to a second after they were read)."""
    deadline = time.monotonic() + timeout
    while True:
        sp = spool(srv)
        if len(sp) >= n or time.monotonic() > deadline:
            return sp
        time.sleep(0.1)
