#!/usr/bin/env python3
"""Every test script is a meson test (run as a meson test itself).

Arguments: the source root and the build root. Each NN-*.py under
tests/integration/ and tests/tui/ must be registered under its name (the
file name without .py) in the build's meson-info/intro-tests.json: a
script no target runs would pass CI while testing nothing.
"""
import json
import os
import re
import sys

DIRS = ("tests/integration", "tests/tui")
SCRIPT = re.compile(r"^[0-9]{2,3}-.*\.py$")


def main(argv):
    src, build = argv[1], argv[2]
    with open(os.path.join(build, "meson-info", "intro-tests.json")) as f:
        names = {t["name"] for t in json.load(f)}
    missing = []
    found = 0
    for d in DIRS:
        for n in sorted(os.listdir(os.path.join(src, d))):
            if not SCRIPT.match(n):
                continue
            found += 1
            if n[:-3] not in names:
                missing.append(os.path.join(d, n))
    for m in missing:
        print("%s: no meson test runs it (add it to its meson.build)" % m)
    print("testfiles: %d scripts, %d not registered" % (found,
                                                        len(missing)))
    return 1 if missing or found == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
