"""sdkafka: a librdkafka mock cluster and kcat for the Kafka sink tests.

    import sdkafka
    sdkafka.require()                   # exit 77 (skip) without kcat
    k = sdkafka.Kafka(topics=["sensors:3"]).start()
    srv = sdpeer.Server(extra=["--kafka-brokers", k.bootstrap])
    ...
    recs = k.consume_until("sensors", 100, timeout=20)
    # [{"key", "value", "partition", "offset"}, ...]
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

The instance joins sdpeer's list of servers, so sdpeer.run() stops it
however the test ends. Standard library only.
"""
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

    def wait_readings(self, topic, want, timeout=30.0):
        """Until every (device, time) of the set `want` is a record of
        topic (JSON values); the (key, time) pairs there then."""
        deadline = time.monotonic() + timeout
        while True:
            got = {(r["key"], json.loads(r["value"])["time"])
                   for r in self.consume(topic)}
            if want <= got or time.monotonic() > deadline:
                return got
            time.sleep(0.5)

    def check_delivered(self, srv, n, topic, after):
        """Every one of the n readings in srv's spool is a record of
        topic, no record is anything else, and the kafka sink ends `ok`
        with backlog 0 (after: what the failure message says)."""
        import sdinflux
        want = {(r["tags"]["Mac-Address"], r["ts"])
                for r in sdinflux.wait_spool(srv, n)}
        check(len(want) == n, "%d spool lines, expected %d"
              % (len(want), n))
        got = self.wait_readings(topic, want)
        check(want <= got, "%d of %d readings missing from the topic %s"
              % (len(want - got), n, after))
        check(got <= want, "records that are no reading: %r"
              % sorted(got - want)[:3])
        sdinflux.wait_sink(srv, "kafka", lambda e: e["backlog_bytes"] == 0
                           and e["state"] == "ok", timeout=15,
                           what="backlog 0 and state ok")

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
