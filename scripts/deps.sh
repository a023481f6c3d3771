#!/bin/sh
# Install what breachcheck needs on Debian 12: build tools and libraries from
# Debian's archive (apt-get, when root), npm packages for the page (npm ci).
# Not root and something missing: print the exact apt-get line and stop.
# usage: scripts/deps.sh [build|test|demo|bench]
#   test adds chromium (browser test), clang with its runtime (fuzzing), and
#   nginx-light, haproxy, redis-server, debhelper (the deployment tests, tests/deploy),
#   parallel (GNU parallel: the sharded ingest test, tests/cli/shard_parallel.sh);
#   bench adds wrk and nginx (the server benchmark's load and reference).
set -eu
what=${1:-build}
pkgs="meson ninja-build pkg-config gcc make libsodium-dev libmicrohttpd-dev libjansson-dev
libutf8proc-dev libidn2-dev libcmocka-dev libcurl4-openssl-dev libhiredis-dev nodejs npm ca-certificates
libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core"
case "$what" in
test) pkgs="$pkgs clang libclang-rt-14-dev chromium python3 python3-aiosmtpd nginx-light haproxy redis-server debhelper dpkg-dev
poppler-utils zbar-tools curl parallel" ;;
bench) pkgs="$pkgs wrk nginx-light" ;;
demo) pkgs="$pkgs poppler-utils python3" ;;
esac
missing=""
for p in $pkgs; do
	# nodejs/npm may come from elsewhere on the machine; a working command is enough.
	case "$p" in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "deps: missing Debian packages; run as root:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		exit 1
	fi
fi
# Debian 12's own Node.js is 18: the page builds and its unit tests run
# (with --experimental-global-webcrypto), but playwright-core needs 20, so the
# browser test is then skipped. Say so rather than fail.
if command -v node >/dev/null 2>&1; then
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	if [ "$major" -lt 20 ]; then
		echo "deps: Node.js $(node --version) found; the browser test needs Node.js 20 or later and will be skipped" >&2
	fi
fi
# The page's npm dependencies (pinned by web/package-lock.json).
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$top/web/package-lock.json" ] && [ ! -d "$top/web/node_modules" ]; then
	echo "deps: installing the page's npm packages (npm ci)" >&2
	(cd "$top/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
