#!/bin/sh
# Sharded ingest under GNU parallel (issue 15 "Ingest beyond one machine";
# docs/ingest.md "Sharded ingest"): 4 shards of a generated leak run 2 at a
# time (parallel -j2 ... --shard {}/4 ::: 0 1 2 3), then breachcheck publish;
# a one-process ingest of the same file with a copy of the same key (same
# seed, its own state directory) must give the same breach: its state file
# byte for byte (every token's payload and OPRF output, in the same order;
# no --notices, so no claim code drawn at random), the same catalogue, and
# the same answers of `check --json` for a sample of ground-truth people
# (NIR, email, phone, name + date of birth). The shard files are removed by
# publish; the CLI's errors (I >= N, stdin, a missing shard) exit 2 or 3.
# Skipped (77) only when GNU parallel is absent (scripts/deps.sh test installs it).
# usage: shard_parallel.sh BREACHCHECK GENLEAK
set -u
BC=$1
GENLEAK=$2
if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	echo "SKIP: GNU parallel is not installed (Debian package parallel)"
	exit 77
fi
T=$(mktemp -d /tmp/bc-shardpar.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

"$GENLEAK" --rows 4000 --seed 15 --dependants 0.3 --out "$T/leak.csv" --truth "$T/truth.jsonl" --quiet || exit 1
"$BC" keygen "$T/one.key" >/dev/null 2>&1 || exit 1
cp "$T/one.key" "$T/sharded.key" && chmod 600 "$T/sharded.key"

"$BC" ingest "$T/leak.csv" --index "$T/one" --key "$T/one.key" --breach demo --not-sensitive \
	--quiet 2>"$T/one.err" || { cat "$T/one.err"; exit 1; }

# the shards, two at a time, each its own process
parallel -j2 --halt now,fail=1 "$BC" ingest "$T/leak.csv" --key "$T/sharded.key" --breach demo \
	--shard {}/4 --threads 1 --quiet ::: 0 1 2 3 2>"$T/shards.err" || { cat "$T/shards.err"; exit 1; }
n=$(ls "$T/sharded.key.state/shards/demo/" | grep -c '^shard-[0-3]-of-4\.bin$')
[ "$n" = 4 ] || fail "expected 4 shard files, found $n"
[ ! -e "$T/sharded.key.state/breach-1.bin" ] || fail "a shard wrote a breach state file"
[ ! -e "$T/sharded.key.state/catalogue.json" ] || fail "a shard wrote the catalogue"
[ ! -e "$T/sharded" ] || fail "a shard published an index"

# publish: a missing shard first (exit 3, the file named, nothing published)
mv "$T/sharded.key.state/shards/demo/shard-3-of-4.bin" "$T/shard-3"
"$BC" publish "$T/leak.csv" --index "$T/sharded" --key "$T/sharded.key" --breach demo --shards 4 \
	--not-sensitive --quiet 2>"$T/missing.err"
rc=$?
[ "$rc" = 3 ] || fail "publish with a missing shard: exit $rc, expected 3"
grep -q 'shard-3-of-4.bin: shard 3 of 4 is missing' "$T/missing.err" || fail "missing shard not named: $(cat "$T/missing.err")"
[ ! -e "$T/sharded" ] || fail "published with a shard missing"
mv "$T/shard-3" "$T/sharded.key.state/shards/demo/shard-3-of-4.bin"

"$BC" publish "$T/leak.csv" --index "$T/sharded" --key "$T/sharded.key" --breach demo --shards 4 \
	--not-sensitive 2>"$T/publish.err" || { cat "$T/publish.err"; exit 1; }
grep -q '^shards: the OPRF outputs of the [0-9]* tokens came from 4 shard files' "$T/publish.err" ||
	fail "publish does not say where the outputs came from"
[ ! -e "$T/sharded.key.state/shards" ] || fail "publish left the shard files"

# the same breach, byte for byte in the state
cmp -s "$T/one.key.state/breach-1.bin" "$T/sharded.key.state/breach-1.bin" ||
	fail "the breach state files differ"
python3 - "$T/one/index.json" "$T/sharded/index.json" <<'EOF' || fail "the catalogues differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["breaches"] == b["breaches"], (a["breaches"], b["breaches"])
assert a["bucket_bits"] == b["bucket_bits"] and a["bucket_entries"] >= 1
EOF

# the same answers for a sample of the ground truth
python3 - "$T/truth.jsonl" >"$T/people" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    p = json.loads(line)
    args = []
    if p.get("nir13") and p["nir_key_states"]["valid"]:
        args += ["--nir", p["nir13"]]
    if p["emails"]:
        args += ["--email", p["emails"][0]]
    if p["phones"]:
        args += ["--phone", p["phones"][0]]
    if p["last_names"]["birth"] and p.get("dob"):
        y, m, d = p["dob"].split("-")
        args += ["--last-name", p["last_names"]["birth"], "--first-name", p["first_name"], "--dob", f"{d}/{m}/{y}"]
    if args and p["id"] % 7 == 0:
        print("\t".join(args))
        n += 1
    if n == 40:
        break
EOF
[ "$(wc -l <"$T/people")" = 40 ] || fail "sample of people too small"
found=0
while IFS= read -r line; do
	# shellcheck disable=SC2086
	set -f
	IFS='	'
	set -- $line
	unset IFS
	set +f
	"$BC" check --index "$T/one" --key "$T/one.key" "$@" --json >"$T/a.json" 2>/dev/null
	ra=$?
	"$BC" check --index "$T/sharded" --key "$T/sharded.key" "$@" --json >"$T/b.json" 2>/dev/null
	rb=$?
	[ "$ra" = "$rb" ] || fail "check exit $ra vs $rb"
	cmp -s "$T/a.json" "$T/b.json" || fail "check --json answers differ"
	[ "$ra" = 0 ] && found=$((found + 1))
done <"$T/people"
[ "$found" -ge 35 ] || fail "only $found of 40 sampled people found"

# usage errors of the CLI
"$BC" ingest "$T/leak.csv" --key "$T/sharded.key" --breach demo --shard 4/4 2>/dev/null
[ $? = 2 ] || fail "--shard 4/4 accepted"
"$BC" ingest - --key "$T/sharded.key" --breach demo --shard 0/4 <"$T/leak.csv" 2>/dev/null
[ $? = 2 ] || fail "--shard on standard input accepted"
"$BC" ingest "$T/leak.csv" --key "$T/sharded.key" --breach demo --shard 0/4 --index "$T/x" 2>"$T/opt.err"
[ $? = 2 ] && grep -q 'is an option of breachcheck publish' "$T/opt.err" || fail "--shard with --index accepted"
"$BC" ingest "$T/leak.csv" --key "$T/sharded.key" --breach demo --shard 0/4 --lang en 2>"$T/lang.err"
[ $? = 2 ] && grep -q -- '--lang is an option of breachcheck publish' "$T/lang.err" || fail "--shard with --lang accepted"
"$BC" publish "$T/leak.csv" --index "$T/x" --key "$T/sharded.key" --breach demo 2>"$T/req.err"
[ $? = 2 ] || fail "publish without --shards accepted"
grep -q -- '^breachcheck publish: FILE, --index, --key, --breach and --shards are required$' "$T/req.err" ||
	fail "publish without --shards: $(head -1 "$T/req.err")"

# no identifier in any error or summary printed above
for f in "$T"/*.err; do
	if grep -q -F -e "$(head -1 "$T/people" | cut -f2)" "$f"; then fail "$f holds an identifier"; fi
done

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS failure(s)"
	exit 1
fi
echo "ok: 4 shards under GNU parallel + publish = one-process ingest ($found of 40 sampled people found, same answers)"
