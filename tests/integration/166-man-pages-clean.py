#!/usr/bin/env python3
"""The man pages (man/*.1, man/*.7) format without a single groff
warning: `man --warnings -l PAGE` at every terminal width from 64 to
84 columns and at 90, 100, 120, 132 and 200 (a table wider than the
line, a line that cannot be broken, a table text block that does not
fit: a text block straddling a page end, at some widths only), in
a UTF-8 locale and in the C locale; and `groff -t -man -ww -z` for
each device man or a printer may use (PostScript, UTF-8, ASCII,
Latin-1): a glyph a device lacks is a warning there. The sources are
ASCII, so no device depends on how raw bytes are read.

man-db and groff are test dependencies (tools/deps): missing, the test
fails."""
import concurrent.futures
import os
import shutil
import subprocess

import sdpeer
from sdpeer import check, fail

WIDTHS = list(range(64, 85)) + [90, 100, 120, 132, 200]
DEVICES = ("ps", "utf8", "ascii", "latin1")


def pages():
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.path.join(here, "..", "..", "man")
    found = sorted(os.path.join(d, n) for n in os.listdir(d)
                   if n.endswith((".1", ".7")))
    check(len(found) == 3, "man pages: %r" % found)
    return found


def warnings(argv, env=None):
    """What the command says on stderr (it must exit 0)."""
    p = subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, env=env,
                       timeout=60)
    check(p.returncode == 0, "%s: exit status %d: %s"
          % (" ".join(argv), p.returncode, p.stderr[-500:]))
    return p.stderr


def man(page, width, locale):
    env = dict(os.environ, MANWIDTH=str(width), LC_ALL=locale,
               MANPAGER="cat", PAGER="cat")
    env.pop("MANOPT", None)
    return (page, "man at %d columns, %s" % (width, locale),
            warnings(["man", "--warnings", "-l", page], env))


def test():
    for tool in ("man", "groff"):
        if shutil.which(tool) is None:
            fail("%s is missing (tools/deps installs it)" % tool)
    jobs = []
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for page in pages():
            with open(page, "rb") as f:
                raw = f.read()
            bad = [n + 1 for n, line in enumerate(raw.split(b"\n"))
                   if not line.isascii()]
            check(not bad, "%s: bytes that are not ASCII on lines %r (write "
                  "\\[uXXXX])" % (page, bad[:10]))
            for dev in DEVICES:
                jobs.append(ex.submit(lambda p=page, d=dev: (
                    p, "groff -T" + d, warnings(
                        ["groff", "-t", "-man", "-ww", "-z", "-T" + d, p]))))
            for w in WIDTHS:
                jobs.append(ex.submit(man, page, w, "C.UTF-8"))
            jobs.append(ex.submit(man, page, 80, "C"))
        said = [j.result() for j in jobs]
    loud = [(p, how, err) for p, how, err in said if err.strip()]
    if loud:
        p, how, err = loud[0]
        fail("%d runs warned; the first: %s, %s:\n%s"
             % (len(loud), os.path.basename(p), how, err[:1500]))


sdpeer.run(test, deadline=85)
