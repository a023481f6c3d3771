#!/bin/sh
# The deployment of docs/deploy.md on loopback, with real components (#15):
# nginx serving the exported buckets and the page, HAProxy in front of two
# `serve --evaluator-only`, Redis sharing their rate limits. Checks:
#   - check --server (fetch and file mode) and the page (chromium) find the
#     ground-truth people through HAProxy, the buckets coming from nginx;
#   - the per-client limit holds across the two evaluators;
#   - a Redis restart: 503 while it is down (fail closed), counted in the
#     metrics, then checks work again;
#   - killing one evaluator mid-run loses no check that is retried;
#   - a new index version beside the old one: checks go on;
#   - the evaluators' logs hold no bucket number and no client address.
# Exit 77 (skipped) when nginx, haproxy or redis-server is not installed
# (scripts/deps.sh test installs them).
# args: breachcheck bc-genleak e2e_check blinded SOURCE_DIR
set -u
BC="$1"; GENLEAK="$2"; DRIVER="$3"; BLINDED="$4"; SRC="$5"
for p in nginx haproxy redis-server curl python3; do
	command -v "$p" >/dev/null 2>&1 || { echo "SKIP: $p not installed (scripts/deps.sh test)"; exit 77; }
done
. "$SRC/tests/deploy/lib.sh"
ART="${BC_BUILD:-$T}/tests/deploy/artifacts"
mkdir -p "$ART"

# --- the index, exported
"$GENLEAK" --seed 31 --rows 1200 --out "$T/leak.csv" --truth "$T/truth.jsonl" --quiet || exit 1
"$BC" keygen "$T/key" >/dev/null || exit 1
"$BC" ingest "$T/leak.csv" --index "$T/idx" --key "$T/key" --breach labs-2021 \
	--title "Fuite de laboratoires" --date 2021-02-23 --anonymity 32 --not-sensitive --quiet || exit 1
"$BC" export --index "$T/idx" --out "$T/exp" --quiet || exit 1
mkdir -p "$T/web"
cp "${BC_BUILD:-$SRC/build}/web/index.html" "${BC_BUILD:-$SRC/build}/web/app.js" \
	"${BC_BUILD:-$SRC/build}/web/style.css" "$T/web/" 2>/dev/null || echo "(the page is not built: page part skipped)"

PR=$(free_port); PB=$(free_port); PP=$(free_port); PF=$(free_port)
FRONT="http://127.0.0.1:$PF"
BUCKETS="http://127.0.0.1:$PB"

# --- Redis
start_redis() {
	redis-server --port "$PR" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$T" >>"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS="$PIDS $REDIS_PID"
	i=0
	until [ "$(redis-cli -p "$PR" ping 2>/dev/null)" = PONG ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
}
command -v redis-cli >/dev/null 2>&1 || { echo "SKIP: redis-cli not installed"; exit 77; }
start_redis

# --- two evaluators (3,000 elements a minute per client: a burst of 60
# requests of 64 elements passes 46 of them, two separate limits would pass all)
for n in 1 2; do
	serve_start "E$n" --index "$T/idx" --key "$T/key" --evaluator-only --buckets-url "$BUCKETS" \
		--redis "redis://127.0.0.1:$PR" --trusted-proxy 127.0.0.1/32 --max-batch 64 \
		--rate-per-client 3000 --rate-global 100000 --metrics-listen 127.0.0.1:0 || exit 1
done
M1=$(sed -n 's/.*(metrics \(http:[^ ,]*\),.*/\1/p' "$T/E1.err")
M2=$(sed -n 's/.*(metrics \(http:[^ ,]*\),.*/\1/p' "$T/E2.err")
grep -q "warning: no --buckets-url" "$T/E1.err" && fail "an evaluator with --buckets-url warns"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL_E1/v1/buckets/0123456789abcdef0123456789abcdef/0")" = 404 ] ||
	fail "--evaluator-only serves a bucket route"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL_E1/")" = 404 ] || fail "--evaluator-only serves the page"

# --- nginx (docs/examples/nginx-breachcheck.conf)
subst "$SRC/docs/examples/nginx-breachcheck.conf" "EXPORT=$T/exp" "BUCKETS_LISTEN=127.0.0.1:$PB" \
	"PAGE_ORIGIN=$FRONT" "PAGE_LISTEN=127.0.0.1:$PP" "WEB=$T/web" "BUCKETS_ORIGIN=$BUCKETS" >"$T/site.conf"
nginx_start "$T/site.conf"
wait_http "$BUCKETS/" || { fail "nginx did not start"; cat "$T/nginx/error.log"; exit 1; }

# --- HAProxy (docs/examples/haproxy.cfg)
EVS=$(printf '    server e1 %s check\n    server e2 %s check' "${URL_E1#http://}" "${URL_E2#http://}")
subst "$SRC/docs/examples/haproxy.cfg" "FRONT_LISTEN=127.0.0.1:$PF" "PAGE_SERVER=127.0.0.1:$PP" \
	"EVALUATORS=__EVS__" | awk -v evs="$EVS" '{ if ($0 == "__EVS__") print evs; else print }' >"$T/haproxy.cfg"
haproxy -c -f "$T/haproxy.cfg" >"$T/haproxy.check" 2>&1 || { fail "haproxy.cfg does not check"; cat "$T/haproxy.check"; }
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "$FRONT/healthz" || { fail "haproxy did not start"; cat "$T/haproxy.log"; exit 1; }
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$FRONT/v1/config")" = 200 ] || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done

# 1. check --server through HAProxy, buckets from nginx, both modes
"$DRIVER" --truth "$T/truth.jsonl" --server "$FRONT" --bucket-mode fetch --stride 80 \
	--cache-dir "$T/cache-fetch" >"$T/driver-fetch.out" 2>&1 && ok "check --bucket-mode fetch through HAProxy" ||
	{ fail "fetch mode through HAProxy"; tail -20 "$T/driver-fetch.out"; }
"$DRIVER" --truth "$T/truth.jsonl" --server "$FRONT" --stride 120 \
	--cache-dir "$T/cache-file" >"$T/driver-file.out" 2>&1 && ok "check (file mode) through HAProxy" ||
	{ fail "file mode through HAProxy"; tail -20 "$T/driver-file.out"; }
grep -h '"route"' "$T/E1.log" "$T/E2.log" | grep -q '/v1/evaluate' || fail "no evaluation reached the evaluators"
for e in E1 E2; do
	grep -q '/v1/evaluate' "$T/$e.log" || fail "$e evaluated nothing (no round robin?)"
done

# 2. the page, from nginx through HAProxy
NIR=$(grep -m1 '"valid":[1-9]' "$T/truth.jsonl" | sed 's/.*"nir13":"\([0-9AB]*\)".*/\1/')
if [ -f "$T/web/app.js" ] && command -v node >/dev/null 2>&1; then
	node "$SRC/tests/deploy/page.mjs" "$FRONT" "$BUCKETS" "$NIR" "$ART"
	case $? in
	0) ok "the page finds a patient through HAProxy, buckets from nginx" ;;
	77) echo "page part skipped" ;;
	*) fail "the page" ;;
	esac
fi

# 3. the per-client limit holds across the two evaluators (client 127.0.0.2,
# named by HAProxy in X-Forwarded-For, believed from 127.0.0.1 only)
"$BLINDED" 64 >"$T/body64.json"
start=$(date +%s)
n=0; : >"$T/burst.codes"
while [ $n -lt 60 ]; do
	curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data @"$T/body64.json" "$FRONT/v1/evaluate" >>"$T/burst.codes"
	n=$((n + 1))
done
secs=$(( $(date +%s) - start + 1 ))
allowed=$(grep -c '^200$' "$T/burst.codes"); refused=$(grep -c '^429$' "$T/burst.codes")
# 3000 a minute = 46 requests of 64 at once, plus the refill (50 elements/s)
max=$(( 46 + (secs * 50 + 63) / 64 ))
if [ "$allowed" -ge 40 ] && [ "$allowed" -le "$max" ] && [ $((allowed + refused)) = 60 ]; then
	ok "per-client limit across two evaluators: $allowed of 60 allowed (at most $max; one limit each would allow 60)"
else
	fail "burst: $allowed allowed, $refused refused (want 40..$max allowed, the rest 429)"; sort "$T/burst.codes" | uniq -c
fi
# another client is not affected
[ "$(curl -s --interface 127.0.0.3 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data @"$T/body64.json" "$FRONT/v1/evaluate")" = 200 ] || fail "another client was refused"

# 4. Redis restart: fail closed (503) while down, counted, then back
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
code=$(curl -s --interface 127.0.0.4 -o "$T/503.json" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data @"$T/body64.json" "$FRONT/v1/evaluate")
[ "$code" = 503 ] && grep -q '"code":"unavailable"' "$T/503.json" && ok "Redis down: 503 unavailable (fail closed)" ||
	{ fail "Redis down: got $code"; cat "$T/503.json"; }
un=$(( $(curl -s "$M1" | sed -n 's/^breachcheck_redis_unavailable_total //p') + $(curl -s "$M2" | sed -n 's/^breachcheck_redis_unavailable_total //p') ))
[ "$un" -ge 1 ] && ok "metrics count the refusals ($un)" || fail "breachcheck_redis_unavailable_total is $un"
start_redis
sleep 0.6   # the evaluators try to reconnect at most every 500 ms
"$BC" check --server "$FRONT" --nir "$NIR" --bucket-mode fetch --cache-dir "$T/c-r" >"$T/out" 2>&1 &&
	ok "checks work again after the Redis restart" || { fail "after the Redis restart"; cat "$T/out"; }
cn=$(curl -s "$M1" "$M2" | sed -n 's/^breachcheck_redis_connects_total //p' | awk '{ s += $1 } END { print s }')
[ "$cn" -ge 3 ] && ok "metrics show the reconnection ($cn connections)" || fail "breachcheck_redis_connects_total sum $cn"

# 5. kill one evaluator mid-run: no check lost when retried once
: >"$T/kill.out"; lost=0; i=0
while [ $i -lt 24 ]; do
	[ $i = 8 ] && kill "$PID_E1"
	if ! "$BC" check --server "$FRONT" --nir "$NIR" --bucket-mode fetch --cache-dir "$T/c-k" >>"$T/kill.out" 2>&1; then
		sleep 1
		"$BC" check --server "$FRONT" --nir "$NIR" --bucket-mode fetch --cache-dir "$T/c-k" >>"$T/kill.out" 2>&1 ||
			lost=$((lost + 1))
	fi
	i=$((i + 1))
done
[ "$lost" = 0 ] && ok "one evaluator killed mid-run: 24 checks, none lost" || { fail "$lost checks lost"; tail "$T/kill.out"; }

# 6. a new index version: exported beside the old, then the evaluator
# reloaded; the old version's files stay served, checks go on
ID_OLD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index_id"])' "$T/idx/index.json")
"$GENLEAK" --seed 32 --rows 300 --out "$T/leak2.csv" --quiet || exit 1
"$BC" ingest "$T/leak2.csv" --index "$T/idx" --key "$T/key" --breach labs-2022 --anonymity 32 \
	--not-sensitive --quiet || exit 1
ID_NEW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index_id"])' "$T/idx/index.json")
"$BC" export --index "$T/idx" --out "$T/exp" --quiet || fail "export of the new version"
kill -HUP "$PID_E2"
wait_line "$T/E2.log" '"event":"reload"' || fail "E2 did not reload"
curl -s "$FRONT/v1/config" | grep -q "\"index_id\":\"$ID_NEW\"" || fail "the front does not serve the new index"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BUCKETS/v1/index/$ID_OLD/index.json")" = 200 ] ||
	fail "the old version's files are gone"
"$BC" check --server "$FRONT" --nir "$NIR" --bucket-mode fetch --cache-dir "$T/c-v" >"$T/out" 2>&1 &&
	"$BC" check --server "$FRONT" --nir "$NIR" --cache-dir "$T/c-v" >>"$T/out" 2>&1 &&
	ok "new version $ID_NEW beside $ID_OLD: checks go on, old files still served" ||
	{ fail "checks on the new version"; cat "$T/out"; }

# 7. the evaluators' logs: no bucket number, no client address (a route
# template such as /v1/buckets/{index_id}/{bucket} names no bucket)
bad=0
for e in E1 E2; do
	if grep -E '/v1/buckets/[0-9a-f]|"bucket":|127\.0\.0\.[234]' "$T/$e.log" >"$T/bad.log"; then
		fail "$e's log shows a bucket number or a client address"; head -3 "$T/bad.log"; bad=1
	fi
done
[ $bad = 0 ] && ok "no bucket number and no client address in the evaluators' logs"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
