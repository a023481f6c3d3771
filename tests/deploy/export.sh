#!/bin/sh
# breachcheck export and what goes with it (issue #15, #14 items 7 and 9):
# the layout clients read, versions side by side, nginx serving it with the
# example configuration (when nginx is installed), check through it, serve's
# warning without --buckets-url, pinned keys, the real min_real_entries.
# args: breachcheck bc-genleak SOURCE_DIR
set -u
BC="$1"; GENLEAK="$2"; SRC="$3"
. "$SRC/tests/deploy/lib.sh"

"$GENLEAK" --seed 21 --rows 300 --out "$T/a.csv" --truth "$T/a.truth" --quiet || exit 1
"$BC" keygen "$T/key" >/dev/null || exit 1

# 1. an index too small for the K asked: ingest says so, even --quiet (#14 item 9)
"$BC" ingest "$T/a.csv" --index "$T/idx" --key "$T/key" --breach labs --not-sensitive --quiet 2>"$T/ingest.err" || { cat "$T/ingest.err"; exit 1; }
MINREAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["min_real_entries"])' "$T/idx/index.json")
ID1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index_id"])' "$T/idx/index.json")
PK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$T/idx/index.json")
PKV=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verified_public_key"])' "$T/idx/index.json")
[ "$MINREAL" -lt 1024 ] || fail "the small index has min_real_entries $MINREAL"
grep -q "too small for --anonymity 1024: its smallest bucket holds $MINREAL real entries" "$T/ingest.err" &&
	ok "ingest warns: too small for K" || { fail "no warning for a small index"; cat "$T/ingest.err"; }
"$BC" ingest "$T/a.csv" --index "$T/idx16" --key "$T/key" --breach labs --not-sensitive --anonymity 16 --quiet 2>"$T/ingest16.err"
[ ! -s "$T/ingest16.err" ] || { fail "a warning with K=16"; cat "$T/ingest16.err"; }

# 2. export: the client layout, byte for byte; again: nothing written
"$BC" export --index "$T/idx" --out "$T/exp" 2>"$T/export.err" || { cat "$T/export.err"; exit 1; }
NB=$(python3 -c 'import json,sys; print(1 << json.load(open(sys.argv[1]))["bucket_bits"])' "$T/idx/index.json")
cmp -s "$T/exp/v1/index/$ID1/index.json" "$T/idx/index.json" || fail "index.json differs"
cmp -s "$T/exp/v1/index/$ID1/buckets.bin" "$T/idx/buckets.bin" || fail "buckets.bin differs"
cmp -s "$T/exp/v1/verified/$ID1" "$T/idx/verified.bin" || fail "verified.bin differs"
cat $(i=0; while [ $i -lt "$NB" ]; do echo "$T/exp/v1/buckets/$ID1/$i"; i=$((i + 1)); done) | cmp -s - "$T/idx/buckets.bin" ||
	fail "the bucket files are not buckets.bin cut in $NB"
[ "$(ls "$T/exp/v1/buckets/$ID1" | wc -l)" = "$NB" ] || fail "not $NB bucket files"
[ -z "$(find "$T/exp" -name '.*')" ] || fail "temporary files left"
[ -z "$(find "$T/exp" -type f ! -perm -0444)" ] || fail "a file is not world-readable"
"$BC" export --index "$T/idx" --out "$T/exp" 2>"$T/export2.err" || fail "export again"
grep -q "already in" "$T/export2.err" || fail "export again wrote something"
# a version already there but damaged since (a bucket gone, one cut short): an error naming the file
cp -r "$T/exp" "$T/exp-dmg"
rm "$T/exp-dmg/v1/buckets/$ID1/0"
"$BC" export --index "$T/idx" --out "$T/exp-dmg" 2>"$T/dmg.err" && fail "a damaged export was called already there"
grep -q "buckets/$ID1/0 is missing or differs" "$T/dmg.err" || { fail "the damaged bucket is not named"; cat "$T/dmg.err"; }
cp "$T/exp/v1/buckets/$ID1/0" "$T/exp-dmg/v1/buckets/$ID1/0"
: >"$T/exp-dmg/v1/verified/$ID1"
"$BC" export --index "$T/idx" --out "$T/exp-dmg" --quiet 2>"$T/dmg.err" && fail "an emptied verified.bin was called already there"
grep -q "verified/$ID1 is missing or differs" "$T/dmg.err" || { fail "the emptied verified.bin is not named"; cat "$T/dmg.err"; }
# the same with many buckets (K = 16)
"$BC" export --index "$T/idx16" --out "$T/exp16" --quiet || fail "export K=16"
I16=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index_id"])' "$T/idx16/index.json")
N16=$(python3 -c 'import json,sys; print(1 << json.load(open(sys.argv[1]))["bucket_bits"])' "$T/idx16/index.json")
[ "$N16" -ge 8 ] || fail "K=16 gives only $N16 buckets"
cat $(i=0; while [ $i -lt "$N16" ]; do echo "$T/exp16/v1/buckets/$I16/$i"; i=$((i + 1)); done) | cmp -s - "$T/idx16/buckets.bin" ||
	fail "the bucket files are not buckets.bin cut in $N16"
[ "$(ls "$T/exp16/v1/buckets/$I16" | wc -l)" = "$N16" ] || fail "not $N16 bucket files"
ok "export layout ($NB and $N16 buckets)"

# a new version beside the old one
"$BC" ingest "$T/a.csv" --index "$T/idx" --key "$T/key" --breach labs2 --not-sensitive --quiet 2>/dev/null || exit 1
ID2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index_id"])' "$T/idx/index.json")
MINREAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["min_real_entries"])' "$T/idx/index.json")
"$BC" export --index "$T/idx" --out "$T/exp" --quiet || fail "export of the new version"
[ "$ID1" != "$ID2" ] && [ -f "$T/exp/v1/index/$ID1/index.json" ] && [ -f "$T/exp/v1/index/$ID2/index.json" ] &&
	[ -d "$T/exp/v1/buckets/$ID1" ] && [ -d "$T/exp/v1/buckets/$ID2" ] && ok "new version beside the old" ||
	fail "versions side by side"
# a damaged index is not exported
cp -r "$(readlink -f "$T/idx")" "$T/bad"
printf '\001' | dd of="$T/bad/buckets.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
"$BC" export --index "$T/bad" --out "$T/exp-bad" --quiet 2>"$T/bad.err" && fail "a damaged index was exported"
[ ! -e "$T/exp-bad/v1/index" ] || fail "a damaged index left files"

# 3. serve without --buckets-url warns
serve_start A --index "$T/idx" --key "$T/key" --rate-per-client 0 --rate-global 0 || exit 1
grep -q "warning: no --buckets-url" "$T/A.err" && ok "serve warns without --buckets-url" || fail "no warning without --buckets-url"

# 4. pinned keys (#14 item 7)
NIR=$(grep -m1 '"valid":[1-9]' "$T/a.truth" | sed 's/.*"nir13":"\([0-9AB]*\)".*/\1/')
"$BC" check --server "$URL_A" --cache-dir "$T/c1" --nir "$NIR" --public-key "$PK" --verified-public-key "$PKV" >"$T/out" 2>&1 &&
	ok "pinned keys accepted" || { fail "pinned right key"; cat "$T/out"; }
OTHER=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQ
"$BC" check --server "$URL_A" --cache-dir "$T/c2" --nir "$NIR" --public-key "$OTHER" --lang en >"$T/out" 2>&1
[ $? = 3 ] && grep -q "not the one given with --public-key" "$T/out" && ok "other pkS refused" || { fail "other pkS"; cat "$T/out"; }
"$BC" check --server "$URL_A" --cache-dir "$T/c2" --nir "$NIR" --verified-public-key "$OTHER" --lang en >"$T/out" 2>&1
[ $? = 3 ] && grep -q "verified public key" "$T/out" || { fail "other pkV"; cat "$T/out"; }
[ ! -e "$T/c2" ] || [ -z "$(ls "$T/c2")" ] || fail "something was downloaded under a refused key"
"$BC" check --server "$URL_A" --nir "$NIR" --public-key "not-a-key" --lang en >"$T/out" 2>&1
[ $? = 2 ] || fail "a malformed --public-key is a usage error"
"$BC" check --index "$T/idx" --key "$T/key" --nir "$NIR" --public-key "$OTHER" >"$T/out" 2>&1
[ $? = 3 ] || fail "local mode with another pinned key"

# the page built with the keys pinned (build.mjs, as meson -Dpage_public_key does)
if command -v node >/dev/null 2>&1 && [ -d "$SRC/web/node_modules" ]; then
	node "$SRC/web/build.mjs" "$T/pinned" --public-key="$PK" --verified-public-key="$PKV" >"$T/build.out" 2>&1 &&
		grep -qF -- "$PK" "$T/pinned/app.js" && grep -qF -- "$PKV" "$T/pinned/app.js" && ok "page built with pinned keys" ||
		{ fail "page build with pinned keys"; cat "$T/build.out"; }
	node "$SRC/web/build.mjs" "$T/pinned2" --public-key="${PK%?}_" >"$T/build.out" 2>&1 &&
		fail "build.mjs took a key that is not 32 bytes"
fi

# 5. nginx with the example configuration serves the export; check reads through it
if ! command -v nginx >/dev/null 2>&1; then
	echo "nginx not installed: the nginx part is skipped (scripts/deps.sh test installs it)"
else
	PB=$(free_port)
	PP=$(free_port)
	mkdir -p "$T/web"
	subst "$SRC/docs/examples/nginx-breachcheck.conf" "EXPORT=$T/exp" "BUCKETS_LISTEN=127.0.0.1:$PB" \
		"PAGE_ORIGIN=http://127.0.0.1:$PP" "PAGE_LISTEN=127.0.0.1:$PP" "WEB=$T/web" \
		"BUCKETS_ORIGIN=http://127.0.0.1:$PB" >"$T/site.conf"
	nginx_start "$T/site.conf"
	wait_http "http://127.0.0.1:$PB/" || { fail "nginx did not start"; cat "$T/nginx/error.log" "$T/nginx/start.err"; }
	H=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PB/v1/buckets/$ID2/0")
	echo "$H" | grep -qi '^cache-control: public, max-age=31536000, immutable' || fail "no immutable cache header: $H"
	echo "$H" | grep -qi "^access-control-allow-origin: http://127.0.0.1:$PP" || fail "no CORS header: $H"
	curl -s -D - -o /dev/null "http://127.0.0.1:$PB/v1/index/$ID2/index.json" | grep -qi '^content-type: application/json' ||
		fail "index.json is not application/json"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PB/v1/index/$ID2/")" = 404 ] || fail "a directory is listed"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PB/v1/buckets/$ID2/0")" = 403 ] || fail "POST allowed"
	kill "$PID_A"
	serve_start B --index "$T/idx" --key "$T/key" --rate-per-client 0 --rate-global 0 \
		--buckets-url "http://127.0.0.1:$PB" || exit 1
	grep -q "warning: no --buckets-url" "$T/B.err" && fail "warning with --buckets-url"
	"$BC" check --server "$URL_B" --cache-dir "$T/c3" --nir "$NIR" --bucket-mode fetch --lang en >"$T/out" 2>&1 ||
		{ fail "fetch mode through nginx"; cat "$T/out"; }
	grep -q "Buckets read from the bucket host: 6, each holding at least $MINREAL real entries" "$T/out" &&
		ok "check states min_real_entries $MINREAL" || { fail "min_real_entries not stated"; cat "$T/out"; }
	"$BC" check --server "$URL_B" --cache-dir "$T/c3" --nir "$NIR" --json >"$T/out" 2>&1 ||
		{ fail "file mode through nginx"; cat "$T/out"; }
	grep -q '"route":"/v1/buckets\|"route":"/v1/index' "$T/B.log" && fail "the evaluator served buckets"
	ok "check through nginx, buckets not from the evaluator"
fi
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
