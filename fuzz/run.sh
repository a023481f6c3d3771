#!/bin/sh
# Build the libFuzzer targets with clang + ASan/UBSan and run each one for a
# bounded time with its seed corpus.
#   fuzz/run.sh [SECONDS]   (default 60 per target)
# Targets are fuzz/fuzz_<name>.c (one naming scheme); seeds are read from
# fuzz/corpus/<name>/ (never written); new inputs go to build-fuzz/corpus-<name>/.
# Exit status is non-zero if a target fails to build or finds a crash.
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
BUILD="${BC_FUZZ_BUILD:-build-fuzz}"

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		--buildtype=debugoptimized >/dev/null
fi

# Build only the fuzz targets: the rest of the tree is not needed here.
targets=""
for src in fuzz/fuzz_*.c; do
	[ -f "$src" ] && targets="$targets fuzz/$(basename "$src" .c)"
done
status=0
# shellcheck disable=SC2086
ninja -k 0 -C "$BUILD" $targets >"$BUILD/fuzz-build.log" 2>&1 || {
	echo "fuzz: build failed, see $BUILD/fuzz-build.log" >&2
	grep -E 'error|FAILED' "$BUILD/fuzz-build.log" | head -n 20 >&2
	status=1
}

for src in fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	bin="$BUILD/fuzz/$target"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $target: not built (is it in fuzz/meson.build?)" >&2
		status=1
		continue
	fi
	work="$BUILD/corpus-$name"
	mkdir -p "$work"
	seeds=""
	[ -d "fuzz/corpus/$name" ] && seeds="fuzz/corpus/$name"
	echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
	if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BUILD/crash-$name-" -print_final_stats=1 "$work" $seeds \
		>"$BUILD/fuzz-$name.log" 2>&1; then
		echo "fuzz: $target FAILED, see $BUILD/fuzz-$name.log" >&2
		tail -n 40 "$BUILD/fuzz-$name.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$BUILD/fuzz-$name.log" || true
	fi
done
exit $status
