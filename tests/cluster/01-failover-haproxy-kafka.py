#!/usr/bin/env python3
"""Three sockdeckd nodes behind Debian's HAProxy (README *Scaling out*,
its haproxy block with loopback addresses: TCP mode, send-proxy-v2,
health checks, leastconn) into the librdkafka mock cluster (three
brokers, topic sensors with six partitions), issue 20.

Fifty extension devices (a batch of two readings every 100 ms, each
batch kept until acknowledged and sent again after a reconnect) and
fifty legacy devices (a reading every 100 ms, values 0, 1, 2, ...)
stream through HAProxy, each from an address of its own (127.0.1.x,
127.0.2.x, bound before connecting). Mid-run a broker goes down for
4 s (the one leading the most partitions: each node holds back the
readings of those until it is back; n3 gives up on a record after
1.5 s, message.timeout.ms, so its delivery reports fail and it
produces again from its cursor), then node n2 is killed (SIGKILL) and
started again 10 s later on its data directory and port; its devices
reconnect through HAProxy. n2 writes its spool to a slow disk
(sd_slowfs, 20 ms a write) and every extension device sends 20
batches at once just before the kill, so the kill finds batches
between n2's sockets and its disk.
At the end every node delivers its backlog, the whole topic is read
with kcat, and:
- PROXY: while the devices are connected (before the kill and at the
  end) the nodes' `ctl clients` rows are the devices' own addresses
  and ports, each device on one node, every node given some; HAProxy
  saw n2 DOWN after the kill and UP after the restart;
- every reading acknowledged to an extension device is in the topic,
  as sent, once duplicates are dropped by (device, seq, index);
- each node's records are its spool, record for record: every spool
  line at least once; a device's records in one partition, in the
  node's spool order; a record twice only where sockdeckd(1) says it
  can be (the killed node producing again from the kafka.cursor it had
  at the kill; n3 after its failed reports); so every legacy reading
  any node spooled is there;
- order, as the devices define it: one node's records of an extension
  device, first copies, rise in (seq, index); of a legacy device in
  value (the order it sent them);
- a legacy reading is spooled at most once in the whole cluster; on a
  connection that ended with the device's own message answered every
  reading it sent is spooled; on one the kill cut, what is spooled is
  a prefix of what it sent (what was in flight is lost, nothing else);
- README's kcat | jq recipe, run on the topic, prints each reading
  once: one record per key (device, seq, index) or (device, node,
  time), every key of the topic.
A device's records from two nodes are not in order, and not checked
so: after the failover n2 delivers its backlog when it is back, after
what its devices have sent through n1 and n3 since (README).
Skipped without haproxy or kcat."""
import bisect
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time

import sdinflux
import sdkafka
import sdpeer
import sdproxy
import sdwire
from sdpeer import check, fail

NODES = 3
KILLED = 1                 # index of the node killed: n2
SHORT = 2                  # n3 gives up on a record after SHORT_MS:
SHORT_MS = 1500            # the broker's outage fails its deliveries
NEXT, NLEG = 50, 50
TICK = 0.1                 # a batch or a reading per device per tick
PER = 2                    # readings per extension batch
BURST = 20                 # batches a device sends at once before the kill
TOPIC = "sensors"
NPART = 6
T0 = 1700000000000000000


def readme_config(front, ports):
    """README's HAProxy block (Scaling out) with loopback addresses:
    the frontend on 127.0.0.1:front, nodeN on 127.0.0.1:ports[N-1];
    and a log on stderr with health check changes in it."""
    cfg = sdproxy.readme_haproxy("Scaling out")
    for want in ("mode tcp", "balance leastconn", "send-proxy-v2",
                 " check"):
        check(want in cfg, "README's config has no %r: %s" % (want, cfg))
    check(re.search(r"^    bind :5000$", cfg, re.M), "no bind :5000")
    cfg = cfg.replace("bind :5000", "bind 127.0.0.1:%d" % front)
    servers = re.findall(r"^    server (node\d) \S+:5000$", cfg, re.M)
    check(servers == ["node%d" % (i + 1) for i in range(NODES)],
          "README's servers: %r" % servers)
    for i, p in enumerate(ports):
        cfg = re.sub(r"^(    server node%d) \S+$" % (i + 1),
                     r"\1 127.0.0.1:%d" % p, cfg, flags=re.M)
    return sdproxy.with_log(cfg)


def low_ports(n):
    """n free loopback ports below the ephemeral range, so that no
    outgoing connection (HAProxy's to the other nodes) can hold the
    killed node's port when it starts again."""
    out = set()
    while len(out) < n:
        p = random.randrange(20000, 32000)
        if sdpeer._port_free(p):
            out.add(p)
    return sorted(out)


class Cut(Exception):
    """The connection ended under the device."""


class Device(threading.Thread):
    """One device through HAProxy from its own address, connecting
    again whenever its connection ends, until it is finished (the
    stopping event set and the last of its work done; its last
    connection stays open for the test to look at, then to close)."""

    def __init__(self, front, addr, mac):
        super().__init__(daemon=True)
        self.front, self.addr, self.mac = front, addr, mac
        self.dev = sdwire.mac(mac)
        self.sock = None
        self.conns = 0
        self.stopping = threading.Event()
        self.finished = threading.Event()
        self.error = None

    def local(self):
        s = self.sock
        return s.getsockname() if s is not None else None

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5.0)
        s.bind((self.addr, 0))
        try:
            s.connect(("127.0.0.1", self.front))
        except OSError:
            s.close()
            raise Cut()
        self.sock = s
        self.conns += 1
        return s

    def run(self):
        while not self.finished.is_set():
            try:
                self.session(self.connect())
            except (Cut, OSError):
                self.cut()
                if self.sock is not None:
                    self.sock.close()
                    self.sock = None
                time.sleep(0.2)
            except Exception as e:      # a bug here: say it at the end
                self.error = "%s: %s" % (type(e).__name__, e)
                self.finished.set()

    def wait_readable(self, s, until):
        """Bytes from s before time until; b"" when none came."""
        left = max(0.0, until - time.monotonic())
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return b""
        try:
            chunk = s.recv(65536)
        except OSError:
            raise Cut()
        if not chunk:
            raise Cut()
        return chunk

    def cut(self):
        pass


class ExtDevice(Device):
    """Batches of PER readings every TICK; every batch not yet
    acknowledged is kept and sent again after a reconnect."""

    def __init__(self, front, i):
        super().__init__(front, "127.0.1.%d" % (i + 1),
                         "02:e0:00:00:00:%02x" % i)
        self.i = i
        self.seq = 0                 # last batch made
        self.acked = 0               # highest SENSOR_ACK heard
        self.pending = {}            # seq -> frame, not acknowledged
        self.errors = []
        self.burst = None            # an Event: send BURST batches at once

    def readings(self, seq):
        return [(T0 + self.i * 10**12 + seq * 1000 + k,
                 seq + k / 10.0, b"t") for k in range(PER)]

    def hello(self, s):
        s.sendall(sdwire.hello(self.dev, b"ext-%d" % self.i))
        buf, until = b"", time.monotonic() + 5.0
        while time.monotonic() < until:
            buf += self.wait_readable(s, until)
            frames, rest = sdwire.split_frames(buf)
            if frames:
                check(frames[0][0] == sdwire.T_WELCOME, "%s: first frame "
                      "0x%04x" % (self.mac, frames[0][0]))
                return rest
        raise Cut()

    def session(self, s):
        buf = self.hello(s)
        for q in sorted(self.pending):
            s.sendall(self.pending[q])
        due = time.monotonic()
        while True:
            if self.stopping.is_set():
                if not self.pending:
                    self.finished.set()
                    return
            elif time.monotonic() >= due:
                n = 1
                if self.burst is not None and self.burst.is_set():
                    n, self.burst = BURST, None
                s.sendall(b"".join(self.batch() for _ in range(n)))
                due += TICK
            soon = time.monotonic() + TICK
            buf += self.wait_readable(s, soon if self.stopping.is_set()
                                      else min(due, soon))
            frames, buf = sdwire.split_frames(buf)
            for t, p in frames:
                if t == sdwire.T_SENSOR_ACK:
                    self.ack(sdwire.parse_u64(p))
                else:
                    self.errors.append((t, p[:80]))

    def batch(self):
        """The next batch, kept until acknowledged."""
        self.seq += 1
        f = sdwire.sensor_batch(self.seq, self.dev, self.readings(self.seq))
        self.pending[self.seq] = f
        return f

    def ack(self, q):
        """Every batch up to q is stored (sockdeck-protocol(7))."""
        check(q <= self.seq, "%s: ACK %d for a batch never sent"
              % (self.mac, q))
        self.acked = max(self.acked, q)
        for k in [k for k in self.pending if k <= q]:
            del self.pending[k]


class LegacyDevice(Device):
    """A reading every TICK, values 0, 1, 2, ... in the order sent;
    at stop() a message whose answer shows that the node read all
    that came before it on that connection."""

    def __init__(self, front, i):
        super().__init__(front, "127.0.2.%d" % (i + 1),
                         "02:1e:00:00:00:%02x" % i)
        self.value = 0
        self.sent = []               # per connection: [values, state]

    def session(self, s):
        mine = [[], "open"]
        self.sent.append(mine)
        due = time.monotonic()
        while not self.stopping.is_set():
            if time.monotonic() >= due:
                s.sendall(sdwire.legacy_sensor(self.dev, float(self.value)))
                mine[0].append(self.value)
                self.value += 1
                due += TICK
            self.wait_readable(s, due)
        s.sendall(sdwire.legacy_msg(self.dev, "done"))
        got, until = b"", time.monotonic() + 10.0
        while b"message return success" not in got:
            if time.monotonic() > until:
                raise Cut()
            got += self.wait_readable(s, until)
        mine[1] = "answered"
        self.finished.set()

    def cut(self):
        if self.sent and self.sent[-1][1] == "open":
            self.sent[-1][1] = "cut"


# ------------------------------------------------------------- the run

def node_args(i, port, k):
    a = ["--node-id", "n%d" % (i + 1), "--proxy-protocol", str(port),
         "--proxy-from", "127.0.0.0/8", "--kafka-brokers", k.bootstrap,
         "--kafka-topic", TOPIC]
    if i == SHORT:
        a += ["--kafka-opt", "message.timeout.ms=%d" % SHORT_MS]
    return a


def check_addresses(nodes, devs, when):
    """Each device's connection is a `ctl clients` row, with the
    device's own address and port, on exactly one node; no row is
    anything else; every node has some."""
    want = {d.local(): d for d in devs}
    check(None not in want, "%s: a device is not connected" % when)
    seen, per = {}, []
    for n in nodes:
        rows = sdproxy.clients(n)
        per.append(len(rows))
        for r in rows:
            at = (r.get("peer"), r.get("peer_port"))
            check(at in want, "%s: node %s has client %s:%s, no device's "
                  "address (row %r)" % (when, n.node, at[0], at[1], r))
            check(at not in seen, "%s: %s:%s on %s and %s" % (
                when, at[0], at[1], seen.get(at), n.node))
            seen[at] = n.node
    missing = [d.mac for a, d in want.items() if a not in seen]
    check(not missing, "%s: %d devices in no client table, e.g. %r"
          % (when, len(missing), missing[:4]))
    sdpeer.log("%s: clients per node %r" % (when, per))
    return per


def wait_all(devs, pred, what, timeout):
    deadline = time.monotonic() + timeout
    while not all(pred(d) for d in devs):
        bad = [d for d in devs if d.error]
        check(not bad, "device %s: %s" % (bad[0].mac, bad[0].error)
              if bad else "")
        if time.monotonic() > deadline:
            late = [d.mac for d in devs if not pred(d)]
            fail("%d devices not %s within %ds, e.g. %r"
                 % (len(late), what, timeout, late[:4]))
        time.sleep(0.1)


def start_node(i, port, k, data_dir=None, env=None):
    srv = sdpeer.Server(ports=[port], data_dir=data_dir, env=env,
                        extra=node_args(i, port, k))
    srv.node = "n%d" % (i + 1)
    return srv.start(timeout=20)


def busiest_broker(k):
    """The broker that leads the most partitions of the topic (the mock
    cluster picks leaders at random), and those partitions."""
    rc, out, err = k.kcat(["-L", "-J", "-t", TOPIC])
    check(rc == 0, "kcat -L: %s" % err[-300:])
    leads = {}
    for p in json.loads(out)["topics"][0]["partitions"]:
        leads.setdefault(p["leader"], []).append(p["partition"])
    broker = max(leads, key=lambda b: len(leads[b]))
    return broker, sorted(leads[broker])


def haproxy_says(log, pat):
    log.flush()
    with open(log.name) as f:
        return re.search(pat, f.read())


def run_cluster(k):
    """Start everything, stream, fail things: (nodes, the killed
    node's first instance, its kafka.cursor index at the kill, ext
    devices, legacy devices)."""
    ports = low_ports(NODES)
    front = sdpeer.free_port()
    # The node to be killed writes its spool to a slow disk (each write
    # waits 20 ms): at the kill, batches are between socket and disk.
    slow = sdpeer.slowfs_env(20, match="/sensors/readings-")
    nodes = [start_node(i, p, k, env=slow if i == KILLED else None)
             for i, p in enumerate(ports)]
    cfg = os.path.join(nodes[0].dir, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(readme_config(front, ports))
    log = open(os.path.join(nodes[0].dir, "haproxy.log"), "w+")
    hap = sdproxy.haproxy(cfg, front, log)
    try:
        ext = [ExtDevice(front, i) for i in range(NEXT)]
        leg = [LegacyDevice(front, i) for i in range(NLEG)]
        devs = ext + leg
        for d in devs:
            d.start()
            time.sleep(0.01)
        wait_all(ext, lambda d: d.acked >= 3, "acknowledged", 30)
        wait_all(leg, lambda d: d.value >= 3, "sending", 10)
        per = check_addresses(nodes, devs, "before the kill")
        check(min(per) > 0, "leastconn left a node empty: %r" % per)

        broker, parts = busiest_broker(k)
        k.down(broker)
        time.sleep(4)
        held = [sdinflux.sink_status(n, "kafka")["backlog_readings"]
                for n in nodes]
        sdpeer.log("broker %d (leader of partitions %r) down: backlogs %r"
                   % (broker, parts, held))
        k.up(broker)
        time.sleep(2)

        # Batches in flight at the kill: the node's acknowledgements
        # must not run ahead of its disk.
        burst = threading.Event()
        for d in ext:
            d.burst = burst
        burst.set()
        time.sleep(TICK + 0.02)
        victim = nodes[KILLED]
        victim.stop(signal.SIGKILL)
        kcur = sdkafka.cursor_index(victim.sensors_dir)
        sdpeer.log("killed %s (kafka.cursor at spool index %d)"
                   % (victim.node, kcur))
        time.sleep(10)
        check(haproxy_says(log, r"node%d is DOWN" % (KILLED + 1)),
              "HAProxy's checks did not see node%d down" % (KILLED + 1))
        nodes[KILLED] = start_node(KILLED, ports[KILLED], k,
                                   data_dir=victim.dir)
        deadline = time.monotonic() + 15
        while not haproxy_says(log, r"node%d is UP" % (KILLED + 1)):
            check(time.monotonic() < deadline, "HAProxy's checks did not "
                  "see node%d up again" % (KILLED + 1))
            time.sleep(0.2)
        time.sleep(3)

        for d in devs:
            d.stopping.set()
        wait_all(devs, lambda d: d.finished.is_set(), "finished", 40)
        for d in devs:
            check(d.error is None, "device %s: %s" % (d.mac, d.error))
        check_addresses(nodes, devs, "at the end")
        moved = sum(1 for d in devs if d.conns > 1)
        sdpeer.log("%d devices connected again after the kill" % moved)
        check(moved > 0, "no device lost its node: the kill hit nothing")
        for d in devs:
            d.sock.close()
            d.join(5)
    finally:
        hap.terminate()
        hap.wait(10)
        log.close()
    return nodes, victim, kcur, ext, leg


# ----------------------------------------------------------- checking

def spool_token(r):
    """What a spool line (sdinflux.parse_line) says of its reading:
    device, channel, value, time, (seq, index) or None."""
    return (r["tags"].get(sdkafka.DEVICE_TAG), r["tags"].get("channel"),
            r["value"], r["ts"], r["batch"])


def record_token(v):
    """spool_token() of the reading a JSON record carries."""
    batch = None
    if "seq" in v or "index" in v:
        batch = (v["seq"] % (1 << 64), v["index"])
    return (v["device"], v.get("channel"), float(v["value"]), v["time"],
            batch)


def check_node(node, sp, recs, redo_from):
    """node's records (recs: value parsed, in partition and offset
    order) against its spool sp, device by device: every line has a
    record; the records follow the spool; a record comes again only as
    the start of a run produced again from a spool index >= redo_from
    (None: never), at most twice in all."""
    lines = {}
    for gi, r in enumerate(sp):
        lines.setdefault(r["tags"].get(sdkafka.DEVICE_TAG), []).append(
            (gi, spool_token(r)))
    by_dev = {}
    for rec in recs:
        by_dev.setdefault(rec["v"]["device"], []).append(rec)
    for dev in by_dev:
        check(dev in lines, "%s: records of %s, which it never spooled"
              % (node, dev))
    again = 0
    for dev, w in lines.items():
        at = {}
        for j, (gi, t) in enumerate(w):
            at.setdefault(t, []).append(j)
        seen, pos = [0] * len(w), 0
        for rec in by_dev.get(dev, []):
            t = record_token(rec["v"])
            if pos < len(w) and w[pos][1] == t:
                j = pos
            else:
                js = at.get(t)
                check(js, "%s: record at partition %d offset %d is no "
                      "reading of its spool: %r" % (node, rec["partition"],
                                                    rec["offset"], rec["v"]))
                b = bisect.bisect_left(js, pos) - 1
                if b < 0:
                    fail("%s: %s's record at partition %d offset %d is "
                         "spool line %d, and spool line %d (the next) "
                         "never came before it: lost or out of order" % (
                             node, dev, rec["partition"], rec["offset"],
                             w[js[0]][0], w[pos][0]))
                j = js[b]
                check(redo_from is not None and w[j][0] >= redo_from,
                      "%s: %s's spool line %d produced again at partition "
                      "%d offset %d; only lines from %s on may be" % (
                          node, dev, w[j][0], rec["partition"],
                          rec["offset"], redo_from))
                again += 1
            seen[j] += 1
            check(seen[j] <= 2, "%s: spool line %d in %d records"
                  % (node, w[j][0], seen[j]))
            pos = j + 1
        lost = [w[j][0] for j, c in enumerate(seen) if not c]
        check(not lost, "%s: %d of %d spool lines of %s not in the topic, "
              "e.g. lines %r" % (node, len(lost), len(w), dev, lost[:6]))
    sdpeer.log("%s: %d spool lines, %d records, %d runs produced again"
               % (node, len(sp), len(recs), again))


def check_order(node, recs):
    """One node's records of a device, first copies only, rise in
    (seq, index) for an extension device, in value for a legacy one
    (the order each device sent them)."""
    last, seen = {}, set()
    for rec in recs:
        v = rec["v"]
        t = record_token(v)
        if t in seen:
            continue
        seen.add(t)
        o = t[4] if t[4] is not None else (t[2],)
        prev = last.get(v["device"])
        check(prev is None or o > prev, "%s: %s's records out of order at "
              "partition %d offset %d: %r after %r" % (
                  node, v["device"], rec["partition"], rec["offset"], o,
                  prev))
        last[v["device"]] = o


def check_acked(ext, recs):
    """Every reading acknowledged to an extension device is in the
    topic as sent, duplicates dropped by (device, seq, index)."""
    kept = {}
    for rec in recs:
        v = rec["v"]
        if "seq" in v:
            kept.setdefault((v["device"], v["seq"], v["index"]),
                            (v["time"], float(v["value"])))
    n = 0
    for d in ext:
        check(not d.errors, "%s: unexpected frames %r" % (d.mac,
                                                          d.errors[:3]))
        check(d.acked == d.seq and not d.pending, "%s: batches %d..%d never "
              "acknowledged" % (d.mac, d.acked + 1, d.seq))
        for q in range(1, d.acked + 1):
            for k, (ts, value, _) in enumerate(d.readings(q)):
                got = kept.get((d.mac, q, k))
                check(got == (ts, value), "%s: acknowledged batch %d "
                      "reading %d: %r in the topic, sent %r" % (
                          d.mac, q, k, got, (ts, value)))
                n += 1
    last = {d.mac: d.seq for d in ext}
    extra = [key for key in kept if key[1] > last.get(key[0], -1)]
    check(not extra, "records of batches never sent: %r" % extra[:4])
    sdpeer.log("%d acknowledged extension readings, each in the topic" % n)


def check_legacy(leg, spools):
    """Legacy readings in the spools of every node against what each
    connection carried: none stored twice; all of a connection the
    device closed with an answered message; a prefix of one cut."""
    stored = {}
    for sp in spools:
        for r in sp:
            if r["batch"] is None:
                key = (r["tags"].get(sdkafka.DEVICE_TAG), r["value"])
                stored[key] = stored.get(key, 0) + 1
    twice = [k for k, c in stored.items() if c > 1]
    check(not twice, "legacy readings stored twice: %r" % twice[:4])
    lost = 0
    for d in leg:
        for values, state in d.sent:
            there = [(d.mac, float(x)) in stored for x in values]
            n = sum(there)
            check(state in ("answered", "cut"), "%s: a connection %s at "
                  "the end" % (d.mac, state))
            if state == "answered":
                check(n == len(values), "%s: %d of %d readings of an "
                      "answered connection not stored, e.g. %r" % (
                          d.mac, len(values) - n, len(values),
                          [x for x, t in zip(values, there) if not t][:4]))
            check(there == [True] * n + [False] * (len(values) - n),
                  "%s: the readings stored of a cut connection are not "
                  "the first ones it sent: %r" % (d.mac, there))
            lost += len(values) - n
    sdpeer.log("%d legacy readings lost with the killed node" % lost)


def dedupe_key(v):
    """What names a reading in its record (README, Scaling out)."""
    if v.get("seq") is not None:
        return (v["device"], v["seq"], v["index"])
    return (v["device"], v["node"], v["time"])


def check_recipe(k, recs):
    """README's kcat | jq recipe on the topic: every reading once, its
    records as they are."""
    if not shutil.which("jq"):
        sdpeer.part_skipped("jq is not installed: README's recipe not run")
        return
    sec = sdproxy.readme_section("Scaling out")
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", sec, re.S)
              if "kcat" in b]
    check(len(blocks) >= 1 and "10.0.1.1:9092" in blocks[0],
          "README's Scaling out has no kcat recipe")
    cmd = blocks[0].replace("10.0.1.1:9092", k.bootstrap).replace(
        "kcat ", sdkafka.kcat_binary() + " ", 1)
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, "README's recipe: status %d: %s"
          % (p.returncode, p.stderr[-500:]))
    values = {r["value"] for r in recs}
    lines = p.stdout.splitlines()
    check(all(x in values for x in lines), "README's recipe changed "
          "records: %r" % [x for x in lines if x not in values][:2])
    got = [dedupe_key(json.loads(x)) for x in lines]
    want = {dedupe_key(r["v"]) for r in recs}
    check(len(got) == len(set(got)) and set(got) == want, "README's recipe "
          "printed %d records, %d keys; the topic has %d keys in %d records"
          % (len(got), len(set(got)), len(want), len(recs)))
    sdpeer.log("README's recipe: %d records make %d readings"
               % (len(recs), len(got)))


def test():
    if sdproxy.HAPROXY is None:
        sdpeer.skip("haproxy is not installed (tools/deps installs it)")
    sdkafka.require()
    k = sdkafka.Kafka(["%s:%d" % (TOPIC, NPART)]).start()
    nodes, victim, kcur, ext, leg = run_cluster(k)
    for n in nodes:
        sdinflux.wait_sink(n, "kafka", lambda e: e["backlog_bytes"] == 0
                           and e["state"] == "ok", timeout=60,
                           what="backlog 0 and state ok on " + n.node)
    recs = k.consume(TOPIC, timeout=60)
    for n in nodes:
        check(n.stop() == 0, "%s: exit status after SIGTERM not 0"
              % n.node)
    parts = {}
    for rec in recs:
        rec["v"] = json.loads(rec["value"])
        check(rec["v"].get("node") in [n.node for n in nodes] and
              rec["key"] == rec["v"]["device"], "record %r" % rec)
        parts.setdefault(rec["key"], set()).add(rec["partition"])
    for key, ps in parts.items():
        check(len(ps) == 1, "%s in partitions %r" % (key, sorted(ps)))
    check(len(parts) == NEXT + NLEG, "%d devices in the topic"
          % len(parts))
    spools = []
    for n in nodes:
        sp = [sdinflux.parse_line(x) for x in n.readings_lines()]
        spools.append(sp)
        mine = [r for r in recs if r["v"]["node"] == n.node]
        check_node(n.node, sp, mine, {victim.node: kcur,
                                      "n%d" % (SHORT + 1): 0}.get(n.node))
        check_order(n.node, mine)
    check_acked(ext, recs)
    check_legacy(leg, spools)
    check_recipe(k, recs)


sdpeer.run(test, deadline=170)
