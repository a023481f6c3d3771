#!/bin/sh
# breachcheck serve vs nginx on the same buckets (single-bucket GET: req/s and
# latency), and POST /v1/evaluate elements/s at batch 1 and 4 vs the
# crypto-only rate of the same operations on every core. Loopback only,
# bounded (about 1.5 minutes). Needs wrk and nginx (Debian: wrk, nginx-light).
# The machine may be shared: rounds alternate the two sides and the best and
# median of the rounds are printed.
# usage: bench_server [BUILD_DIR]   (env: BC_BENCH_SECONDS per run, default 5;
#        BC_BENCH_ROUNDS, default 3;
#        BC_BENCH_ENTRIES index size, default 40000; BC_BENCH_CONNECTIONS, default 32)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$(cd "$here/../.." && pwd)}
secs=${BC_BENCH_SECONDS:-5}
rounds=${BC_BENCH_ROUNDS:-3}
entries=${BC_BENCH_ENTRIES:-40000}
conns=${BC_BENCH_CONNECTIONS:-32}
bc=$build/breachcheck
tool=$build/tests/server/bc-server-testtool
crypto=$build/bench/server/evaluate_crypto_rate
ncpu=$(nproc)

for p in wrk nginx; do
	command -v $p >/dev/null 2>&1 || { echo "bench_server: $p not found (apt-get install wrk nginx-light)"; exit 0; }
done
[ -x "$tool" ] || { echo "bench_server: $tool missing (configure with -Dtests=true)"; exit 0; }

tmp=$(mktemp -d /tmp/bc-bench-server.XXXXXX)
chmod 755 "$tmp" # nginx workers run as www-data
ngx_pid=
srv_pid=
cleanup() {
	[ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null && wait "$ngx_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$bc" keygen "$tmp/key" >/dev/null
id=$("$tool" mkindex "$tmp/index" "$tmp/key" "$entries" 1024)
bits=$(grep -o '"bucket_bits": *[0-9]*' "$tmp/index/index.json" | grep -o '[0-9]*$')
per=$(grep -o '"bucket_entries": *[0-9]*' "$tmp/index/index.json" | grep -o '[0-9]*$')
nb=$((1 << bits))
size=$((per * 48))

# the same buckets as static files, the layout of a bucket mirror
mkdir -p "$tmp/www/v1/buckets/$id" "$tmp/ngx"
i=0
while [ $i -lt $nb ]; do
	dd if="$tmp/index/buckets.bin" of="$tmp/www/v1/buckets/$id/$i" bs=$size skip=$i count=1 status=none
	i=$((i + 1))
done
nport=$((20000 + $$ % 20000))
cat > "$tmp/nginx.conf" <<CONF
worker_processes $ncpu;
daemon off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=10000 inactive=60s;
	open_file_cache_valid 60s;
	types { }
	default_type application/octet-stream;
	client_body_temp_path $tmp/ngx/body;
	proxy_temp_path $tmp/ngx/proxy;
	fastcgi_temp_path $tmp/ngx/fastcgi;
	uwsgi_temp_path $tmp/ngx/uwsgi;
	scgi_temp_path $tmp/ngx/scgi;
	server {
		listen 127.0.0.1:$nport;
		root $tmp/www;
		location /v1/buckets/ {
			add_header Cache-Control "public, max-age=31536000, immutable";
		}
	}
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp/ngx" &
ngx_pid=$!

"$bc" serve --index "$tmp/index" --key "$tmp/key" --listen 127.0.0.1:0 --metrics-listen none \
	--web none --rate-per-client 0 --rate-global 0 --max-batch 64 --log "$tmp/access.log" \
	2> "$tmp/serve.err" &
srv_pid=$!
n=0
until grep -q 'listening on' "$tmp/serve.err" 2>/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || { cat "$tmp/serve.err"; exit 1; }; sleep 0.05
done
url=$(sed -n 's/.*listening on \(http:[^ ]*\)\/ .*/\1/p' "$tmp/serve.err")
n=0
until curl -sf -o /dev/null "http://127.0.0.1:$nport/v1/buckets/$id/0"; do
	n=$((n + 1)); [ $n -lt 100 ] || { echo "nginx did not start"; cat "$tmp/ngx/error.log"; exit 1; }; sleep 0.05
done

hz=$(getconf CLK_TCK)
# CPU ticks (user + system) used so far by the given pids and their children
# threads (all threads of a process are in its /proc/PID/stat)
ticks() {
	t=0
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
		t=$((t + v))
	done
	echo $t
}
ngx_pids() { echo "$ngx_pid $(ps -o pid= --ppid "$ngx_pid" | tr '\n' ' ')"; }

wrk_run() { # label url pids connections [script]
	t0=$(ticks $3)
	if [ -n "${5:-}" ]; then
		wrk -t2 -c"$4" -d"${secs}s" --latency -s "$5" "$2" > "$tmp/wrk.out"
	else
		wrk -t2 -c"$4" -d"${secs}s" --latency "$2" > "$tmp/wrk.out"
	fi
	t1=$(ticks $3)
	if grep -q 'Non-2xx' "$tmp/wrk.out"; then
		echo "bench_server: $1 got errors:"; cat "$tmp/wrk.out"; exit 1
	fi
	rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")
	p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
	# requests per CPU-second of the server side
	rpc=$(awk -v r="$rps" -v s="$secs" -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.0f", d ? r * s / (d / hz) : 0 }')
}

best() { tr ' ' '\n' | grep . | sort -g | tail -1; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

echo "== bench_server: $ncpu CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg), index of $entries entries,"
echo "   $nb buckets of $size bytes; $rounds alternating rounds of ${secs}s; best (median) of the rounds."
echo "   per CPU-s = per second of CPU the server process(es) used (wrk excluded): the fair figure"
echo "   when the machine is shared."
echo "-- single-bucket GET, wrk -t2 -c$conns (same bucket each request)"
ngx_all= srv_all= ngx_c= srv_c= ngx_lat= srv_lat= ngx_b=0 srv_b=0
r=0
while [ $r -lt $rounds ]; do
	wrk_run nginx "http://127.0.0.1:$nport/v1/buckets/$id/1" "$(ngx_pids)" "$conns"
	ngx_all="$ngx_all $rps" ngx_c="$ngx_c $rpc"
	if awk -v a="$rps" -v b="$ngx_b" 'BEGIN { exit !(a > b) }'; then ngx_b=$rps; ngx_lat="p50 $p50 p99 $p99"; fi
	wrk_run serve "$url/v1/buckets/$id/1" "$srv_pid" "$conns"
	srv_all="$srv_all $rps" srv_c="$srv_c $rpc"
	if awk -v a="$rps" -v b="$srv_b" 'BEGIN { exit !(a > b) }'; then srv_b=$rps; srv_lat="p50 $p50 p99 $p99"; fi
	r=$((r + 1))
done
printf '  nginx (sendfile, open_file_cache)  %7.0f (%7.0f) req/s  %7.0f (%7.0f) req/CPU-s  %s\n' \
	"$ngx_b" "$(echo $ngx_all | median)" "$(echo $ngx_c | best)" "$(echo $ngx_c | median)" "$ngx_lat"
printf '  breachcheck serve (mmap)           %7.0f (%7.0f) req/s  %7.0f (%7.0f) req/CPU-s  %s\n' \
	"$srv_b" "$(echo $srv_all | median)" "$(echo $srv_c | best)" "$(echo $srv_c | median)" "$srv_lat"
echo "  ratio serve / nginx: req/s $(ratio "$srv_b" "$ngx_b") best, $(ratio "$(echo $srv_all | median)" "$(echo $ngx_all | median)") median;" \
	"req/CPU-s $(ratio "$(echo $srv_c | best)" "$(echo $ngx_c | best)") best, $(ratio "$(echo $srv_c | median)" "$(echo $ngx_c | median)") median (goal >= 0.8)"

echo "-- POST /v1/evaluate, wrk -t2 -c8, vs crypto-only oprf_blind_evaluate on $ncpu threads"
for batch in 1 4; do
	els=
	i=0
	while [ $i -lt $batch ]; do
		e=$("$tool" blind "bc1|email|bench$i@example.org" | cut -d' ' -f2)
		els="$els${els:+,}\"$e\""
		i=$((i + 1))
	done
	cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"blinded_elements":[$els]}'
wrk.headers["Content-Type"] = "application/json"
LUA
	http_all= http_c= crypto_all= crypto_c= lat= hb=0
	r=0
	while [ $r -lt $rounds ]; do
		wrk_run "evaluate batch $batch" "$url/v1/evaluate" "$srv_pid" 8 "$tmp/post.lua"
		eps=$(awk -v r="$rps" -v b="$batch" 'BEGIN { printf "%.0f", r * b }')
		http_all="$http_all $eps" http_c="$http_c $((rpc * batch))"
		if [ "$eps" -gt "$hb" ]; then hb=$eps; lat="p50 $p50 p99 $p99"; fi
		cr=$("$crypto" "$batch" "$secs" "$ncpu")
		crypto_all="$crypto_all $(echo "$cr" | sed -n 's/.* elements\/s=\([0-9]*\).*/\1/p')"
		crypto_c="$crypto_c $(echo "$cr" | sed -n 's/.*elements_per_cpu_s=\([0-9]*\).*/\1/p')"
		r=$((r + 1))
	done
	printf '  batch %d: serve       %6d (%6d) elements/s  %6d (%6d) per CPU-s  %s\n' "$batch" \
		"$hb" "$(echo $http_all | median)" "$(echo $http_c | best)" "$(echo $http_c | median)" "$lat"
	printf '           crypto-only %6d (%6d) elements/s  %6d (%6d) per CPU-s\n' \
		"$(echo $crypto_all | best)" "$(echo $crypto_all | median)" "$(echo $crypto_c | best)" "$(echo $crypto_c | median)"
	echo "           ratio: elements/s $(ratio "$hb" "$(echo $crypto_all | best)") best;" \
		"per CPU-s $(ratio "$(echo $http_c | best)" "$(echo $crypto_c | best)") best, $(ratio "$(echo $http_c | median)" "$(echo $crypto_c | median)") median (goal >= 0.9)"
done
