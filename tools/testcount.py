#!/usr/bin/env python3
"""Count test results for tools/check and print 'N passed, N failed' last.

Arguments: a results file of "NAME OK|FAIL" lines (steps that are not
meson tests: builds, the fuzz run), then meson build directories whose
meson-logs/testlog.json are read. A build directory without a test log
counts as one failure. Exit status 1 when anything failed or nothing ran.
"""
import json
import os
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}


def main(argv):
    passed = failed = skipped = 0
    failures = []
    with open(argv[1]) as f:
        for line in f:
            name, _, res = line.strip().rpartition(" ")
            if res == "OK":
                passed += 1
            else:
                failed += 1
                failures.append(name)
    for d in argv[2:]:
        log = os.path.join(d, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            failed += 1
            failures.append("%s: no test log" % d)
            continue
        with open(log) as f:
            for line in f:
                t = json.loads(line)
                res = t.get("result")
                if res in PASS:
                    passed += 1
                elif res in SKIP:
                    skipped += 1
                else:
                    failed += 1
                    failures.append("%s: %s (%s)" % (os.path.basename(d),
                                                    t.get("name"), res))
    for f in failures:
        print("FAILED:", f)
    tail = ", %d skipped" % skipped if skipped else ""
    print("%d passed, %d failed%s" % (passed, failed, tail))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
