#!/bin/sh
# Issue 10: only ingest links the leak reader. The client and the server
# (and so check and serve in a build that splits them) link the index
# format without src/leak. Read from build.ninja: the link line of a test
# binary that depends on bc_client alone, and one on bc_server alone.
# The breachcheck binary is the control: it must link libbc_leak.a, or this
# test reads the wrong lines.
# usage: module_links.sh BUILD_DIR
set -eu
ninja_file="$1/build.ninja"
[ -f "$ninja_file" ] || { echo "no $ninja_file"; exit 1; }
link_line() {
	grep -E "^build $1: c_LINKER " "$ninja_file" | head -n 1
}
fail=0
control=$(link_line breachcheck)
case "$control" in
*libbc_leak.a*) ;;
*) echo "control: the breachcheck link line does not name libbc_leak.a"; fail=1 ;;
esac
for t in tests/client/test_client tests/server/test_server_units; do
	line=$(link_line "$t")
	if [ -z "$line" ]; then
		echo "$t: no link line in build.ninja"; fail=1
	elif printf '%s' "$line" | grep -q 'libbc_leak\.a'; then
		echo "$t links the leak reader (libbc_leak.a): a module it uses depends on bc_leak"; fail=1
	else
		echo "$t: no leak reader"
	fi
done
exit $fail
