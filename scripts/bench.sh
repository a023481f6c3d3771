#!/bin/sh
# Run every benchmark under build dir $1 and print their figures.
# Only regular executable files named bench_*: meson also leaves private
# directories such as bench_index.p/ beside them (a directory is "executable"
# to test -x, and running it exits 126). Every benchmark runs even when one
# fails; the exit status says whether all of them finished.
set -u
build=${1:-build}
failed=
ran=0
for b in "$build"/bench/*/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "== $(basename "$b")"
	ran=$((ran + 1))
	if ! "$b"; then
		echo "== $(basename "$b") FAILED (exit $?)" >&2
		failed="$failed $(basename "$b")"
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "bench: no benchmark under $build/bench (build first: make)" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "bench: failed:$failed" >&2
	exit 1
fi
echo "bench: $ran benchmarks ran to the end"
