"""sdtmux: drive a full-screen program inside a private tmux server.

The dashboard tests (tests/tui, SPEC-dashboard.md) run `sockdeckd` as the
command of a detached tmux session on a private socket
(`tmux -L sdtest<pid>_<n> -f /dev/null`), type keys with `send-keys`, read
the screen with `capture-pane -p` and always kill the tmux server and
whatever ran in it. Standard library only, in the style of tmux's own
regress tests.

    import sdtmux

    def test():
        d = sdtmux.Dashboard(120, 40).start()
        d.wait_for(" sockdeckd 0.1.0")
        d.keys("q")
        sdtmux.check(d.wait_exit() == 0, "exit status")

    sdtmux.run(test)

Exit status of run(): 0 pass, 1 fail (message and the last screen on
stderr), 77 when tmux is not installed.
"""
import atexit
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata

try:
    import sdpeer
    _Base = sdpeer.TestFailure
except ImportError:            # usable on its own (self test)
    sdpeer = None
    _Base = AssertionError


class TestFailure(_Base):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


POLL = 0.05
DEFAULT_TIMEOUT = 10.0
DEV_STR = "aa:bb:cc:dd:ee:ff"
KEYBAR_FULL = ("F1/? Help  Tab Pane  / Filter  s Sort  b Broadcast  "
               "m Message  K Kick  p Pause  F10/q Quit")

_instances = []      # every Tmux started, killed by run()
_procs = []          # other subprocesses to kill
_dirs = []           # temp dirs to remove
_counter = [0]


def tmux_path():
    return shutil.which("tmux")


def _tmux_env():
    env = dict(os.environ)
    for k in ("TMUX", "TMUX_PANE"):
        env.pop(k, None)
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    return env


def cpu_seconds(pid):
    """CPU time (user + system) process pid has used; None when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def mkdtemp(prefix="sdtui-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(d)
    return d


def display_width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _match(pat, text):
    if isinstance(pat, str):
        return pat in text
    return pat.search(text) is not None


def _desc(pat):
    return repr(pat) if isinstance(pat, str) else "/%s/" % pat.pattern


class Tmux:
    """One private tmux server running one command in a w x h window.

    cmd: a shell string or an argv list. env: variables set for the
    command (value None: unset), on top of TERM=xterm-256color and
    LANG=C.UTF-8 (LC_ALL, LC_CTYPE and NO_COLOR unset).

    The pane runs `env ... sh -c '"$@"; echo $? >STATUS; exec sleep 3600'
    sdtmux CMD...`: the program is the wrapper's child (program_pid()),
    its exit status lands in a file (tmux 3.3a sometimes loses
    pane_dead_status), and the pane stays alive afterwards, so modes()
    shows the terminal state the program left behind (a dead pane's
    modes are reset by tmux). pane_dead() / wait_exit() read the file
    first and tmux's `#{pane_dead} #{pane_dead_status}` otherwise.
    """

    def __init__(self, w, h, cmd, env=None):
        _counter[0] += 1
        self.sock = "sdtest%d_%d" % (os.getpid(), _counter[0])
        self.w, self.h = w, h
        self.env = {"TERM": "xterm-256color", "LANG": "C.UTF-8",
                    "LC_ALL": None, "LC_CTYPE": None, "NO_COLOR": None}
        self.env.update(env or {})
        self.cmd = cmd
        self.started = False
        self.pid = None          # the pane's process: the sh wrapper
        self.prog_pid = None     # the program itself
        self.status_file = os.path.join(mkdtemp("sdtmux-"), "status")
        self.last = []
        _instances.append(self)

    # ------------------------------------------------------------ tmux
    def tmux(self, *args, check_rc=True, timeout=10.0):
        argv = [tmux_path(), "-u", "-L", self.sock, "-f", "/dev/null"]
        argv += list(args)
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_tmux_env(),
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("`%s` did not finish within %.1fs" % (" ".join(argv),
                                                        timeout))
        if check_rc and p.returncode != 0:
            fail("`%s` failed (%d): %s" % (" ".join(argv), p.returncode,
                                           p.stderr.decode(errors="replace")
                                           .strip()))
        return p.stdout.decode("utf-8", "replace")

    def shell_command(self):
        parts = ["exec", "env"]
        for k, v in sorted(self.env.items()):
            if v is None:
                parts += ["-u", k]
        for k, v in sorted(self.env.items()):
            if v is not None:
                parts.append("%s=%s" % (k, v))
        # tmux 3.3 sometimes loses pane_dead_status (a race in the
        # server), and a dead pane's modes are reset by tmux, so a small
        # sh wrapper records the exit status in a file and then keeps the
        # pane alive: after the program exits the pane shows exactly the
        # terminal state the program left (alternate screen, cursor,
        # keypad), which is what "the terminal is restored" means.
        argv = ["sh", "-c", self.cmd] if isinstance(self.cmd, str) \
            else list(self.cmd)
        # ^C reaches the whole foreground process group of the pane,
        # the wrapper too, which would die of it before writing the exit
        # status. A trap with a command (not '') keeps the wrapper alive
        # and is reset to the default in the program by exec.
        wrap = ('trap : INT; "$@"; echo $? > %s; exec sleep 3600'
                % shlex.quote(self.status_file))
        parts += ["sh", "-c", wrap, "sdtmux"] + argv
        return " ".join(shlex.quote(p) for p in parts)

    def start(self):
        if not tmux_path():
            fail("tmux is not installed")
        # remain-on-exit is set before the session's command can exit, in
        # the same command list, so a dead pane stays readable.
        self.tmux("set-option", "-g", "remain-on-exit", "on", ";",
                  "set-option", "-g", "history-limit", "0", ";",
                  "new-session", "-d", "-s", "t", "-x", str(self.w),
                  "-y", str(self.h), self.shell_command())
        self.started = True
        # make the pane exactly w x h even if tmux's default-size differs
        self.tmux("resize-window", "-t", "t", "-x", str(self.w),
                  "-y", str(self.h), check_rc=False)
        self.socket_path = self.display("#{socket_path}")
        try:
            self.pid = int(self.display("#{pane_pid}"))
        except ValueError:
            self.pid = None
        return self

    def display(self, fmt):
        return self.tmux("display-message", "-p", "-t", "t", fmt).strip()

    # ---------------------------------------------------------- screen
    def screen(self, escapes=False):
        """The visible screen as a list of h lines (trailing blanks
        stripped by tmux); escapes=True keeps colour/attribute SGRs."""
        args = ["capture-pane", "-p", "-t", "t"]
        if escapes:
            args.insert(2, "-e")
        out = self.tmux(*args)
        lines = out.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not escapes:
            self.last = lines
        return lines

    def text(self):
        return "\n".join(self.screen())

    def dump(self, lines=None):
        """The screen framed, with line numbers (trailing blank lines
        folded into one note)."""
        lines = list(self.last if lines is None else lines)
        n = len(lines)
        while lines and not lines[-1].strip():
            lines.pop()
        w = max([self.w] + [display_width(l) for l in lines])
        out = ["   +" + "-" * w + "+"]
        for i, l in enumerate(lines):
            out.append("%2d |" % (i + 1) + l
                       + " " * max(0, w - display_width(l)) + "|")
        if len(lines) < n:
            out.append("   (lines %d-%d blank)" % (len(lines) + 1, n))
        out.append("   +" + "-" * w + "+")
        return "\n".join(out)

    def _dead_note(self):
        try:
            dead, status = self.pane_dead()
        except TestFailure:
            return ""
        if dead:
            return " (the program exited, status %s)" % status
        return ""

    def wait_until(self, pred, what, timeout=DEFAULT_TIMEOUT):
        """Poll the screen every 50 ms until pred(lines) is true."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if pred(lines):
                return lines
            if time.monotonic() > deadline:
                fail("%s: not within %.1fs%s; screen:\n%s"
                     % (what, timeout, self._dead_note(), self.dump(lines)))
            if self.pane_dead()[0]:
                # one last look: the final frame may be what we want
                lines = self.screen()
                if pred(lines):
                    return lines
                fail("%s: the program exited (status %s); screen:\n%s"
                     % (what, self.pane_dead()[1], self.dump(lines)))
            time.sleep(POLL)

    def wait_for(self, pat, timeout=DEFAULT_TIMEOUT, what=None):
        """pat: a substring or a compiled regex, searched in the whole
        screen (lines joined with newlines)."""
        return self.wait_until(lambda ls: _match(pat, "\n".join(ls)),
                               what or "waiting for %s" % _desc(pat),
                               timeout)

    def wait_gone(self, pat, timeout=DEFAULT_TIMEOUT, what=None):
        return self.wait_until(lambda ls: not _match(pat, "\n".join(ls)),
                               what or "waiting for %s to go" % _desc(pat),
                               timeout)

    # ------------------------------------------------------------ keys
    def keys(self, *keys):
        """tmux key names: 'Tab', 'BTab', 'Enter', 'Escape', 'F1', 'q'.."""
        for k in keys:
            self.tmux("send-keys", "-t", "t", k)

    def type(self, text):
        """Literal text (no key-name lookup)."""
        self.tmux("send-keys", "-t", "t", "-l", text)

    def resize(self, w, h):
        self.tmux("resize-window", "-t", "t", "-x", str(w), "-y", str(h))
        self.w, self.h = w, h
        deadline = time.monotonic() + 5
        while self.display("#{pane_width}x#{pane_height}") != "%dx%d" % (w, h):
            if time.monotonic() > deadline:
                fail("pane did not become %dx%d (is %s)"
                     % (w, h, self.display("#{pane_width}x#{pane_height}")))
            time.sleep(POLL)

    # ------------------------------------------------------- lifetime
    def _status(self):
        try:
            with open(self.status_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def pane_dead(self):
        """(dead, status): status is the program's exit status (128+N
        when it died of signal N) or None."""
        st = self._status()
        out = self.display("#{pane_dead} #{pane_dead_status}").split()
        dead = bool(out) and out[0] == "1"
        if st is not None:
            return True, st
        status = None
        if dead and len(out) > 1:
            try:
                status = int(out[1])
            except ValueError:
                status = None
        return dead, status

    def program_pid(self, timeout=5.0):
        """The pid of the program (the wrapper's child)."""
        deadline = time.monotonic() + timeout
        while True:
            kids = _children(self.pid) if self.pid else []
            if kids:
                self.prog_pid = kids[0]
                return kids[0]
            if time.monotonic() > deadline:
                fail("no program process under the pane (pid %s)"
                     % self.pid)
            time.sleep(POLL)

    def wait_exit(self, timeout=DEFAULT_TIMEOUT):
        """Wait until the command exits; its exit status (None when it
        died of a signal)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self._status()
            if status is not None:
                return status
            if self.pane_dead()[0]:
                until = time.monotonic() + 2
                while status is None and time.monotonic() < until:
                    time.sleep(POLL)
                    status = self._status()
                if status is None:
                    fail("the pane died without an exit status")
                return status
            if time.monotonic() > deadline:
                self.screen()
                fail("the program did not exit within %.1fs; screen:\n%s"
                     % (timeout, self.dump()))
            time.sleep(POLL)

    def modes(self):
        """alternate screen / cursor visible / keypad flags of the pane."""
        out = self.display("#{alternate_on} #{cursor_flag} "
                           "#{keypad_cursor_flag}").split()
        return dict(alternate=out[0] == "1", cursor=out[1] == "1",
                    keypad=out[2] == "1")

    def kill(self):
        if not self.started:
            return
        self.started = False
        pids = [p for p in [self.pid, self.prog_pid] if p]
        if self.pid:
            pids += _children(self.pid)
        try:
            self.tmux("kill-server", check_rc=False, timeout=5)
        except Exception:
            pass
        if getattr(self, "socket_path", None):
            try:
                os.unlink(self.socket_path)
            except OSError:
                pass
        # whatever ran in the pane must not outlive the test
        deadline = time.monotonic() + 2
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(POLL)
        for p in pids:
            if _alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        pass
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            if int(st.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    return out


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# ------------------------------------------------------------ sockdeckd

def binary():
    b = os.environ.get("SOCKDECKD")
    if not b:
        fail("SOCKDECKD is not set (path to the sockdeckd binary)")
    if not os.access(b, os.X_OK):
        fail("SOCKDECKD=%s is not an executable file" % b)
    return os.path.abspath(b)


def free_port():
    if sdpeer is not None:
        return sdpeer.free_ports(1)[0]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Dashboard(Tmux):
    """`sockdeckd --ports P --bind 127.0.0.1 --data-dir D` (the dashboard,
    not --headless) in tmux. args replaces the whole argument list (e.g.
    ['attach', '--data-dir', D])."""

    def __init__(self, w=120, h=40, env=None, extra=(), args=None,
                 port=None, data_dir=None, config_home=None):
        self.port = port or free_port()
        self.dir = data_dir or mkdtemp()
        if args is None:
            args = ["--ports", str(self.port), "--bind", "127.0.0.1",
                    "--data-dir", self.dir] + list(extra)
        # The dashboard keeps its settings in XDG_CONFIG_HOME: a private
        # one per dashboard (config_home= shares one between two runs),
        # so that no test starts with another's sort or filter.
        self.config_home = config_home or mkdtemp("sdconf-")
        e = {"XDG_CONFIG_HOME": self.config_home}
        e.update(env or {})
        Tmux.__init__(self, w, h, [binary()] + list(args), e)

    @property
    def control_path(self):
        return os.path.join(self.dir, "control.sock")

    UP = re.compile(r"\bup (\d+):(\d\d):(\d\d)\b")

    def clock_seen(self, seconds=3.5):
        """The header's uptimes (in seconds) that showed over `seconds`,
        each once, in the order they showed (captures every 50 ms)."""
        seen = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = self.UP.search(self.screen()[0])
            s = None if m is None else (int(m.group(1)) * 3600 +
                                        int(m.group(2)) * 60 +
                                        int(m.group(3)))
            if s is not None and (not seen or seen[-1] != s):
                seen.append(s)
            time.sleep(0.05)
        return seen

    def wait_ready(self, timeout=DEFAULT_TIMEOUT):
        """The header is drawn and the port accepts connections. The
        probe connection is a client for a moment: in-process, wait until
        the Log shows it gone, so that a `q` after this is not asked
        about it (tests/tui/09 once saw the question with no client on
        screen)."""
        self.wait_for(" sockdeckd 0.1.0", timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", self.port), 1)
                probe = "127.0.0.1:%d " % s.getsockname()[1]
                s.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    fail("port %d does not accept connections; screen:\n%s"
                         % (self.port, self.dump(self.screen())))
                time.sleep(POLL)
        if "attach" not in self.cmd and log_title(self.screen()):
            self.wait_until(
                lambda ls: any(probe in l and "disconnected" in l
                               for l in log_rows(ls)),
                "the probe connection's disconnect in the Log", timeout)
        return self

    def start(self):
        Tmux.start(self)
        return self

    def connect(self, timeout=10.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(timeout)
        s.connect(("127.0.0.1", self.port))
        return s

    def ctl(self, req):
        check(sdpeer is not None, "sdpeer not importable (PYTHONPATH)")
        return sdpeer.ctl(self.control_path, req)


# ------------------------------------------------------- screen regions

# A box title is the word on a border line; ncurses ACS borders read as
# `lqq Log qqk` in capture-pane, so a `q` may touch the word.
_TITLE = {
    "Clients": re.compile(r"Clients \(\d+\)"),
    "Transfers": re.compile(r"(?<![A-Za-pr-z0-9#\"])Transfers(?![a-z])"),
    "Sensors": re.compile(r"(?<![A-Za-pr-z0-9#\"])Sensors(?![a-z])"),
    "Log": re.compile(r"(?<![A-Za-pr-z0-9#\"])Log(?![a-z])"),
}


# ------------------------------------------------------------- helpers

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colour_sgrs(lines):
    """The SGR sequences in lines (capture-pane -e) that set a colour."""
    out = []
    for l in lines:
        for m in _SGR.finditer(l):
            ps = [p for p in re.split(r"[;:]", m.group(1)) if p != ""]
            for p in ps:
                n = int(p)
                if n in (39, 49):
                    continue          # default colour: not a colour
                if 30 <= n <= 48 or 90 <= n <= 97 or 100 <= n <= 107:
                    out.append(m.group(0))
                    break
    return out


def red_line(esc, needle):
    """Whether the line of esc (capture-pane -e) that holds needle (in
    its text, SGRs dropped) is drawn in red anywhere (31, 91, 38;5;1 or
    38;5;9); None when no line holds it."""
    for line in esc:
        if needle not in _SGR.sub("", line):
            continue
        for m in _SGR.finditer(line):
            ps = [p for p in re.split(r"[;:]", m.group(1)) if p != ""]
            if "31" in ps or "91" in ps or ps[:3] in (["38", "5", "1"],
                                                      ["38", "5", "9"]):
                return True
        return False
    return None


def cells(esc):
    """The lines of capture-pane -e as lists of (char, acs): SGRs
    dropped, acs True for a character tmux holds in the DEC line-drawing
    set. tmux writes SO (0x0e) before such a run and SI (0x0f) after,
    and a run goes on over the end of a line, so the state is carried
    from line to line. An ACS `l` (a corner) and a letter `l` differ."""
    out = []
    acs = False
    for line in esc:
        row = []
        i = 0
        while i < len(line):
            m = _SGR.match(line, i)
            if m:
                i = m.end()
                continue
            ch = line[i]
            i += 1
            if ch == "\x0e":
                acs = True
            elif ch == "\x0f":
                acs = False
            else:
                row.append((ch, acs))
        out.append(row)
    return out


def styled(line):
    """One line of capture-pane -e as a list of (char, attrs): attrs the
    set of SGR parameters in force at that character ("1" bold, "7"
    reverse, "4" underline, "31" red, ...; a 0 or an empty SGR clears
    them, 22/27/24 and 39 end bold, reverse, underline and the colour)."""
    out, on, i = [], set(), 0
    ends = {"22": ("1", "2"), "27": ("7",), "24": ("4",), "23": ("3",)}
    while i < len(line):
        m = _SGR.match(line, i)
        if m:
            ps = [p for p in re.split(r"[;:]", m.group(1))] or ["0"]
            for p in ps:
                if p in ("", "0"):
                    on = set()
                elif p in ends:
                    on -= set(ends[p])
                elif p == "39":
                    on = {a for a in on if not (a.startswith("3") and
                                                len(a) == 2)}
                else:
                    on.add(p)
            i = m.end()
            continue
        if line[i] not in "\x0e\x0f":
            out.append((line[i], frozenset(on)))
        i += 1
    return out


def styled_line(esc, needle):
    """styled() of the first line of esc holding needle, or None."""
    for line in esc:
        if needle in _SGR.sub("", line):
            return styled(line)
    return None


def box_chars(row):
    """The line-drawing characters of one row of cells(): ACS ones as
    `acs:l`, Unicode box drawing (U+2500-U+257F) as it is."""
    return ["acs:" + c if a else c for c, a in row
            if a or "\u2500" <= c <= "\u257f"]


def write_random(path, size):
    """A file of size random bytes, written 8 MiB at a time."""
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(os.urandom(n))
            left -= n


def same_file(a, b):
    """Files a and b hold the same bytes (read 8 MiB at a time)."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(8 << 20), fb.read(8 << 20)
            if x != y:
                return False
            if not x:
                return True


def check_restored(t, what, still_there):
    """The program t ran has given the terminal back: normal screen,
    cursor shown, keypad mode off, and no line still_there(line) true."""
    m = t.modes()
    lines = t.screen()
    check(not m["alternate"], "%s: the pane is still on the alternate "
          "screen (endwin not called?):\n%s" % (what, t.dump(lines)))
    check(m["cursor"], "%s: the cursor is still hidden" % what)
    check(not m["keypad"], "%s: keypad transmit mode still on" % what)
    check(not any(still_there(l) for l in lines),
          "%s: the program's screen is still there:\n%s"
          % (what, t.dump(lines)))


def tty_watch(t):
    """Before t starts: make its command first turn flow control on
    (`stty ixon`, so a program that leaves it alone shows it) and save
    the pane's `stty -g`, then exec the program. Returns the saved
    file's path; tty_modes(t) and tty_saved(t) read the tty later."""
    check(not t.started, "tty_watch before start()")
    t.tty_before = os.path.join(mkdtemp("sdtty-"), "before")
    argv = ["sh", "-c", t.cmd] if isinstance(t.cmd, str) else list(t.cmd)
    t.cmd = ["sh", "-c", 'stty ixon && stty -g > "$0" && exec "$@"',
             t.tty_before] + argv
    return t.tty_before


def _stty(t, *args):
    tty = t.display("#{pane_tty}")
    p = subprocess.run(["stty", "-F", tty] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=10)
    check(p.returncode == 0, "stty -F %s %s: %s" % (tty, " ".join(args),
                                                  p.stderr.strip()))
    return p.stdout.strip()


def tty_modes(t):
    """The pane tty's settings as a set of words (`stty -a`: `-ixon`,
    `icanon`, ...)."""
    return set(re.findall(r"(?<!\S)-?[a-z][a-z0-9]*(?!\S)", _stty(t, "-a")))


def tty_saved(t):
    """(before, now): the pane tty's `stty -g` as tty_watch saved it
    before the program started, and as it is now."""
    deadline = time.monotonic() + 5
    while not os.path.exists(t.tty_before) or \
            os.path.getsize(t.tty_before) == 0:
        check(time.monotonic() < deadline, "the wrapper did not save the "
              "tty settings (%s)" % t.tty_before)
        time.sleep(POLL)
    with open(t.tty_before) as f:
        return f.read().strip(), _stty(t, "-g")


def title_line(lines, name, start=0):
    """Index of the first line >= start that carries box title `name`
    (the header, line 1, and the key bar, the last line, are skipped)."""
    rx = _TITLE[name]
    for i in range(max(start, 1), len(lines) - 1):
        if rx.search(lines[i]):
            return i
    return None


def bottom_titles(lines):
    """The titles among Transfers / Sensors / Log shown below Clients."""
    c = title_line(lines, "Clients")
    start = (c + 1) if c is not None else 1
    out = []
    for n in ("Transfers", "Sensors", "Log"):
        if title_line(lines, n, start) is not None:
            out.append(n)
    return out


def clients_rows(lines):
    """The lines inside the Clients box: after its title, before the
    next box title (or the key bar)."""
    c = title_line(lines, "Clients")
    if c is None:
        return []
    end = len(lines) - 1
    for n in ("Transfers", "Sensors", "Log"):
        i = title_line(lines, n, c + 1)
        if i is not None:
            end = min(end, i)
    return lines[c + 1:end]


def log_rows(lines):
    """The lines of the Log box: after its title up to the key bar."""
    c = title_line(lines, "Clients")
    i = title_line(lines, "Log", (c + 1) if c is not None else 1)
    if i is None:
        return None
    return lines[i + 1:len(lines) - 1]


def log_title(lines):
    c = title_line(lines, "Clients")
    i = title_line(lines, "Log", (c + 1) if c is not None else 1)
    return None if i is None else lines[i]


def clients_title(lines):
    """The Clients box's title line, or None."""
    i = title_line(lines, "Clients")
    return None if i is None else lines[i]


def client_row(lines, peer_port):
    """The Clients row of the connection from 127.0.0.1:peer_port, or
    None."""
    needle = "127.0.0.1:%d " % peer_port
    for l in clients_rows(lines):
        if needle in l:
            return l
    return None


def open_detail(d, peer_port):
    """Select the only client (from 127.0.0.1:peer_port) of dashboard d
    with Down, and open its detail view with Enter."""
    d.wait_until(lambda ls: client_row(ls, peer_port) is not None,
                 "the row of the client")
    d.keys("Down")
    d.wait_until(lambda ls: (client_row(ls, peer_port) or "")
                 .lstrip("\u2502x| ").startswith(">"), "it is selected")
    d.keys("Enter")


def client_order(lines, ports):
    """The peer ports among ports (connections from 127.0.0.1) in the
    order their Clients rows show."""
    got = []
    for r in clients_rows(lines):
        for p in ports:
            if "127.0.0.1:%d " % p in r:
                got.append(p)
    return got


def click(t, x, y):
    """A left click at column x, line y (0-based), as xterm sends it in
    its SGR mode (which tmux passes on)."""
    t.type("\x1b[<0;%d;%dM\x1b[<0;%d;%dm" % (x + 1, y + 1, x + 1, y + 1))


def detail_field(lines, label):
    """The value after label in the dashboard's client detail view
    (below the header), or None."""
    for l in lines[2:]:
        m = re.search(r"\b%s +(\S.*?)(?: {2,}|\u2502|$)" % re.escape(label),
                      l)
        if m:
            return m.group(1)
    return None


def wheel(t, x, y, down=True):
    """A turn of the mouse wheel at column x, line y (0-based), SGR."""
    t.type("\x1b[<%d;%d;%dM" % (65 if down else 64, x + 1, y + 1))


def transfers_rows(lines):
    """Lines of the band holding Transfers (and Sensors beside it at
    120x40): after the Transfers title, before the Log title."""
    c = title_line(lines, "Clients")
    t = title_line(lines, "Transfers", (c + 1) if c is not None else 1)
    if t is None:
        return None
    end = len(lines) - 1
    lg = title_line(lines, "Log", t + 1)
    if lg is not None:
        end = lg
    return lines[t + 1:end]


# ------------------------------------------------------ sockdeck (client)

# The client screen (SPEC-client.md). A separate section: nothing above
# depends on it.

CLIENT_DEV = "aa:bb:cc:dd:ee:0c"
CLIENT_KEYBAR_FULL = (" F1 Help  ^O Connect  ^D Disconnect  ^F Send file  "
                      "^S Sensors  Esc Cancel  F10 Quit")
CLIENT_STATES = ("unconnected", "resolving", "connecting", "connected",
                 "closing")
ENTRY_KINDS = ("you", "server", "notice", "error", "file", "info")

_STATE_RE = re.compile(r"(?<![\w-])(unconnected|resolving|connecting|"
                       r"connected|closing)(?![\w-])")
# "HH:MM:SS kind    text", after at most 3 columns of box border/padding
_ENTRY_RE = re.compile(r"^.{0,3}?(\d\d:\d\d:\d\d) +(you|server|notice|"
                       r"error|file|info)(?: +(.*))?$")
_BORDER_CH = "\u2502\u2503\u2551x|"
_BOTTOM_RE = re.compile(r"^\s*[\u2514\u2517\u255amx+]"
                        r"[\u2500\u2501\u2550q\-]{3,}")
_HEADER_RE = re.compile(r"^ sockdeck(?![\w-])")


def client_binary():
    b = os.environ.get("SOCKDECK")
    if not b:
        fail("SOCKDECK is not set (path to the sockdeck client binary)")
    if not os.access(b, os.X_OK):
        fail("SOCKDECK=%s is not an executable file" % b)
    return os.path.abspath(b)


class Entry(tuple):
    """One conversation entry: .time ('HH:MM:SS'), .kind, .text, .row
    (the raw screen line)."""
    __slots__ = ()

    def __new__(cls, time_, kind, text, row):
        return tuple.__new__(cls, (time_, kind, text, row))

    time = property(lambda self: self[0])
    kind = property(lambda self: self[1])
    text = property(lambda self: self[2])
    row = property(lambda self: self[3])


_UNSET = object()


class ClientTui(Tmux):
    """`$SOCKDECK [--device DEV] ARGS...` (the client's screen) in tmux.

    HOME and XDG_STATE_HOME are private temp dirs (pass home= /
    state_home= to share them between two runs; state_home=None unsets
    XDG_STATE_HOME, so the default ~/.local/state is used). The program
    runs in cwd (default: HOME), which is where the file picker starts.
    device=None leaves --device out (the client then picks its own).
    """

    def __init__(self, w=120, h=40, args=(), env=None, device=CLIENT_DEV,
                 home=None, state_home=_UNSET, cwd=None):
        self.home = home or mkdtemp("sdhome-")
        if state_home is _UNSET:
            state_home = mkdtemp("sdstate-")
        self.state_home = state_home
        self.cwd = cwd or self.home
        self.device = device
        e = {"HOME": self.home, "XDG_STATE_HOME": state_home,
             "XDG_CONFIG_HOME": os.path.join(self.home, ".config")}
        e.update(env or {})
        argv = [client_binary()]
        if device:
            argv += ["--device", device]
        argv += list(args)
        cmd = ["sh", "-c", 'cd "$1" || exit 127; shift; exec "$@"', "sdcd",
               self.cwd] + argv
        Tmux.__init__(self, w, h, cmd, e)

    def start(self):
        Tmux.start(self)
        return self

    # ---------------------------------------------------- recent file
    @property
    def recent_path(self):
        if self.state_home:
            return os.path.join(self.state_home, "sockdeck", "recent")
        return os.path.join(self.home, ".local", "state", "sockdeck",
                            "recent")

    def recent(self):
        """The recent-servers file as a list of lines (None: no file)."""
        try:
            with open(self.recent_path, encoding="utf-8") as f:
                return [l.strip() for l in f.read().splitlines()
                        if l.strip()]
        except FileNotFoundError:
            return None

    # --------------------------------------------------------- regions
    def _lines(self, lines):
        return self.screen() if lines is None else lines

    def header(self, lines=None):
        lines = self._lines(lines)
        return lines[0] if lines else ""

    def conn_bar(self, lines=None):
        lines = self._lines(lines)
        return lines[1] if len(lines) > 1 else ""

    def status_line(self, lines=None):
        """Row h-3: ` readings  sent N  acked N` (+ the stream)."""
        lines = self._lines(lines)
        return lines[-3] if len(lines) >= 3 else ""

    def input_line(self, lines=None):
        """Row h-2: ` > ` and the text."""
        lines = self._lines(lines)
        return lines[-2] if len(lines) >= 2 else ""

    def keybar(self, lines=None):
        lines = self._lines(lines)
        return lines[-1] if lines else ""

    def input_text(self, lines=None):
        """The text after the ` > ` prompt (None: no prompt there)."""
        m = re.match(r"^\s*>\s?(.*)$", self.input_line(lines))
        return m.group(1).rstrip() if m else None

    def state(self, lines=None):
        """The state word in the header, or None."""
        m = _STATE_RE.search(self.header(lines))
        return m.group(1) if m else None

    def counts(self, lines=None):
        """(sent, acked) from the status line, or None."""
        s = self.status_line(lines)
        a = re.search(r"\bsent (\d+)", s)
        b = re.search(r"\backed (\d+)", s)
        if not (a and b):
            return None
        return int(a.group(1)), int(b.group(1))

    def bar_fields(self, lines=None):
        """(server, port) as the connection bar shows them ('' when a
        field is empty)."""
        bar = self.conn_bar(lines)
        a = re.search(r"Server:\s*\[?\s*([^\s\]]*)", bar)
        b = re.search(r"Port:\s*\[?\s*([^\s\]]*)", bar)
        sv = a.group(1) if a else None
        pt = b.group(1) if b else None
        if sv is not None and sv.startswith("Port:"):
            sv = ""
        if pt is not None and not re.match(r"^\d*$", pt):
            pt = ""
        return sv, pt

    def conversation_rows(self, lines=None):
        """The lines inside the box titled Conversation (between its
        title and its bottom border or the status line)."""
        lines = self._lines(lines)
        top = None
        for i in range(1, max(1, len(lines) - 3)):
            if "Conversation" in lines[i]:
                top = i
                break
        if top is None:
            return []
        end = len(lines) - 3
        out = []
        for l in lines[top + 1:end]:
            if _BOTTOM_RE.match(l):
                break
            out.append(l)
        return out

    def entries(self, lines=None, kind=None):
        """The conversation entries on screen, oldest first (Entry)."""
        out = []
        for row in self.conversation_rows(lines):
            m = _ENTRY_RE.match(row)
            if not m:
                continue
            text = (m.group(3) or "").rstrip()
            if (display_width(row) >= self.w and text
                    and text[-1] in _BORDER_CH):
                text = text[:-1].rstrip()
            if kind is None or m.group(2) == kind:
                out.append(Entry(m.group(1), m.group(2), text, row))
        return out

    def find_entries(self, kind, pat=None, lines=None):
        return [e for e in self.entries(lines, kind)
                if pat is None or _match(pat, e.text)]

    # ----------------------------------------------------------- waits
    def wait_ready(self, timeout=DEFAULT_TIMEOUT):
        """The header, the Conversation box and the key bar are drawn."""
        return self.wait_until(
            lambda ls: bool(ls) and _HEADER_RE.match(ls[0]) is not None
            and "Conversation" in "\n".join(ls)
            and "Quit" in ls[-1],
            "the client screen (header ` sockdeck`, Conversation box, key "
            "bar)", timeout)

    def wait_state(self, word, timeout=DEFAULT_TIMEOUT, what=None):
        return self.wait_until(lambda ls: self.state(ls) == word,
                               what or "the header's state word `%s`" % word,
                               timeout)

    def wait_entry(self, kind, pat=None, timeout=DEFAULT_TIMEOUT, what=None,
                   n=1):
        """Wait until at least n `kind` entries whose text matches pat
        (substring or regex) are on screen; the last of them."""
        got = []

        def pred(ls):
            got[:] = self.find_entries(kind, pat, ls)
            return len(got) >= n

        self.wait_until(pred, what or "a `%s` entry matching %s"
                        % (kind, _desc(pat) if pat is not None else "any"),
                        timeout)
        return got[-1]

    def wait_counts(self, pred, what, timeout=DEFAULT_TIMEOUT):
        """Wait until pred(sent, acked) holds on the status line."""
        got = []

        def p(ls):
            c = self.counts(ls)
            got[:] = [c]
            return c is not None and pred(*c)

        self.wait_until(p, what, timeout)
        return got[0]

    # ------------------------------------------------------------ keys
    def send_keys(self, *keys):
        """Several tmux key names in one send-keys call."""
        self.tmux("send-keys", "-t", "t", *keys)

    def clear_field(self, n=48):
        """Empty the field being edited: ^E (end of line), then n
        Backspaces. (Not the End key: tmux sends it as \\e[4~, which
        xterm-256color's terminfo does not name, so ncurses would pass
        the bytes through as text; the same for Home, \\e[1~.)"""
        self.send_keys("C-e", *(["BSpace"] * n))

    def connect_via_bar(self, host, port, timeout=DEFAULT_TIMEOUT):
        """^O, Server := host, Tab, Port := port, Enter."""
        self.keys("C-o")
        time.sleep(0.2)
        self.clear_field()
        self.type(host)
        self.keys("Tab")
        self.clear_field()
        self.type(str(port))
        self.wait_until(lambda ls: self.bar_fields(ls) == (host, str(port)),
                        "the connection bar to show Server: %s  Port: %s "
                        "while editing (^O, Tab)" % (host, port), timeout)
        self.keys("Enter")


# ------------------------------------------------------------------ run

def hung_up_dashboard(w, h, extra=(), detached=False):
    """A dashboard (under setsid(1) when detached: no SIGHUP comes) with
    one client that has sent a message, then its terminal gone: the tmux
    server killed, as when an ssh session drops. (d, pid, client)."""
    d = Dashboard(w, h, extra=extra)
    if detached:
        d.cmd = ["setsid"] + d.cmd
    d.start()
    d.wait_ready()
    pid = d.program_pid()
    c = d.connect()
    import sdwire
    c.sendall(sdwire.legacy_msg(sdpeer.DEV, b"before"))
    sdpeer.recv_until_quiet(c)
    d.wait_for("Clients (1)")
    d.tmux("kill-server")
    return d, pid, c


def connected_client(w=120, h=40, args=(), server=None, env=None):
    """A headless sockdeckd (or server) and `sockdeck 127.0.0.1:PORT` at w x
    h (env: ClientTui's), connected: returns (server, client, its connect
    event) once the server has seen the client's HELLO."""
    srv = server or sdpeer.Server().start()
    mark = srv.mark()
    c = ClientTui(w, h, args=list(args) + ["127.0.0.1:%d" % srv.ports[0]],
                  env=env)
    c.start()
    c.wait_ready()
    c.wait_state("connected")
    conn = srv.wait_event("connect", since=mark)
    srv.wait_event("hello", lambda e: e.get("id") == conn["id"], since=mark)
    return srv, c, conn


def cleanup():
    for t in _instances:
        try:
            t.kill()
        except Exception:
            pass
    for p in _procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass
    if not os.environ.get("SDPEER_KEEP"):
        for d in _dirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(cleanup)


def _deadline(signum, frame):
    raise TimeoutError("test deadline")


class Interrupted(Exception):
    pass


def _interrupted(signum, frame):
    # meson sends SIGTERM on its timeout: clean up on the way out
    raise Interrupted("signal %d" % signum)


def run(test, deadline=45):
    """Run test(); exit 0 if it returns, 1 with a message otherwise, 77
    when tmux is not installed. Every tmux server, process and temp dir
    is cleaned up."""
    name = os.path.basename(sys.argv[0])
    if not tmux_path():
        print("SKIP %s: tmux is not installed" % name)
        sys.exit(77)
    rc = 1
    signal.signal(signal.SIGALRM, _deadline)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    signal.alarm(deadline)
    try:
        test()
        rc = 0
    except _Base as e:
        print("FAIL %s: %s" % (name, e), file=sys.stderr)
    except TimeoutError:
        print("FAIL %s: test did not finish within %ds" % (name, deadline),
              file=sys.stderr)
        traceback.print_exc()
        for t in _instances:
            if t.last:
                print("--- last screen:\n" + t.dump(), file=sys.stderr)
    except Exception as e:
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e),
              file=sys.stderr)
        traceback.print_exc()
        for t in _instances:
            if t.last:
                print("--- last screen:\n" + t.dump(), file=sys.stderr)
    finally:
        signal.alarm(0)
        cleanup()
        if sdpeer is not None:
            for s in sdpeer._servers:
                if rc != 0 and s.proc is not None:
                    tail = s.stderr_text()
                    if tail:
                        print("--- headless server stderr (tail):\n"
                              + tail[-1500:], file=sys.stderr)
                s.cleanup()
        cleanup()
    if rc == 0:
        print("PASS %s" % name)
    sys.exit(rc)


# ------------------------------------------------------------ self test

def _selftest():
    def test():
        t = Tmux(40, 10, "echo hello; echo TERM=$TERM LANG=$LANG; "
                 "read x; echo got $x; sleep 0.3; exit 3").start()
        lines = t.wait_for("hello", 5)
        check(len(lines) == 10, "expected 10 lines, got %d" % len(lines))
        t.wait_for("TERM=xterm-256color LANG=C.UTF-8")
        check(not t.pane_dead()[0], "pane dead too early")
        t.type("abc def")
        t.keys("Enter")
        t.wait_for(re.compile(r"got abc def"))
        check(t.wait_exit(5) == 3, "exit status not 3")
        t.resize(30, 8)
        check(len(t.screen()) == 8, "resize: %r" % t.screen())
        t.kill()
        t2 = Tmux(80, 24, ["sleep", "30"]).start()
        pid = t2.program_pid()
        with open("/proc/%d/comm" % pid) as f:
            check(f.read().strip() == "sleep", "program pid is not sleep")
        os.kill(pid, signal.SIGTERM)
        st = t2.wait_exit(5)
        check(st == 128 + 15, "sleep killed by SIGTERM: status %r" % st)
        t2.kill()
        t3 = Tmux(80, 24, ["sleep", "30"]).start()
        pid = t3.program_pid()
        t3.kill()
        check(not _alive(pid), "program survived kill")
        log("selftest ok")
    run(test)


if __name__ == "__main__":
    _selftest()
