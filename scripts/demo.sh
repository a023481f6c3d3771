#!/bin/sh
# The main job on the built-in synthetic leak: generate, profile, and (as the
# later modules land) ingest, serve and print the page's URL.
set -eu
build=${1:-build}
work=${BC_DEMO_DIR:-demo}
mkdir -p "$work"
echo "demo: generating the synthetic leak (491,839 rows) into $work/leak.csv"
"$build/bc-genleak" --seed 1 --out "$work/leak.csv" --truth "$work/truth.jsonl"
echo "demo: profile of the leak (no identifier is printed)"
"$build/breachcheck" profile "$work/leak.csv" || true
echo "demo: ingest and serve are not implemented yet; stopping after the generator and profile."
