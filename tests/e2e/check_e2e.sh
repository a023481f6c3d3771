#!/bin/sh
# End-to-end test of breachcheck check, local and remote (issues 5 and 6).
# args: breachcheck bc-genleak e2e_check e2e_fake
set -u
BC="$1"; GENLEAK="$2"; DRIVER="$3"; FAKE="$4"
T=$(mktemp -d /tmp/bc-e2e-check.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# wait_line FILE PATTERN: up to 10 s for a line matching PATTERN
wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# wait_count FILE PATTERN N: up to 10 s for at least N lines matching PATTERN
# (the server writes an access log line in its completion callback, which can
# run after the client already has the whole response); prints the count
wait_count() {
	i=0
	while [ $i -lt 100 ]; do
		c=$(grep -c "$2" "$1" 2>/dev/null)
		[ "${c:-0}" -ge "$3" ] && break
		sleep 0.1; i=$((i + 1))
	done
	grep -c "$2" "$1" 2>/dev/null
}

# expect STATUS TEXT DESCRIPTION -- check ARGS: exit status and a text in stdout+stderr
expect() {
	want=$1; text=$2; what=$3; shift 4
	"$BC" check "$@" >"$T/out" 2>&1; got=$?
	[ "$got" = "$want" ] || { fail "$what: exit $got, expected $want"; cat "$T/out"; return; }
	[ -z "$text" ] || grep -qF -- "$text" "$T/out" || { fail "$what: '$text' not in the output"; cat "$T/out"; }
}

"$GENLEAK" --seed 11 --rows 3000 --out "$T/leak.csv" --truth "$T/truth.jsonl" --quiet || exit 1
"$BC" keygen "$T/key" >/dev/null || exit 1
"$BC" ingest "$T/leak.csv" --index "$T/idx" --key "$T/key" --breach labs-2021 --not-sensitive \
	--title "Fuite de laboratoires" --date 2021-02-23 --controller "Biolab Exemple" \
	--dpo-contact dpo@example.org --complaint-url https://www.cnil.fr/fr/plaintes \
	--anonymity 16 --quiet || exit 1

echo "== local mode"
"$DRIVER" --truth "$T/truth.jsonl" --index "$T/idx" --key "$T/key" || fail "local e2e"

echo "== remote mode, real breachcheck serve"
"$BC" serve --index "$T/idx" --key "$T/key" --listen 127.0.0.1:0 --metrics-listen none \
	--web none --rate-per-client 0 --rate-global 0 --log "$T/serve.log" 2>"$T/serve.err" &
PIDS="$PIDS $!"
wait_line "$T/serve.err" "listening on" || { cat "$T/serve.err"; exit 1; }
URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/serve.err" | head -1)
URL=${URL%/}
"$DRIVER" --truth "$T/truth.jsonl" --server "$URL" --cache-dir "$T/cache" --stride 2 ||
	fail "remote e2e, file mode"
"$DRIVER" --truth "$T/truth.jsonl" --server "$URL" --cache-dir "$T/cache-fetch" \
	--bucket-mode fetch --stride 3 || fail "remote e2e, fetch mode"
ls "$T/cache" | grep -qE '^[0-9a-f]{32}$' || fail "no index cached under its index id"

# one patient through the binary, both modes and a mirror copy
NIR=$(grep -m1 '"valid":[1-9]' "$T/truth.jsonl" | sed 's/.*"nir13":"\([0-9AB]*\)".*/\1/')
expect 0 '"found": true' "remote check, file mode" -- --server "$URL" --cache-dir "$T/cache" --nir "$NIR" --json
expect 0 '"found": true' "remote check, fetch mode" -- --server "$URL" --cache-dir "$T/cache" --nir "$NIR" --bucket-mode fetch --json
[ "$(stat -c %a:%s "$T/cache/pad.key" 2>/dev/null)" = 600:32 ] || fail "fetch mode: no session padding key (pad.key, 0600, 32 bytes) in the cache"
expect 0 'Vous êtes dans cette fuite.' "remote check, mirror copy" -- --server "$URL" --index "$T/idx" --nir "$NIR" --lang fr
expect 3 "is --server the base URL of a breachcheck server" "a URL that is not the server's base" -- --server "$URL/v1" --cache-dir "$T/cache" --nir "$NIR"
expect 1 'We did not find these identifiers in the breach.' "remote check, not found" -- --server "$URL" --cache-dir "$T/cache" --email nobody@example.org --lang en

# the access log holds no identifier of anyone checked
grep -o '"nir13":"[0-9AB]*"' "$T/truth.jsonl" | sed 's/.*:"\(.*\)"/\1/' >"$T/nirs"
grep -o '"emails":\["[^"]*"' "$T/truth.jsonl" | sed 's/.*\["//; s/"$//' >"$T/emails"
if grep -qF -f "$T/nirs" "$T/serve.log" || grep -qF -f "$T/emails" "$T/serve.log"; then
	fail "an identifier is in the server log"
fi
wait_line "$T/serve.log" '"route"' || fail "the server log is empty"
# file mode downloads buckets.bin once per index id and cache (two caches here)
n=$(wait_count "$T/serve.log" '"route":"/v1/index/{index_id}/buckets.bin"' 1)
[ "$n" = 1 ] || fail "buckets.bin downloaded $n times into one cache, expected once"
# a damaged cached copy is replaced by a fresh download
for f in "$T"/cache/*/buckets.bin; do : >"$f"; done
expect 0 '"found": true' "remote check, damaged cache" -- --server "$URL" --cache-dir "$T/cache" --nir "$NIR" --json
n=$(wait_count "$T/serve.log" '"route":"/v1/index/{index_id}/buckets.bin"' 2)
[ "$n" = 2 ] || fail "a damaged cache was not downloaded again ($n downloads)"

# a cached copy damaged in place (index.json intact: every bucket changed) is
# removed by the check that finds it, then downloaded afresh by the next
for d in "$T"/cache/*/; do
	be=$(sed -n 's/.*"bucket_entries": *\([0-9]*\).*/\1/p' "$d/index.json")
	bb=$(sed -n 's/.*"bucket_bits": *\([0-9]*\).*/\1/p' "$d/index.json")
	i=0
	while [ "$i" -lt $((1 << bb)) ]; do
		printf '\377\000\377\000' | dd of="$d/buckets.bin" bs=1 seek=$((i * be * 48 + 20)) conv=notrunc 2>/dev/null
		i=$((i + 1))
	done
done
expect 3 "has been removed, run the check again" "damaged cache" -- --server "$URL" --cache-dir "$T/cache" --nir "$NIR"
[ -z "$(ls "$T/cache" | grep -vx pad.key)" ] || fail "damaged cache: not removed"   # pad.key: the fetch mode's session key
expect 0 '"found": true' "remote check after a damaged cache" -- --server "$URL" --cache-dir "$T/cache" --nir "$NIR" --json
# checks run at the same time into a cold cache all succeed (each keeps the
# copy it verified), and a newer download prunes another index id's copy
mkdir -p "$T/par/0123456789abcdef0123456789abcdef" "$T/par/.0123456789abcdef0123456789abcdef.999999999"
: >"$T/par/0123456789abcdef0123456789abcdef/index.json"
: >"$T/par/.0123456789abcdef0123456789abcdef.999999999/buckets.bin"   # a killed download
ppids=""
for i in 1 2 3 4 5 6; do
	"$BC" check --server "$URL" --cache-dir "$T/par" --nir "$NIR" >"$T/par.$i" 2>&1 &
	ppids="$ppids $!"
done
for p in $ppids; do wait "$p" || { fail "concurrent checks into one cache: exit $?"; cat "$T"/par.*; }; done
[ "$(ls -A "$T/par" | wc -l)" = 1 ] || { fail "cache not pruned to one index id"; ls -A "$T/par"; }
ls -A "$T/par" | grep -q 0123456789abcdef0123456789abcdef && fail "another index id's copy or a killed download kept"
# no HOME, no XDG_CACHE_HOME: a mirror copy and fetch mode need no cache, file mode uses the passwd home
env -u HOME -u XDG_CACHE_HOME "$BC" check --server "$URL" --index "$T/idx" --nir "$NIR" >"$T/out" 2>&1 ||
	{ fail "mirror copy without HOME"; cat "$T/out"; }
env -u HOME -u XDG_CACHE_HOME TMPDIR="$T" "$BC" check --server "$URL" --bucket-mode fetch --nir "$NIR" >"$T/out" 2>&1 ||
	{ fail "fetch mode without HOME"; cat "$T/out"; }
[ -z "$(ls "$T" | grep bc-fetch)" ] || fail "fetch mode left its temporary directory"
# a full cache disk says so (a file where the cache should be: not a directory)
: >"$T/notadir"
expect 3 "Not a directory" "cache path is a file" -- --server "$URL" --cache-dir "$T/notadir" --nir "$NIR"

echo "== rate limit of a real server"
"$BC" serve --index "$T/idx" --key "$T/key" --listen 127.0.0.1:0 --metrics-listen none \
	--web none --rate-per-client 2 --max-batch 2 --log none 2>"$T/serve2.err" &
PIDS="$PIDS $!"
wait_line "$T/serve2.err" "listening on" || { cat "$T/serve2.err"; exit 1; }
URL2=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/serve2.err" | head -1)
expect 3 "rate limiting checks (HTTP 429): retry in" "429 from serve" -- --server "${URL2%/}" \
	--max-wait 0 --cache-dir "$T/cache" --nir "$NIR" --email a@example.org --phone 0639981234

echo "== a misbehaving server"
fake() { # fake MODE: start e2e_fake, set FURL
	"$FAKE" --index "$T/idx" --key "$T/key" --mode "$1" >"$T/fake.$1" 2>&1 &
	PIDS="$PIDS $!"
	wait_line "$T/fake.$1" "^port " || { cat "$T/fake.$1"; exit 1; }
	FURL="http://127.0.0.1:$(sed -n 's/^port //p' "$T/fake.$1")"
}
fake honest
expect 0 "" "honest fake server" -- --server "$FURL" --cache-dir "$T/fc1" --nir "$NIR"
fake tamper-bucket
expect 3 "does not match its hash" "tampered buckets.bin" -- --server "$FURL" --cache-dir "$T/fc2" --nir "$NIR"
[ -z "$(ls -A "$T/fc2" 2>/dev/null | grep -v '^\.')" ] || fail "a tampered index was kept in the cache"
expect 3 "does not match its hash" "tampered single bucket" -- --server "$FURL" --cache-dir "$T/fc2" --nir "$NIR" --bucket-mode fetch
fake bad-proof
expect 3 "proof does not verify" "wrong proof" -- --server "$FURL" --cache-dir "$T/fc3" --nir "$NIR"
expect 3 "sa réponse n'est pas fiable" "wrong proof in French" -- --server "$FURL" --cache-dir "$T/fc3" --nir "$NIR" --lang fr
fake rate-limit
expect 3 "retry in 7 seconds" "429 past --max-wait" -- --server "$FURL" --cache-dir "$T/fc4" --nir "$NIR" --max-wait 6
expect 3 "réessayez dans 7 secondes" "429 in French" -- --server "$FURL" --cache-dir "$T/fc4" --nir "$NIR" --lang fr --json --max-wait 0
grep -q '"code": "rate_limited"' "$T/out" || fail "429 in French: JSON code"
# issue 16: a Retry-After under --max-wait (default 60 s) is waited out and the check sent again
fake rate-limit-once
t0=$(date +%s)
expect 0 "" "429 with Retry-After: 2, then found" -- --server "$FURL" --cache-dir "$T/fc4" --nir "$NIR"
[ $(( $(date +%s) - t0 )) -ge 2 ] || fail "429 with Retry-After: 2: answered before the wait"
fake foreign-key
expect 3 "public key differs" "foreign public key" -- --server "$FURL" --cache-dir "$T/fc6" --nir "$NIR"
fake foreign-index
expect 3 "index_id differs" "foreign index" -- --server "$FURL" --cache-dir "$T/fc5" --nir "$NIR"
expect 3 "index_id differs" "foreign index, mirror copy" -- --server "$FURL" --index "$T/idx" --nir "$NIR"
fake catalogue
expect 3 "catalogue of breaches differs" "mirror with an altered catalogue" -- --server "$FURL" --cache-dir "$T/fc7" --nir "$NIR"
expect 3 "catalogue of breaches differs" "altered catalogue, fetch mode" -- --server "$FURL" --cache-dir "$T/fc7" --nir "$NIR" --bucket-mode fetch
grep -q "evil" "$T/out" && fail "the altered complaint URL was shown"
fake geometry
expect 3 "bucket geometry differs" "index.json inflating buckets.bin" -- --server "$FURL" --cache-dir "$T/fc12" --nir "$NIR"
expect 3 "bucket geometry differs" "inflated geometry, fetch mode" -- --server "$FURL" --cache-dir "$T/fc12" --nir "$NIR" --bucket-mode fetch
fake stale
expect 3 "published a new index while checking: run the check again" "index replaced between config and download" -- --server "$FURL" --cache-dir "$T/fc8" --nir "$NIR" --json
grep -q '"code": "stale_index"' "$T/out" || fail "stale index: JSON code"
expect 3 "published a new index" "index replaced, fetch mode" -- --server "$FURL" --cache-dir "$T/fc8" --nir "$NIR" --bucket-mode fetch
fake html
expect 3 "not JSON" "a proxy's HTML page" -- --server "$FURL" --cache-dir "$T/fc9" --nir "$NIR"
fake escape
"$BC" check --server "$FURL" --cache-dir "$T/fc9" --nir "$NIR" --json >"$T/out" 2>"$T/err"
[ $? = 3 ] || fail "HTTP 500: exit status"
grep -q "HTTP 500" "$T/err" || fail "HTTP 500: message"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err" "$T/out"; then fail "a server's escape sequence reached the terminal"; fi
grep -q '"code": "http"' "$T/out" || fail "HTTP 500: JSON code"
fake slow
expect 0 "" "a slow but steady whole-index download outlasts --timeout" -- --server "$FURL" --cache-dir "$T/fc10" --nir "$NIR" --timeout 2
fake stall
start=$(date +%s)
expect 3 "timed out" "a server that does not answer" -- --server "$FURL" --cache-dir "$T/fc11" --nir "$NIR" --timeout 1
[ $(($(date +%s) - start)) -le 4 ] || fail "--timeout 1 took more than 4 s"

echo "== sensitive breach: public tier"
"$BC" ingest "$T/leak.csv" --index "$T/sidx" --key "$T/key2" --breach labs --sensitive --public-tier classes --controller "Biolab Exemple" --dpo-contact dpo@example.org --complaint-url https://www.cnil.fr/fr/plaintes --anonymity 16 --quiet 2>/dev/null ||
	{ "$BC" keygen "$T/key2" >/dev/null && "$BC" ingest "$T/leak.csv" --index "$T/sidx" --key "$T/key2" --breach labs --sensitive --public-tier classes --controller "Biolab Exemple" --dpo-contact dpo@example.org --complaint-url https://www.cnil.fr/fr/plaintes --anonymity 16 --quiet; } ||
	fail "sensitive ingest"
expect 0 '"rows": null' "sensitive: rows hidden" -- --index "$T/sidx" --key "$T/key2" --nir "$NIR" --json
expect 0 "only shown with the code of your letter or after your email address is verified" "sensitive: tier sentence" -- --index "$T/sidx" --key "$T/key2" --nir "$NIR" --lang en
expect 3 "does not belong to this index" "a key that is not the index's" -- --index "$T/sidx" --key "$T/key" --nir "$NIR"
[ "$fails" = 0 ] && echo "e2e check: all passed"
exit "$fails"
