#!/bin/sh
# systemd's own check of the service unit: syntax, directives, binary.
# Skipped (77) where systemd-analyze is not installed.
command -v systemd-analyze >/dev/null 2>&1 || exit 77
out=$(systemd-analyze verify --man=no "$1" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] && [ -z "$out" ]
