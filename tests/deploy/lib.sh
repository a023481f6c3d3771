# Helpers of the deployment tests (sourced). Everything listens on 127.0.0.1,
# on ports picked free here; every process started is stopped by cleanup.
T=$(mktemp -d /tmp/bc-deploy.XXXXXX)
chmod 755 "$T"            # nginx's workers (another user when run as root) read the export
PIDS=""
fails=0
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${BC_KEEP:-}" ] && { echo "kept $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# free_port: a TCP port free on 127.0.0.1 right now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_line FILE PATTERN [TENTHS]: up to 10 s (or TENTHS/10 s) for a line matching PATTERN
wait_line() {
	i=0
	while [ $i -lt "${3:-100}" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# wait_http URL: up to 10 s for an HTTP answer (any status)
wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		curl -s -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# serve_start NAME ARGS...: breachcheck serve on a free port; sets URL_<NAME>, PID_<NAME>
serve_start() {
	name=$1; shift
	"$BC" serve --listen 127.0.0.1:0 --metrics-listen none --web none "$@" \
		--log "$T/$name.log" 2>"$T/$name.err" &
	pid=$!
	PIDS="$PIDS $pid"
	wait_line "$T/$name.err" "listening on" || { cat "$T/$name.err"; return 1; }
	u=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/$name.err" | head -1)
	eval "URL_$name=\${u%/}; PID_$name=$pid"
}

# nginx_start SITE_CONF: nginx (not daemonised) with SITE_CONF in its http block
nginx_start() {
	mkdir -p "$T/nginx"
	cat >"$T/nginx/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user nobody nogroup;" )
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    include $1;
}
NGX
	nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -e "$T/nginx/error.log" 2>>"$T/nginx/start.err" &
	PIDS="$PIDS $!"
}

# subst FILE VAR=VALUE...: the example configuration with @VAR@ replaced
subst() {
	f=$1; shift
	cp "$f" "$T/subst.tmp"
	for kv in "$@"; do
		k=${kv%%=*}; v=${kv#*=}
		sed "s|@$k@|$v|g" "$T/subst.tmp" >"$T/subst.tmp2" && mv "$T/subst.tmp2" "$T/subst.tmp"
	done
	cat "$T/subst.tmp"
}
