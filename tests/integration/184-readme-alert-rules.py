#!/usr/bin/env python3
"""README, Monitoring: its Prometheus scrape config and its alert rules
are taken out of the README and checked by `promtool check rules` and
`promtool check config` (the config with the rules as its rule_files),
and the rules name the three alerts the README promises."""
import os
import re
import shutil
import subprocess
import tempfile

import sdpeer
from sdpeer import check

if shutil.which("promtool") is None:
    sdpeer.skip("promtool not found (install prometheus)")


def blocks(readme):
    """The yaml blocks of the Monitoring section."""
    sec = readme.split("### Monitoring\n", 1)
    check(len(sec) == 2, "README has no Monitoring section")
    sec = re.split(r"\n#{2,3} ", sec[1], maxsplit=1)[0]
    return re.findall(r"```yaml\n(.*?)```", sec, re.S)


def test():
    root = os.environ.get("SD_SOURCE_ROOT") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "README.md")) as f:
        ys = blocks(f.read())
    scrape = [b for b in ys if "scrape_configs:" in b]
    rules = [b for b in ys if "groups:" in b]
    check(len(scrape) == 1 and len(rules) == 1, "want one scrape config "
          "and one rules block, found %d yaml blocks" % len(ys))
    for name in ("SockdeckSinkFailing", "SockdeckBacklogStale",
                 "SockdeckDevicesSilent"):
        check("alert: " + name in rules[0], "no alert %s" % name)
    check('sockdeck_devices{state="silent"}' in rules[0],
          "the silent-devices rule does not use sockdeck_devices")
    d = tempfile.mkdtemp(prefix="sdrules-")
    try:
        rp = os.path.join(d, "sockdeck.rules.yml")
        with open(rp, "w") as f:
            f.write(rules[0])
        cp = os.path.join(d, "prometheus.yml")
        with open(cp, "w") as f:
            f.write("rule_files:\n  - sockdeck.rules.yml\n" + scrape[0])
        for args in (["check", "rules", rp], ["check", "config", cp]):
            r = subprocess.run(["promtool"] + args, capture_output=True,
                               text=True, timeout=60, cwd=d)
            check(r.returncode == 0, "promtool %s: %s%s" % (
                " ".join(args[:2]), r.stdout, r.stderr))
    finally:
        shutil.rmtree(d, ignore_errors=True)


sdpeer.run(test, deadline=60)
