"""The Devices view's tests (103-106): a fake control socket that speaks
issue 19's fleet contract, a dashboard attached to it, and readers of
the Devices pane.

The contract, as the fake answers it (and as the real server is to):
`{"cmd":"devices","limit":N}` answers `{"ok":true,"devices":[{"mac",
"name" (or null),"state" (online|offline|silent),"first_seen",
"last_seen" (RFC 3339),"last_seen_ms" (ms ago),"address" ("ip:port"),
"protocol" (legacy|ext),"tls","readings","files","messages",
"interval_s" (or null),"rate"}],"total","online","offline","silent"}`,
at most limit devices; the events `device-silent` {mac, name, silent_s,
interval_s} and `device-back` {mac, name, silent_s} come on the
subscription like any other event. refuse= makes it an older server:
`devices` answered with that error; answers=N a server that answers
`devices` N times, then never again (a slow one)."""
import json
import os
import re
import threading
import time

import sdtmux
from sdterm import FakeServer


def stamp(t=None):
    """RFC 3339 in UTC with milliseconds, as the server writes times."""
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int(t * 1000 % 1000)


def device(mac, name, state, last_s, address, readings=0, rate=0.0,
           protocol="ext", tls=False, interval_s=10.0, messages=0, files=0,
           first_s=86400):
    """One device as the contract has it, last seen last_s ago."""
    now = time.time()
    return {"mac": mac, "name": name, "state": state,
            "first_seen": stamp(now - first_s),
            "last_seen": stamp(now - last_s),
            "last_seen_ms": int(last_s * 1000), "address": address,
            "protocol": protocol, "tls": tls, "readings": readings,
            "files": files, "messages": messages, "interval_s": interval_s,
            "rate": rate}


class Fleet:
    """A fake sockdeckd control socket with a fleet of devices (a list
    of device() dicts, changed by event()). cmds lists (time, cmd) of
    every request read."""

    def __init__(self, devices, refuse=None, answers=None):
        self.devices = devices
        self.refuse = refuse
        self.answers = answers
        self.cmds = []
        self.lock = threading.Lock()
        self.conns = []
        self.path = os.path.join(sdtmux.mkdtemp(), "control.sock")
        self.srv = FakeServer(self._serve, path=self.path)

    def _send(self, conn, obj):
        """obj to one dashboard; one that quit meanwhile is no error."""
        with self.lock:
            try:
                conn.sendall((json.dumps(obj) + "\n").encode())
            except (BrokenPipeError, ConnectionResetError):
                pass

    def answer(self, req):
        cmd = req.get("cmd")
        if cmd == "devices" and self.refuse is not None:
            return {"ok": False, "error": self.refuse}
        if cmd == "devices":
            devs = self.devices[:int(req.get("limit", 1000))]
            count = {s: sum(1 for v in self.devices if v["state"] == s)
                     for s in ("online", "offline", "silent")}
            ans = {"ok": True, "devices": devs, "total": len(self.devices)}
            ans.update(count)
            return ans
        if cmd == "clients":
            return {"ok": True, "total": 0, "matched": 0, "offset": 0,
                    "clients": [], "sort": req.get("sort", "connected"),
                    "reverse": req.get("reverse", False)}
        return {"ok": True}

    def _serve(self, conn):
        self.conns.append(conn)
        for line in conn.makefile("rb"):
            req = json.loads(line)
            self.cmds.append((time.monotonic(), req.get("cmd")))
            if req.get("cmd") == "devices" and self.answers is not None:
                if self.answers == 0:
                    continue
                self.answers -= 1
            self._send(conn, self.answer(req))

    def event(self, ev_name, **fields):
        """Send event ev_name to every attached dashboard; a device's
        state follows it, as the server's would."""
        ev = {"event": ev_name, "time": stamp()}
        ev.update(fields)
        for v in self.devices:
            if v["mac"] == fields.get("mac"):
                v["state"] = "silent" if ev_name == "device-silent" else \
                    "online"
        for c in list(self.conns):
            self._send(c, ev)

    def asked(self, cmd, since=0.0):
        return sum(1 for t, c in self.cmds if c == cmd and t >= since)

    def dashboard(self, w, h, env=None, config_home=None):
        return sdtmux.Dashboard(w, h, env=env, config_home=config_home,
                                args=["attach", "--control",
                                      self.path]).start()

    def close(self):
        self.srv.close()
        sdtmux.check(not self.srv.errors, "fake server: %r"
                     % self.srv.errors)


TITLE = re.compile(r"Devices \((\d+): (\d+) online, (\d+) offline, "
                   r"(\d+) silent")


def show(d):
    """Tab from Clients to Devices; the pane's lines once it has its
    title."""
    d.wait_for(re.compile(r"Clients \(\d+\)"), what="the Clients pane")
    d.keys("Tab")
    return d.wait_for(TITLE, what="the Devices pane")


def pane(lines):
    """The Devices pane's lines after its title (heads first) up to its
    bottom border, or None."""
    for i, l in enumerate(lines):
        if TITLE.search(l):
            out = []
            for r in lines[i + 1:]:
                if not r[:1] in ("\u2502", "x", "|"):
                    break
                out.append(r[1:-1])
            return out
    return None


def heads(lines):
    p = pane(lines) or [""]
    return p[0]


def rows(lines):
    """The rows of the Devices pane (heads dropped, blank ones too)."""
    return [r for r in (pane(lines) or [""])[1:] if r.strip()]


def row(lines, mac):
    for r in rows(lines):
        if mac in r:
            return r
    return None


def macs(lines):
    """The MACs of the rows, top to bottom."""
    return [m.group(0) for m in (re.search(r"([0-9a-f]{2}:){5}[0-9a-f]{2}",
                                           r) for r in rows(lines)) if m]
