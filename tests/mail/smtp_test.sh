#!/bin/sh
# src/mail against a real SMTP server on loopback (tests/mail/smtp_sink.py,
# Debian's python3-aiosmtpd): a message arrives as built, with the
# caller's Message-ID; a server that refuses the mail is a clear error with
# its reply code (exit 1), never a success; a server that is not there too.
# Env: BC_BUILD, BC_SOURCE. Exit 77 when aiosmtpd is missing.
set -u
tool="$BC_BUILD/tests/mail/bc-mail-tool"
sink="$BC_SOURCE/tests/mail/smtp_sink.py"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c 'import aiosmtpd' 2>/dev/null || { echo "SKIP: python3-aiosmtpd missing"; exit 77; }
work=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

start_sink() { # $1 name, then extra args; sets $port (not in a subshell: it keeps the sink's pid)
	name=$1; shift
	"$py" "$sink" --maildir "$work/$name" --port-file "$work/$name.port" --lifetime 120 "$@" \
		>"$work/$name.log" 2>&1 &
	pids="$pids $!"
	i=0
	while [ ! -s "$work/$name.port" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "the SMTP sink did not start"
		sleep 0.1
	done
	port=$(cat "$work/$name.port")
}

start_sink ok
out=$("$tool" --smtp-url "smtp://127.0.0.1:$port" --from codes@example.org --to jean.dupont@example.fr \
	--subject "Votre code" --text "Code : 123456" --message-id "<t1@example.org>") || fail "send: $out"
case "$out" in "sent 250 <t1@example.org>") ;; *) fail "unexpected outcome: $out" ;; esac
f=$(ls "$work/ok/new")
[ "$(echo "$f" | wc -l)" = 1 ] || fail "one message expected"
grep -q '^Message-ID: <t1@example.org>' "$work/ok/new/$f" || fail "Message-ID kept"
grep -q '^Code : 123456' "$work/ok/new/$f" || fail "body delivered"
grep -q '"to": \["<jean.dupont@example.fr>"\]\|"to": \["jean.dupont@example.fr"\]' "$work/ok/envelopes.jsonl" || fail "envelope recipient"

# refused at RCPT: exit 1, the reply code, no address in the message
start_sink refuse --refuse 550
rport=$port
if err=$("$tool" --smtp-url "smtp://127.0.0.1:$rport" --from codes@example.org --to jean.dupont@example.fr \
	--subject s --text t 2>&1); then fail "a refused mail reported as sent: $err"; fi
echo "$err" | grep -q '^mail_refused: .*550' || fail "refusal names the reply code: $err"
echo "$err" | grep -q 'jean' && fail "the error holds the address: $err"
[ -z "$(ls "$work/refuse/new")" ] || fail "nothing delivered when refused"

# nobody listening: a clear failure
if err=$("$tool" --smtp-url "smtp://127.0.0.1:1" --from codes@example.org --to jean.dupont@example.fr \
	--subject s --text t 2>&1); then fail "delivery to a closed port reported as sent"; fi
echo "$err" | grep -q '^mail_failed: ' || fail "connection failure: $err"
echo "ok"
