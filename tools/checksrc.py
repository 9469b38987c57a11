#!/usr/bin/env python3
"""Source rules that a compiler does not check (run as a meson test).

- banned calls: sprintf, vsprintf, strcpy, strcat, strncpy, strncat,
  strtok, atoi, atol, gets (use snprintf, snprintf at a position or
  memcpy with a length, strtol, strtok_r): strncpy and strncat truncate
  without a word, and strncpy may leave no NUL;
- 80 columns, tabs at 8;
- the walls of DESIGN.md: proto/ includes no libevent, curses, curl,
  rdkafka or src/tui header; core files in src/ include no curses and
  nothing from tui/ (only the programs' main files wire a front end in);
  tui/ opens no sockets;
- the arrows between roles (README, Layout): a library includes only
  headers of the roles it depends on (ROLE_USES), said in words here as
  the build says it as a missing header.
"""
import os
import re
import sys

BANNED = re.compile(r"\b(sprintf|vsprintf|strcpy|strcat|strncpy|strncat|"
                    r"strtok|atoi|atol|gets)\s*\(")
IO_INC = re.compile(r'#\s*include\s*[<"](event2/|n?curses|curl/|librdkafka/'
                    r'|\.\./(src|tui)/)')
CURSES_INC = re.compile(r'#\s*include\s*[<"](n?curses|(\.\./)?tui/)')
# A call through a struct member (link->connect(...)) is a request to the
# program, not a socket call.
SOCKET_CALL = re.compile(r"(?<![.>])\b(socket|connect|accept|"
                         r"bufferevent_socket_new)\s*\(")
MAIN_FILES = re.compile(r"(^|/)(main|sockdeckd?|.*_main)\.c$")


# Each role (a folder with its own library) and the roles it may use.
ROLE_USES = {
    "proto": ("proto",),
    "src/common": ("src/common", "proto"),
    "src/readings": ("src/readings", "src/common", "proto"),
    "src/readings/sinks": ("src/readings/sinks", "src/readings",
                           "src/common", "proto"),
    "src/server": ("src/server", "src/readings/sinks", "src/readings",
                   "src/common", "proto"),
    "src/client": ("src/client", "src/common", "proto"),
    "tui": ("tui", "proto"),
}
LOCAL_INC = re.compile(r'#\s*include\s*"([^"/]+)"')


def header_roles(root):
    """Which role each project header belongs to, by its folder."""
    roles = {}
    for role in ROLE_USES:
        d = os.path.join(root, role)
        for name in os.listdir(d) if os.path.isdir(d) else ():
            if name.endswith(".h"):
                roles[name] = role
    return roles


def check_arrows(rel, code, roles, problems):
    role = os.path.dirname(rel)
    uses = ROLE_USES.get(role)
    if uses is None:
        return
    for n, line in enumerate(code.split("\n"), 1):
        m = LOCAL_INC.search(line)
        if m and roles.get(m.group(1), role) not in uses:
            problems.append("%s:%d: %s/ may not use %s/ (it includes %s; "
                            "%s/ uses %s)" % (rel, n, role,
                                              roles[m.group(1)], m.group(1),
                                              role, ", ".join(uses[1:])
                                              or "nothing"))


def strip_comments(src):
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  src, flags=re.S)


def check(path, rel, problems, roles):
    with open(path, encoding="utf-8") as f:
        src = f.read()
    code = strip_comments(src)
    check_arrows(rel, code, roles, problems)
    for n, line in enumerate(src.split("\n"), 1):
        if len(line.expandtabs(8)) > 80:
            problems.append("%s:%d: longer than 80 columns" % (rel, n))
    for n, line in enumerate(code.split("\n"), 1):
        m = BANNED.search(line)
        if m and not line.lstrip().startswith("#"):
            problems.append("%s:%d: banned call %s()" % (rel, n, m.group(1)))
        top = rel.split("/")[0]
        if top == "proto" and IO_INC.search(line):
            problems.append("%s:%d: proto/ must stay pure" % (rel, n))
        if (top == "src" and not MAIN_FILES.search(rel)
                and CURSES_INC.search(line)):
            problems.append("%s:%d: core file includes a front end"
                            % (rel, n))
        if top == "tui" and SOCKET_CALL.search(line):
            problems.append("%s:%d: tui/ opens no sockets" % (rel, n))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    roles = header_roles(root)
    for top in ("proto", "src", "tui", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    path = os.path.join(dirpath, name)
                    check(path, os.path.relpath(path, root), problems,
                          roles)
    for p in problems:
        print(p)
    print("checksrc: %d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
