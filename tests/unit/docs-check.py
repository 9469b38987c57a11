#!/usr/bin/env python3
"""--help, the man page and README must not drift apart: every long
option sockdeckd --help lists must be in man/sockdeckd.1, and every
option the man page documents must be accepted by --help; every ctl
command likewise. Usage: docs-check.py SOCKDECKD SOURCE_ROOT"""
import re
import subprocess
import sys


def main():
    binary, root = sys.argv[1], sys.argv[2]
    helptext = subprocess.run([binary, "--help"], capture_output=True,
                              text=True, check=True).stdout
    ctlhelp = subprocess.run([binary, "ctl", "--help"], capture_output=True,
                             text=True, check=True).stdout
    devhelp = subprocess.run([binary, "device", "--help"],
                             capture_output=True, text=True,
                             check=True).stdout
    atthelp = subprocess.run([binary, "attach", "--help"],
                             capture_output=True, text=True,
                             check=True).stdout
    flthelp = subprocess.run([binary, "fleet", "--help"],
                             capture_output=True, text=True,
                             check=True).stdout
    with open(root + "/man/sockdeckd.1") as f:
        man = f.read().replace("\\-", "-")
    with open(root + "/README.md") as f:
        readme = f.read()
    bad = []
    help_opts = set(re.findall(r"--([a-z][a-z-]+)", helptext))
    man_opts = set(re.findall(r"^\.B[IR]? --([a-z][a-z-]+)", man, re.M))
    for o in sorted(help_opts - set(re.findall(r"--([a-z][a-z-]+)", man))):
        bad.append("--%s is in --help but not in sockdeckd(1)" % o)
    # ctl's, device's, attach's and fleet's own options are in their
    # --help.
    ctl_opts = set(re.findall(r"--([a-z][a-z-]+)", ctlhelp + devhelp +
                              atthelp + flthelp))
    for o in sorted(man_opts - help_opts - ctl_opts):
        bad.append("--%s is documented in sockdeckd(1) but not in --help"
                   % o)
    for cmd in re.findall(r"^  ([a-z]+) ", ctlhelp, re.M):
        if not re.search(r"^\.BI? %s\b" % cmd, man, re.M):
            bad.append("ctl %s is not in sockdeckd(1)" % cmd)
    for cmd in re.findall(r"^  ([a-z]+) ", devhelp, re.M):
        if "sockdeckd device " + cmd not in man:
            bad.append("device %s is not in sockdeckd(1)" % cmd)
    for o in sorted(set(re.findall(r"--([a-z][a-z-]+)", devhelp)) -
                    set(re.findall(r"--([a-z][a-z-]+)", man))):
        bad.append("device --%s is not in sockdeckd(1)" % o)
    # Every option of fleet's is in its section of sockdeckd(1).
    fleet_man = man[man.find(".SS Several servers"):]
    fleet_man = fleet_man[:fleet_man.find(".SH ")]
    for o in sorted(set(re.findall(r"--([a-z][a-z-]+)", flthelp)) -
                    {"help"}):
        if "--" + o not in fleet_man:
            bad.append("fleet --%s is not in its section of sockdeckd(1)"
                       % o)
    if "sockdeckd fleet" not in readme:
        bad.append("README does not say sockdeckd fleet")
    if "meson test" not in readme or "tools/check" not in readme:
        bad.append("README lost its test commands")
    # The client: every option of sockdeck --help is in sockdeck(1).
    if len(sys.argv) > 3:
        chelp = subprocess.run([sys.argv[3], "--help"], capture_output=True,
                               text=True, check=True).stdout
        with open(root + "/man/sockdeck.1") as f:
            cman = f.read().replace("\\-", "-")
        for o in sorted(set(re.findall(r"--([a-z][a-z-]+)", chelp))):
            if "--" + o not in cman:
                bad.append("sockdeck --%s is not in sockdeck(1)" % o)
        for cmd in ("send", "send-file", "sensor"):
            if not re.search(r"^\.BI? %s\b" % re.escape(cmd), cman, re.M):
                bad.append("sockdeck %s is not in sockdeck(1)" % cmd)
    for b in bad:
        print(b)
    print("docs-check: %d problem(s)" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
