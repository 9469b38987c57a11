#!/usr/bin/env python3
"""Count test results for tools/check and print 'N passed, N failed' last.

Arguments: a results file of "NAME OK|FAIL" lines (steps that are not
meson tests: builds, the fuzz run), then meson build directories whose
meson-logs/testlog.json are read; DIR@SUITE for a directory where only
the tests of SUITE were run (the ThreadSanitizer build).

A run cannot pass short:
- a build directory without a test log counts as one failure;
- every test meson has registered (meson-info/intro-tests.json) must
  have a result: one that never ran (meson killed, a crash of the
  runner) is a failure by name;
- a skipped test is a failure, since tools/deps installs everything the
  tests need and CI runs as root (SD_ALLOW_SKIPS=1 lets a developer
  without tmux or influxd see the rest).
Exit status 1 when anything failed or nothing ran.

Before the FAILED lines, the last lines each failed test printed (a
few failures at most, each line cut short): CI shows only the end of
its output, and a failure that cannot be reproduced by hand is then
still read there.
"""
import json
import os
import sys

PASS = {"OK", "EXPECTEDFAIL"}
WHY_TESTS = 6		# failed tests whose last lines are shown
WHY_LINES = 8		# lines of each
WHY_WIDTH = 160		# characters of a line
SKIP = {"SKIP"}


def registered(d, suite=None):
    """The names of the tests meson registered in build directory d (in
    suite, when given)."""
    path = os.path.join(d, "meson-info", "intro-tests.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        tests = json.load(f)
    # testlog.json names a test "PROJECT:SUITE / NAME", its suites joined
    # with '+' ("sockdeck:server+threads") when it is in several.
    return {"%s:%s / %s" % (t["suite"][0].split(":")[0],
                            "+".join(s.split(":", 1)[-1] for s in t["suite"]),
                            t["name"])
            for t in tests
            if suite is None or
            any(s.split(":", 1)[-1] == suite for s in t["suite"])}


def last_lines(t):
    """What a failed test printed last, stderr's lines after stdout's."""
    text = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return [ln[:WHY_WIDTH] for ln in lines[-WHY_LINES:]]


def count_dir(arg, allow_skips, tally, failures, why):
    d, _, suite = arg.partition("@")
    base = os.path.basename(d)
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        tally["failed"] += 1
        failures.append("%s: no test log" % d)
        return
    ran = set()
    with open(log) as f:
        for line in f:
            t = json.loads(line)
            res = t.get("result")
            ran.add(t.get("name"))
            if res in PASS:
                tally["passed"] += 1
            elif res in SKIP and allow_skips:
                tally["skipped"] += 1
            else:
                tally["failed"] += 1
                failures.append("%s: %s (%s)" % (base, t.get("name"), res))
                if len(why) < WHY_TESTS:
                    why.append(("%s: %s" % (base, t.get("name")),
                                last_lines(t)))
    want = registered(d, suite or None)
    if want is None:
        tally["failed"] += 1
        failures.append("%s: no list of registered tests" % d)
        return
    for name in sorted(want - ran):
        tally["failed"] += 1
        failures.append("%s: %s (never ran)" % (base, name))


def main(argv):
    tally = {"passed": 0, "failed": 0, "skipped": 0}
    failures = []
    why = []
    allow_skips = os.environ.get("SD_ALLOW_SKIPS") == "1"
    with open(argv[1]) as f:
        for line in f:
            name, _, res = line.strip().rpartition(" ")
            if res == "OK":
                tally["passed"] += 1
            else:
                tally["failed"] += 1
                failures.append(name)
    for d in argv[2:]:
        count_dir(d, allow_skips, tally, failures, why)
    for name, lines in why:
        print("--- %s printed last:" % name)
        for ln in lines:
            print("    " + ln)
    for f in failures:
        print("FAILED:", f)
    tail = ", %d skipped" % tally["skipped"] if tally["skipped"] else ""
    print("%d passed, %d failed%s" % (tally["passed"], tally["failed"],
                                       tail))
    return 1 if tally["failed"] or not tally["passed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
