#!/usr/bin/env python3
"""Bad command lines: an unknown flag, a bad number, a bad size, bad port
lists -> exit status 2 and one line on stderr naming the flag."""
import tempfile
import shutil

import sdpeer
from sdpeer import check


def test():
    d = tempfile.mkdtemp(prefix="sdtest-")
    port = str(sdpeer.free_port())
    base = ["--headless", "--log-format", "json", "--bind", "127.0.0.1",
            "--data-dir", d]
    cases = [
        (["--ports", port, "--no-such-flag"], "no-such-flag"),
        (["--ports", port, "--max-clients", "abc"], "max-clients"),
        (["--ports", port, "--max-msg", "12Q"], "max-msg"),
        (["--ports", port, "--idle-timeout", "-5"], "idle-timeout"),
        (["--ports", port, "--log-format", "xml"], "log-format"),
        (["--ports", "abc"], "ports"),
        (["--ports", "70000"], "ports"),
        (["--ports", "5009-5000"], "ports"),
        (["--ports", "5000-"], "ports"),
        (["--ports", ""], "ports"),
        (["--ports", port, "--bind", "nothere"], "bind"),
        (["--ports", port, "--bind", "300.1.2.3"], "bind"),
    ]
    try:
        for args, flag in cases:
            st, out, err = sdpeer.run_cli(base + args, timeout=4)
            what = " ".join(args)
            check(st == 2, "`%s`: exit status %r, expected 2 (stderr %r)"
                  % (what, st, err[:300]))
            lines = [l for l in err.splitlines() if l.strip()]
            check(len(lines) == 1, "`%s`: %d lines on stderr, expected one: "
                  "%r" % (what, len(lines), err[:500]))
            check(flag in lines[0], "`%s`: stderr %r does not name %s"
                  % (what, lines[0], flag))
    finally:
        shutil.rmtree(d, ignore_errors=True)


sdpeer.run(test)
