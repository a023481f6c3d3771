#!/bin/sh
# Run the whole test suite in build dir $1 (default build/) and end with a
# plain "N passed, N failed, N skipped" line. Exit status: meson test's.
set -u
build=${1:-build}
shift 2>/dev/null || true
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
log="$build/meson-logs/testlog.json"
count() { grep -Ec "\"result\": \"($1)\"" "$log" 2>/dev/null || true; }
echo "$(count OK) passed, $(count 'FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS') failed, $(count SKIP) skipped"
exit $rc
