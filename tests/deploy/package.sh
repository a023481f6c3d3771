#!/bin/sh
# The Debian package (#15): dpkg-buildpackage builds a .deb with the binary,
# the man page, the page's files and the systemd unit; the unit runs as its
# own user with ProtectSystem=strict, PrivateTmp, NoNewPrivileges, the key
# through LoadCredential and reload on SIGHUP. Where systemd is PID 1 and we
# are root, the .deb is installed and the unit started; elsewhere (CI
# containers) the unit's ExecStart line is run the way systemd would run it:
# its environment, the key as a 0400 credential, then ExecReload and stop.
# The build is offline and reuses nothing of build/: about a minute on 2 cores.
# Exit 77 (skipped) without dpkg-buildpackage/debhelper or the page's npm packages.
# args: SOURCE_DIR bc-genleak
set -u
SRC="$1"; GENLEAK="$2"
for p in dpkg-buildpackage dh dpkg-deb curl; do
	command -v "$p" >/dev/null 2>&1 || { echo "SKIP: $p not installed (scripts/deps.sh test)"; exit 77; }
done
[ -d "$SRC/web/node_modules" ] || { echo "SKIP: web/node_modules missing (npm ci in web/)"; exit 77; }
. "$SRC/tests/deploy/lib.sh"

# 1. build from a copy of the tracked files (the page's npm packages linked)
mkdir -p "$T/pkg/src"
(cd "$SRC" && git ls-files -z 2>/dev/null | xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$T/pkg/src" 2>/dev/null
[ -f "$T/pkg/src/debian/rules" ] || (cd "$SRC" && tar cf - --exclude=./build --exclude='./build-*' --exclude=./web/node_modules --exclude=./.git .) | tar xf - -C "$T/pkg/src"
ln -s "$SRC/web/node_modules" "$T/pkg/src/web/node_modules"
start=$(date +%s)
(cd "$T/pkg/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
	{ fail "dpkg-buildpackage"; tail -30 "$T/build.log"; exit 1; }
DEB=$(ls "$T"/pkg/breachcheck_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] && ok "built $(basename "$DEB") in $(( $(date +%s) - start )) s" || { fail "no .deb"; exit 1; }

# 2. what it holds
dpkg-deb -c "$DEB" >"$T/contents"
for f in ./usr/bin/breachcheck ./usr/share/man/man1/breachcheck.1.gz ./usr/share/breachcheck/web/index.html \
	./usr/share/breachcheck/web/app.js ./usr/share/breachcheck/web/style.css ./lib/systemd/system/breachcheck.service \
	./etc/default/breachcheck; do
	grep -q " $f\$" "$T/contents" || fail "the .deb lacks $f"
done
dpkg-deb -x "$DEB" "$T/root"
U="$T/root/lib/systemd/system/breachcheck.service"
for d in "User=breachcheck" "ProtectSystem=strict" "PrivateTmp=yes" "NoNewPrivileges=yes" \
	"LoadCredential=key:/etc/breachcheck/key" 'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$d" "$U" || fail "the unit lacks $d"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify "$U" >"$T/verify.log" 2>&1 || { grep -v 'breachcheck.*executable' "$T/verify.log" | grep -q . && { echo "(systemd-analyze: $(head -3 "$T/verify.log"))"; }; }
fi
ok "contents and unit directives"

# 3. an index and a key, as the operator sets them up
"$GENLEAK" --seed 41 --rows 300 --out "$T/leak.csv" --quiet || exit 1
"$T/root/usr/bin/breachcheck" keygen "$T/etc-key" >/dev/null || exit 1
"$T/root/usr/bin/breachcheck" ingest "$T/leak.csv" --index "$T/index" --key "$T/etc-key" --breach labs \
	--anonymity 16 --not-sensitive --quiet || exit 1

PORT=$(free_port)
if [ "$(id -u)" = 0 ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -n "${BC_TEST_INSTALL_DEB:-}" ]; then
	# 4a. the real thing (opt-in: it changes the machine)
	dpkg -i "$DEB" >"$T/dpkg.log" 2>&1 || { fail "dpkg -i"; cat "$T/dpkg.log"; }
	install -m 0600 "$T/etc-key" /etc/breachcheck/key
	cp -r "$(readlink -f "$T/index")" /var/lib/breachcheck/ && ln -sfn "/var/lib/breachcheck/$(basename "$(readlink -f "$T/index")")" /var/lib/breachcheck/index
	echo "BREACHCHECK_OPTS=\"--listen 127.0.0.1:$PORT --metrics-listen none\"" >/etc/default/breachcheck
	systemctl start breachcheck && wait_http "http://127.0.0.1:$PORT/healthz" && ok "the unit runs" || fail "systemctl start"
	systemctl reload breachcheck && sleep 1 && journalctl -u breachcheck -n 20 | grep -q '"event":"reload"' || fail "reload"
	systemctl stop breachcheck
	exit $([ "$fails" = 0 ] && echo 0 || echo 1)
fi

# 4b. the unit's ExecStart as systemd runs it: its Environment, then the
# EnvironmentFile, ${VAR} as one word and $VAR split; the credential a 0400
# copy in CREDENTIALS_DIRECTORY; the binary and page from the package tree
mkdir -p "$T/creds" && cp "$T/etc-key" "$T/creds/key" && chmod 0400 "$T/creds/key"
EXEC=$(sed -n 's/^ExecStart=//p' "$U")
BREACHCHECK_INDEX=/var/lib/breachcheck/index; BREACHCHECK_OPTS=
eval "$(sed -n 's/^Environment=//p' "$U" | sed 's/ \([A-Z_]*=\)/\n\1/g')"
. "$T/root/etc/default/breachcheck"
BREACHCHECK_INDEX="$T/index"                  # what the operator would set in /etc/default/breachcheck
BREACHCHECK_OPTS="--listen 127.0.0.1:$PORT --metrics-listen none"
CREDENTIALS_DIRECTORY="$T/creds"
LINE=$(printf '%s' "$EXEC" | sed -e "s|\${BREACHCHECK_INDEX}|$BREACHCHECK_INDEX|g" \
	-e "s|\${CREDENTIALS_DIRECTORY}|$CREDENTIALS_DIRECTORY|g" -e "s|\$BREACHCHECK_OPTS|$BREACHCHECK_OPTS|g" \
	-e "s|/usr/bin/breachcheck|$T/root/usr/bin/breachcheck|" -e "s|/usr/share/breachcheck/web|$T/root/usr/share/breachcheck/web|")
echo "ExecStart as run: $LINE"
# shellcheck disable=SC2086
(umask 0077; exec $LINE) >"$T/unit.out" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
wait_http "http://127.0.0.1:$PORT/healthz" && ok "ExecStart runs the service" || { fail "ExecStart"; cat "$T/unit.out"; }
curl -s "http://127.0.0.1:$PORT/" | grep -q '<form id="check-form"' || fail "the packaged page is not served"
curl -s "http://127.0.0.1:$PORT/v1/config" | grep -q '"index_id"' || fail "no /v1/config"
kill -HUP "$SPID"   # ExecReload
wait_line "$T/unit.out" '"event":"reload"' && ok "ExecReload (SIGHUP) reloads the index" || { fail "no reload"; cat "$T/unit.out"; }
kill -TERM "$SPID"; wait "$SPID"; rc=$?
[ "$rc" = 0 ] && ok "SIGTERM: clean exit" || fail "exit status $rc after SIGTERM"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
