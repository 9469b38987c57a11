"""sdnodes: the tests of `sockdeckd fleet` (111-114): headless nodes,
each with its own data dir, port and --node-id; the fleet view on them
in tmux; readers of its screen.

The screen, as these readers take it: line 0 ` sockdeckd fleet  N
nodes: U up, D down ...`; then a row a node, `NN LABEL  up ...` or
`NN LABEL  DOWN  since HH:MM:SS, trying every Ns: WHY` (below 120
columns `DOWN HH:MM:SS every Ns: WHY`); the box titled
`Clients (T) - U of N nodes up` whose rows are `> LABEL ID PEER ...`
(`>` on the selected one); the box titled `Log - ...` whose lines are
`LABEL TEXT` (W or E before a warning or an error); the key bar."""
import re
import time

import sdpeer
import sdtmux
import sdwire
from sdtmux import check

_NODE_ROW = re.compile(r"^\s*(\d+) (\S+)\s+(up|DOWN)\b(.*)$")
_TABLE_ROW = re.compile(r"^[\u2502x|]([> ]) (\S+)\s+(\d+)\s+(\S+)\s*(.*)$")


def start_nodes(n, prefix="n"):
    """n headless servers, --node-id PREFIX1..PREFIXn, each on its own
    free port and data dir."""
    return [sdpeer.Server(nports=1, extra=["--node-id", "%s%d" %
                                           (prefix, i + 1)]).start()
            for i in range(n)]


def restart(old, label):
    """A server again where old was: its data dir (its control socket),
    its port and --node-id label."""
    return sdpeer.Server(ports=old.ports, data_dir=old.dir,
                         extra=["--node-id", label]).start()


class Fleet(sdtmux.Dashboard):
    """`sockdeckd fleet [extra...] TARGET...` in tmux at w x h."""

    def __init__(self, targets, w=120, h=40, env=None, extra=()):
        sdtmux.Dashboard.__init__(self, w, h, env=env,
                                  args=["fleet"] + list(extra) +
                                  list(targets))

    def wait_up(self, labels, timeout=sdtmux.DEFAULT_TIMEOUT):
        """Every node in labels has its row, up; the screen."""
        return self.wait_until(
            lambda ls: all(node_state(ls, l) == "up" for l in labels),
            "rows up for %s" % ", ".join(labels), timeout)


def node_rows(lines):
    """{label: (state, rest of the row)} of the header's node rows."""
    out = {}
    for l in lines[1:]:
        if "Clients (" in l:
            break
        m = _NODE_ROW.match(l)
        if m:
            out[m.group(2)] = (m.group(3), m.group(4))
    return out


def node_state(lines, label):
    """'up', 'DOWN' or None (no row) for the node labelled so."""
    r = node_rows(lines).get(label)
    return r[0] if r else None


def table(lines):
    """The client table's rows: dicts of sel, node, id, peer, rest."""
    out = []
    for l in sdtmux.clients_rows(lines):
        m = _TABLE_ROW.match(l)
        if m:
            out.append(dict(sel=m.group(1) == ">", node=m.group(2),
                            id=int(m.group(3)), peer=m.group(4),
                            rest=m.group(5)))
    return out


def rows_of(lines, peer):
    """The table's rows for the connection from peer ("ip:port")."""
    return [r for r in table(lines) if r["peer"] == peer]


def log_lines(lines):
    """The Log box's lines, borders and the level mark dropped."""
    out = []
    for l in sdtmux.log_rows(lines) or []:
        l = l.strip("\u2502x| ")
        if l[:2] in ("E ", "W "):
            l = l[2:]
        out.append(l.strip())
    return out


def in_log(lines, label, text):
    """Whether a log line of node label holds text."""
    return any(l.startswith(label + " ") and text in l
               for l in log_lines(lines))


def client(srv, dev, text):
    """A legacy client on srv that has sent text from dev ("aa:..");
    (socket, "127.0.0.1:port" as the table shows it)."""
    s = srv.connect()
    s.sendall(sdwire.legacy_msg(sdwire.mac(dev), text))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    return s, "127.0.0.1:%d" % s.getsockname()[1]


def select(f, peer, timeout=sdtmux.DEFAULT_TIMEOUT):
    """Move the table's selection (j, k) onto peer's row."""
    deadline = time.monotonic() + timeout
    while True:
        ls = f.screen()
        rows = table(ls)
        at = [i for i, r in enumerate(rows) if r["peer"] == peer]
        sel = [i for i, r in enumerate(rows) if r["sel"]]
        if at and sel and at[0] == sel[0]:
            return ls
        check(time.monotonic() < deadline, "cannot select %s:\n%s"
              % (peer, f.dump(ls)))
        if at and sel:
            f.keys("j" if at[0] > sel[0] else "k")
        time.sleep(0.1)
