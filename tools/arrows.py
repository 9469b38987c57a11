#!/usr/bin/env python3
"""The build's arrows between roles, tried (run as a meson test).

usage: arrows.py SOURCE_ROOT BUILD_ROOT

For every role (a folder with its own library: tools/checksrc.py's
ROLE_USES), compile a one-line file that includes a header of every
role, with the very command the build uses for a file of that role
(compile_commands.json): it must compile where the role may use the
other and fail with a missing header where it may not. So an include
from src/client/ into src/server/ is refused by the build itself, and
this test fails the day a library's include path lets it through.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checksrc  # noqa: E402


def role_commands(root, build):
    """One compile command (argv, directory) per role."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    out = {}
    for e in entries:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        role = os.path.relpath(os.path.dirname(path), root)
        if role in checksrc.ROLE_USES and role not in out:
            out[role] = (shlex.split(e["command"]), e["directory"])
    return out


def compiles(argv, cwd, header, tmp):
    src = os.path.join(tmp, "arrow.c")
    with open(src, "w") as f:
        f.write('#include "%s"\nint arrow_probe;\n' % header)
    cmd = [argv[0]]
    skip = False
    for a in argv[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c", "-MF", "-MQ"):
            skip = True
            continue
        if a == "-MD":
            continue
        cmd.append(a)
    cmd += ["-fsyntax-only", src]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def main():
    root, build = os.path.abspath(sys.argv[1]), sys.argv[2]
    roles = checksrc.header_roles(root)
    sample = {}
    for header, role in sorted(roles.items()):
        sample.setdefault(role, header)
    cmds = role_commands(root, build)
    bad = 0
    for role in checksrc.ROLE_USES:
        if role not in cmds:
            print("FAIL %s: no compile command in the build" % role)
            bad += 1
            continue
        argv, cwd = cmds[role]
        with tempfile.TemporaryDirectory() as tmp:
            for other, header in sorted(sample.items()):
                want = other in checksrc.ROLE_USES[role]
                ok, err = compiles(argv, cwd, header, tmp)
                if not ok and not want and "No such file" not in err:
                    ok = True       # failed, but not for the arrow
                if ok != want:
                    bad += 1
                    print("FAIL %s/ including %s (%s/): %s, expected %s"
                          % (role, header, other,
                             "compiles" if ok else "fails",
                             "to compile" if want else "to fail"))
                    if err and want:
                        print(err.strip()[:400])
                else:
                    print("ok   %s/ %s %s (%s/)" % (
                        role, "uses" if want else "cannot use", header,
                        other))
    print("arrows: %d wrong" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
