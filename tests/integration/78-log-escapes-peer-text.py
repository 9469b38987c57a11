#!/usr/bin/env python3
"""The headless log with a hostile message (OSC 52, OSC 0, ESC[2J, raw
0x9B, C1 as UTF-8, a bidi override, DEL, bytes that are not UTF-8):
--log-format text escapes every one of them (\\xNN, \\u{NNNN}) and keeps
valid UTF-8; --log-format json is ASCII only (DEL too) and keeps the
whole text: U+FFFD for each byte that is not UTF-8 in "text", every
byte as it came in "text_hex"."""
import json
import signal
import subprocess
import tempfile
import shutil
import threading
import time

import sdpeer
import sdwire
from sdpeer import check
from sdterm import ESCAPED, HOSTILE, ascii_only, raw_controls


def run_log(fmt):
    """Start a server logging in fmt, send HOSTILE as a legacy message,
    stop it; all it wrote on stdout (bytes)."""
    port = sdpeer.free_port()
    d = tempfile.mkdtemp(prefix="sdtest-")
    p = subprocess.Popen([sdpeer.binary(), "--headless", "--log-format",
                          fmt, "--bind", "127.0.0.1", "--ports", str(port),
                          "--data-dir", d], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    out = []
    seen = threading.Condition()

    def reader():
        for line in p.stdout:
            with seen:
                out.append(line)
                seen.notify_all()

    def wait_for(word):
        with seen:
            check(seen.wait_for(lambda: any(word in l for l in out), 10),
                  "%s log: no %r line in %r" % (fmt, word, out))

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        wait_for(b"listen")
        s = sdpeer.connect(port)
        s.sendall(sdwire.legacy_msg(sdpeer.DEV, HOSTILE))
        wait_for(b"message")
        s.close()
        p.send_signal(signal.SIGTERM)
        check(p.wait(10) == 0, "%s log: exit %r" % (fmt, p.returncode))
        t.join(5)
    finally:
        if p.poll() is None:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)
    return b"".join(out)


def test():
    text = run_log("text")
    bad = raw_controls(text)
    check(not bad, "text log shows peer bytes raw: %s in %r" % (bad, text))
    line = [l for l in text.decode().split("\n") if " message " in l]
    check(len(line) == 1, "one message line: %r" % text)
    for e in ESCAPED:
        check(e in line[0], "text log: %r not in %r" % (e, line[0]))

    js = run_log("json")
    check(ascii_only(js), "json log is not ASCII only: %r"
          % [l for l in js.split(b"\n") if not ascii_only(l)])
    ev = [json.loads(l) for l in js.split(b"\n") if b'"message"' in l]
    check(len(ev) == 1, "one message event: %r" % js)
    ev = ev[0]
    check(ev.get("text_hex") == HOSTILE.hex(), "text_hex %r, want %r"
          % (ev.get("text_hex"), HOSTILE.hex()))
    want = HOSTILE.decode("utf-8", "replace")
    check(ev.get("text") == want, "text %r, want %r"
          % (ev.get("text"), want))


if __name__ == "__main__":
    sdpeer.run(test)
