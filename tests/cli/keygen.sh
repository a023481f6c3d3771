#!/bin/sh
# breachcheck keygen: creates a 0600 key file, prints the public keys (never
# the seed), refuses to overwrite, reports usage errors with exit status 2.
# usage: keygen.sh PATH-TO-breachcheck
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d /tmp/bc-keygen-test-XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" keygen "$dir/k" >"$dir/out" 2>"$dir/err"; rc=$?
[ $rc -eq 0 ] || fail "keygen exit $rc: $(cat "$dir/err")"
[ "$(stat -c %a "$dir/k")" = 600 ] || fail "mode is $(stat -c %a "$dir/k")"
[ "$(wc -l <"$dir/out")" -eq 2 ] || fail "expected 2 lines of output"
grep -Eq '^public_key [A-Za-z0-9_-]{43}$' "$dir/out" || fail "no public_key line"
grep -Eq '^verified_public_key [A-Za-z0-9_-]{43}$' "$dir/out" || fail "no verified_public_key line"
seed=$(sed -n 's/^seed //p' "$dir/k")
[ ${#seed} -eq 64 ] || fail "key file has no 64-digit seed"
if grep -q "$seed" "$dir/out" "$dir/err"; then fail "the seed was printed"; fi
# what each public key is for and where it goes (issue 17)
grep -q "public_key: every search is proved against it" "$dir/err" || fail "no guidance for public_key"
grep -q "/v1/config" "$dir/err" || fail "no mention of /v1/config"
grep -q -- "-Dpage_public_key=" "$dir/err" || fail "no pinning guidance"
grep -q -- "-Dpage_verified_public_key=" "$dir/err" || fail "no pinning guidance for verified_public_key"
cp "$dir/k" "$dir/k.orig"

"$bin" keygen "$dir/k" >"$dir/out2" 2>"$dir/err2"; rc=$?
[ $rc -eq 2 ] || fail "overwrite: exit $rc, expected 2"
cmp -s "$dir/k" "$dir/k.orig" || fail "existing key file was changed"
grep -q "refusing to overwrite" "$dir/err2" || fail "no refusal message"
[ ! -s "$dir/out2" ] || fail "output on refusal"

"$bin" keygen >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no argument: exit $rc, expected 2"
"$bin" keygen a b >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "two arguments: exit $rc, expected 2"
"$bin" keygen --bogus "$dir/x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, expected 2"
[ ! -e "$dir/x" ] || fail "created a file despite a usage error"
"$bin" keygen --help >"$dir/help" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "--help: exit $rc"
grep -q "usage: breachcheck keygen KEYFILE" "$dir/help" || fail "no usage line"
# "-" is not standard output here (the seed never goes to a terminal or a
# pipe) and must not silently create a file named "-"
(cd "$dir" && "$bin" keygen - >"$dir/out3" 2>"$dir/err3"); rc=$?
[ $rc -eq 2 ] || fail "keygen -: exit $rc, expected 2"
[ ! -e "$dir/-" ] || fail "keygen - created a file named -"
[ ! -s "$dir/out3" ] || fail "keygen -: output"
grep -q "standard output" "$dir/err3" || fail "keygen -: no explanation"
"$bin" keygen "$dir/missing-dir/k" >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "unwritable path: exit $rc, expected 3"
echo ok
