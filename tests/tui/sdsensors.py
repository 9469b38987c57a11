"""Shared by the Sensors pane's tests (tests/tui/43-49): a feeder that
sends readings of (device, channel) pairs at a steady pace in a thread,
and the pane's rows read back from the screen by the columns it draws
(tui/tui_dash_sensors.c)."""
import re
import threading
import time

import sdpeer
import sdtmux
import sdwire

MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
# Columns before the sparkline (ROW_FIXED_WIDE, ROW_FIXED).
FIXED_WIDE = 70
FIXED = 52


class Feeder:
    """One extension connection sending each channel's values in turn,
    every `every` seconds, while running; stop(ch) silences one."""

    def __init__(self, d, dev=sdpeer.DEV, every=0.2):
        self.s = d.connect()
        self.s.sendall(sdwire.hello(dev, b"feeder"))
        sdpeer.expect_frame(self.s, sdwire.T_WELCOME)
        self.dev = dev
        self.every = every
        self.chans = {}
        self.seq = 0
        self.lock = threading.Lock()
        self.done = False
        self.t = threading.Thread(target=self._run, daemon=True)

    def add(self, chan, values):
        """chan: bytes; values: a list sent round and round."""
        with self.lock:
            self.chans[chan] = [values, 0]
        return self

    def stop(self, chan):
        with self.lock:
            self.chans.pop(chan, None)

    def start(self):
        self.t.start()
        return self

    def _run(self):
        nxt = time.monotonic()
        while not self.done:
            with self.lock:
                rd = []
                for ch, st in self.chans.items():
                    rd.append((0, float(st[0][st[1] % len(st[0])]), ch))
                    st[1] += 1
            if rd:
                self.seq += 1
                try:
                    self.s.sendall(sdwire.sensor_batch(self.seq, self.dev,
                                                       rd))
                except OSError:
                    return
            nxt += self.every
            time.sleep(max(0.0, nxt - time.monotonic()))

    def close(self):
        self.done = True
        self.t.join(5)
        self.s.close()


def heads(lines):
    """(index of the heads row, column of `device`, wide) or None."""
    for i, l in enumerate(lines):
        if "history" in l and "device" in l and "channel" in l:
            return i, l.index("device"), " min " in l
    return None


def head_line(lines):
    """The heads row of the Sensors pane, or ''."""
    h = heads(lines)
    return lines[h[0]] if h else ""


def rows(lines):
    """The Sensors rows on screen: dicts of device, channel, value, min,
    max (None when not shown), rate, age, silent (the `~` marker) and
    spark (the sparkline's columns, up to the pane's border)."""
    h = heads(lines)
    if h is None:
        return []
    i, col, wide = h
    border = lines[i][col - 1]
    out = []
    for l in lines[i + 1:]:
        if len(l) <= col or not MAC.match(l[col:col + 17]):
            break
        end = l.find(border, col)
        end = len(l) if end < 0 else end
        f = l[col + 18:end]
        r = {"device": l[col:col + 17], "channel": f[:8].strip()}
        if wide:
            r["value"], r["min"], r["max"] = (f[9:17].strip(),
                                              f[18:26].strip(),
                                              f[27:35].strip())
            rest = f[36:]
        else:
            r["value"], r["min"], r["max"] = f[9:17].strip(), None, None
            rest = f[18:]
        r["rate"] = rest[:7].strip()
        age = rest[8:14].strip()
        r["silent"] = age.startswith("~")
        r["age"] = age.lstrip("~")
        r["spark"] = l[col + (FIXED_WIDE if wide else FIXED):end]
        out.append(r)
    return out


def row(lines, channel, device=None):
    for r in rows(lines):
        if r["channel"] == channel and (device is None or
                                        r["device"] == device):
            return r
    return None


def title(lines):
    for l in lines:
        m = re.search(r"Sensors \(([^)]*)\)( [^─│┐\]]*)?", l)
        if m:
            return m.group(0)
    return None


def focus(d):
    """Tab to the Sensors pane (Clients, Devices, Transfers, Sensors)."""
    d.keys("Tab", "Tab", "Tab")
    d.wait_for(re.compile(r"\[Sensors \("), what="Sensors focused")


def wait_row(d, channel, pred=lambda r: True, what=None, timeout=None):
    kw = {} if timeout is None else {"timeout": timeout}

    def ok(ls):
        r = row(ls, channel)
        return r is not None and pred(r)
    return d.wait_until(ok, what or "a Sensors row of %s" % channel, **kw)


sdtmux  # the tests import both
