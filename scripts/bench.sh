#!/bin/sh
# Run every benchmark under build dir $1 and print their figures.
set -eu
build=${1:-build}
for b in "$build"/bench/*/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
