"""sdkafka: a librdkafka mock cluster and kcat for the Kafka sink tests.

    import sdkafka
    sdkafka.require()                   # exit 77 (skip) without kcat
    k = sdkafka.Kafka(topics=["sensors:3"]).start()
    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap])
    ...
    recs = k.consume_until("sensors", 100, timeout=20)
    # [{"key", "value", "partition", "offset"}, ...]
    sdkafka.check_records(recs, sdinflux.spool(srv))   # exactly once
    k.check_delivered(srv, 100, "sensors", "after ...", redo_from=i)
    k.down(-1); k.up(-1)                # every broker (or broker id 1..3)
    k.fail_requests(22, 31)             # the next InitProducerId fails

The cluster is tests/kafka/sd_kafka_mock (path in $SD_KAFKA_MOCK): three
brokers with ids 1..3 on 127.0.0.1, topics auto-created on first use with
4 partitions unless given as `TOPIC:PARTITIONS` arguments. It prints
`bootstrap <host:port,...>` and takes `down N`, `up N`, `quit` on stdin.

kcat needs no extra `-X` options for the mock cluster with librdkafka 2.x
(ApiVersion requests are answered; tried: `kcat -b B -P -t t` and
`kcat -b B -C -t t -e -f '%k %s\\n'`). Records are read back with
`kcat -C -e -q -f '%k\\t%s\\t%p\\t%o\\n'`, so keys and values must never
hold a tab or a newline (the sink's keys are MACs and its values JSON,
numbers or line protocol, which never do).

check_records() holds the topic to SPEC-sinks.md's Kafka promise, record
by record rather than as a set: every spool reading is there; one
device's records (key = its MAC) are in one partition, in spool order;
and no reading has a second record unless it is at or after `redo_from`
(the spool index of the cursor when records could be produced again:
a failed delivery report, a restart), then at most `copies` records in
all, and the last copy of each reading still in spool order.

The instance joins sdpeer's list of servers, so sdpeer.run() stops it
however the test ends. Standard library only.
"""
import collections
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

import sdpeer
from sdpeer import check, fail

FORMAT = "%k\t%s\t%p\t%o\n"


def mock_binary():
    return os.environ.get("SD_KAFKA_MOCK")


def kcat_binary():
    return os.environ.get("KCAT") or shutil.which("kcat") or shutil.which(
        "kafkacat")


def require():
    """Exit 77 (meson's `skipped`) when kcat is missing; fail when
    $SD_KAFKA_MOCK does not name the built helper."""
    if not kcat_binary():
        print("SKIP %s: kcat not found" % os.path.basename(sys.argv[0]))
        sys.exit(77)
    b = mock_binary()
    if not b or not os.access(b, os.X_OK):
        print("FAIL %s: SD_KAFKA_MOCK=%r is not the sd_kafka_mock binary"
              % (os.path.basename(sys.argv[0]), b), file=sys.stderr)
        sys.exit(1)


class Kafka:
    def __init__(self, topics=()):
        self.topics = list(topics)
        self.dir = tempfile.mkdtemp(prefix="sdkafka-")
        self.log_path = os.path.join(self.dir, "mock.log")
        self.proc = None
        self.bootstrap = None
        self._log = None
        self._buf = b""
        # duck-typed for sdpeer.run()
        self._threads = []
        self.stderr_lines = []
        self.raw_lines = []
        sdpeer._servers.append(self)

    def start(self, timeout=10.0):
        b = mock_binary()
        if not b:
            fail("SD_KAFKA_MOCK is not set (path to sd_kafka_mock)")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([b] + self.topics,
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self._log)
        line = self._readline(timeout)
        if not line.startswith("bootstrap "):
            fail("sd_kafka_mock said %r, expected `bootstrap ...`" % line)
        self.bootstrap = line.split(" ", 1)[1].strip()
        sdpeer.log("kafka mock cluster at %s" % self.bootstrap)
        return self

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("sd_kafka_mock: no answer within %.1fs (log: %s)"
                     % (timeout, self.stderr_text()[-800:]))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                fail("sd_kafka_mock exited (status %s; log: %s)"
                     % (self.proc.poll(), self.stderr_text()[-800:]))
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def _command(self, cmd, timeout=10.0):
        try:
            self.proc.stdin.write(cmd.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            fail("sd_kafka_mock: %s: %s" % (cmd, e))
        ans = self._readline(timeout)
        if ans != "ok":
            fail("sd_kafka_mock: %s -> %r" % (cmd, ans))

    def down(self, n=-1):
        """Broker n (1..3, -1 = all) refuses connections."""
        self._command("down %d" % n)

    def up(self, n=-1):
        self._command("up %d" % n)

    def fail_requests(self, api, err, n=1):
        """The next n requests of Kafka API key api (0 Produce, 22
        InitProducerId) fail with Kafka error code err."""
        self._command("fail %d %d %d" % (api, err, n))

    def check_delivered(self, srv, n, topic, after, redo_from=None,
                        copies=2, fmt="json", timeout=30.0):
        """The n readings of srv's spool, once the kafka sink is `ok` with
        backlog 0 (every one confirmed, nothing left to produce), are
        the records of topic as check_records() says; status `delivered`
        (confirmed reports) is no more than the records there (srv is
        the topic's only producer). The records, by partition and
        offset (after: what a failure message says)."""
        import sdinflux
        sp = sdinflux.wait_spool(srv, n)
        check(len(sp) == n, "%d spool lines, expected %d" % (len(sp), n))
        st = sdinflux.wait_sink(srv, "kafka", lambda e: e["backlog_bytes"]
                                == 0 and e["state"] == "ok",
                                timeout=timeout,
                                what="backlog 0 and state ok " + after)
        recs = self.consume(topic)
        check_records(recs, sp, fmt=fmt, redo_from=redo_from,
                      copies=copies, after=after)
        check(st["delivered"] <= len(recs), "status says %d delivered, the "
              "topic holds %d records %s: failed reports counted"
              % (st["delivered"], len(recs), after))
        return recs

    # ------------------------------------------------------------- kcat

    def kcat(self, args, input=None, timeout=15.0):
        """Run kcat -b <bootstrap> args; (status, stdout, stderr) text."""
        argv = [kcat_binary(), "-b", self.bootstrap] + list(args)
        p = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None
                             else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = p.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return (None, out.decode("utf-8", "replace"),
                    err.decode("utf-8", "replace"))
        return (p.returncode, out.decode("utf-8", "replace"),
                err.decode("utf-8", "replace"))

    def produce(self, topic, records, timeout=15.0):
        """records: (key, value) pairs of text without tabs/newlines."""
        data = "".join("%s\t%s\n" % kv for kv in records).encode()
        rc, out, err = self.kcat(["-P", "-t", topic, "-K", "\t"],
                                 input=data, timeout=timeout)
        if rc != 0:
            fail("kcat -P -t %s: status %s: %s" % (topic, rc, err[-500:]))

    def consume(self, topic, timeout=15.0):
        """Every record of the topic now: a list of dicts with key, value
        (text), partition, offset (ints), ordered by (partition, offset).
        An unknown topic gives []."""
        rc, out, err = self.kcat(["-C", "-t", topic, "-e", "-q",
                                  "-f", FORMAT], timeout=timeout)
        recs = []
        for line in out.split("\n"):
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                fail("kcat record line %r does not have 4 fields" % line)
            recs.append(dict(key=parts[0], value=parts[1],
                             partition=int(parts[2]), offset=int(parts[3])))
        if rc != 0 and not recs and "Unknown topic" not in err:
            sdpeer.log("kcat -C -t %s: status %s: %s"
                       % (topic, rc, err[-300:]))
        recs.sort(key=lambda r: (r["partition"], r["offset"]))
        return recs

    def consume_until(self, topic, n, timeout=20.0, settle=0.0):
        """consume() until it returns at least n records or timeout
        passes; then, if settle > 0, once more after settle seconds (to
        catch extra records)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            recs = self.consume(topic, timeout=max(2.0, min(15.0, left)))
            if len(recs) >= n or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        if settle > 0 and len(recs) >= n:
            time.sleep(settle)
            recs = self.consume(topic)
        return recs

    # ---------------------------------------------------------- stopping

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close()
        return self.proc.returncode

    def _close(self):
        for f in (self.proc.stdin, self.proc.stdout, self._log):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        self._log = None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except Exception:
                pass
        if self.proc is not None:
            self._close()

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


# ------------------------------------------------------------ checking

DEVICE_TAG = "Mac-Address"


def spool_token(r, fmt="json"):
    """What the record of spool reading r (sdinflux.parse_line) holds
    that tells it apart, by --kafka-format: json (device, channel,
    value, time), raw the value as text, influx the line."""
    if fmt == "raw":
        return "%f" % r["value"]
    if fmt == "influx":
        return r["line"]
    return (r["tags"].get(DEVICE_TAG, ""), r["tags"].get("channel"),
            r["value"], r["ts"])


def record_token(rec, fmt="json"):
    """spool_token() of the reading a record says it carries."""
    if fmt != "json":
        return rec["value"]
    try:
        v = json.loads(rec["value"])
    except ValueError:
        fail("record value is not JSON: %r" % rec["value"])
    check(isinstance(v, dict) and isinstance(v.get("time"), int) and
          isinstance(v.get("value"), (int, float)),
          "record value %r: no integer time and numeric value" % v)
    return (v.get("device"), v.get("channel"), float(v["value"]),
            v["time"])


def _where(rec):
    return "partition %d offset %d" % (rec["partition"], rec["offset"])


def check_records(recs, sp, fmt="json", redo_from=None, copies=2,
                  after=""):
    """recs (consume()) against the spool's readings sp (parsed, in
    spool order), as SPEC-sinks.md promises (Kafka):
    - each record's key is its reading's device and the record is the
      reading (fmt); every reading has a record; no record is no reading;
    - one key's records are in one partition, in spool order;
    - redo_from None: exactly one record per reading (a run without
      faults); else a reading at spool index >= redo_from may have up to
      `copies` records (produced again from the cursor), one before it
      exactly one, and the last copies are in spool order.
    Returns the number of extra copies."""
    want = collections.OrderedDict()
    index = {}
    for i, r in enumerate(sp):
        key = r["tags"].get(DEVICE_TAG, "")
        tok = spool_token(r, fmt)
        want.setdefault(key, []).append(tok)
        if redo_from is not None and (key, tok) in index:
            fail("spool readings %d and %d make the same record: copies "
                 "cannot be told apart" % (index[(key, tok)], i))
        index[(key, tok)] = i
    got, parts = {}, {}
    for rec in sorted(recs, key=lambda r: (r["partition"], r["offset"])):
        check(rec["key"] in want, "record at %s %s: key %r is no device "
              "of the spool (value %r)" % (_where(rec), after, rec["key"],
                                           rec["value"]))
        got.setdefault(rec["key"], []).append(record_token(rec, fmt))
        parts.setdefault(rec["key"], set()).add(rec["partition"])
    for key, ps in parts.items():
        check(len(ps) == 1, "key %s in partitions %r %s"
              % (key, sorted(ps), after))
    extra = most = 0
    for key, w in want.items():
        g = got.get(key, [])
        if redo_from is None:
            _check_once(key, w, g, after)
            continue
        n = collections.Counter(g)
        foreign = [t for t in n if (key, t) not in index]
        check(not foreign, "%d records of key %s are no reading %s, e.g. "
              "%r" % (len(foreign), key, after, foreign[:2]))
        lost = [index[(key, t)] for t in w if n[t] == 0]
        check(not lost, "%d of %d readings of %s missing from the topic "
              "%s: spool indexes %r" % (len(lost), len(w), key, after,
                                        lost[:8]))
        for t, c in n.items():
            i = index[(key, t)]
            check(c == 1 or i >= redo_from, "spool reading %d (%s) has %d "
                  "records %s; only readings from %d on may repeat"
                  % (i, key, c, after, redo_from))
            check(c <= copies, "spool reading %d (%s) has %d records %s, "
                  "at most %d allowed" % (i, key, c, after, copies))
            extra += c - 1
            most = max(most, c)
        last = {t: j for j, t in enumerate(g)}
        order = [index[(key, t)] for t in sorted(last, key=last.get)]
        check(order == sorted(order), "the last copies of %s are not in "
              "spool order %s: spool indexes %r" % (key, after, order[:12]))
    if extra:
        sdpeer.log("%d records produced again %s, at most %d of a reading"
                   % (extra, after, most))
    return extra


def _check_once(key, w, g, after):
    """One record per reading, in spool order: g == w, said usefully."""
    if g == w:
        return
    n, m = collections.Counter(g), collections.Counter(w)
    lost, more = m - n, n - m
    j = next((j for j, (a, b) in enumerate(zip(g, w)) if a != b),
             min(len(g), len(w)))
    fail("key %s %s: %d records for %d readings; %d readings missing "
         "(e.g. %r), %d records too many (e.g. %r); first difference at "
         "its record %d: %r where the spool has %r"
         % (key, after, len(g), len(w), sum(lost.values()),
            list(lost)[:2], sum(more.values()), list(more)[:2], j,
            g[j] if j < len(g) else None, w[j] if j < len(w) else None))


def cursor_index(sensors_dir, name="kafka"):
    """The spool index (lines before it) of sensors/NAME.cursor now."""
    with open(os.path.join(sensors_dir, name + ".cursor")) as f:
        seq, off = (int(x) for x in f.read().split())
    n = 0
    for fn in sorted(os.listdir(sensors_dir)):
        parts = fn.split("-")
        if not (fn.startswith("readings-") and fn.endswith(".lp")):
            continue
        s = int(parts[1][:-3])
        if s > seq:
            break
        with open(os.path.join(sensors_dir, fn), "rb") as f:
            data = f.read()
        n += data.count(b"\n", 0, off if s == seq else len(data))
    return n
