#!/bin/sh
# One patient count (issue 17): on a generated leak, profile --json's
# "patients", the count ingest prints, the catalogue's pwn_count (what
# /v1/breaches serves, read from index.json) and the number of notices
# (ingest --notices, notify --export) are one number, the patients of
# DESIGN §10 (src/group); the rows of no patient are counted once, with
# their reasons, and add up.
# usage: one_count.sh BREACHCHECK GENLEAK
set -u
BC=$1
GENLEAK=$2
T=$(mktemp -d /tmp/bc-onecount.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

"$GENLEAK" --rows 5000 --seed 1 --out "$T/a.csv" --truth "$T/a.truth" --quiet || exit 1
"$BC" keygen "$T/k.key" >/dev/null || exit 1
"$BC" profile "$T/a.csv" --json >"$T/profile.json" || exit 1
"$BC" profile "$T/a.csv" >"$T/profile.txt" || exit 1
"$BC" ingest "$T/a.csv" --index "$T/idx" --key "$T/k.key" --breach demo --not-sensitive \
	--notices "$T/notices" >"$T/ingest.out" 2>"$T/ingest.err" || { cat "$T/ingest.err"; exit 1; }
"$BC" notify "$T/notices" --export >"$T/export.txt" 2>"$T/notify.err" || { cat "$T/notify.err"; exit 1; }

# profile: patients, rows_unlinked, and the reasons adding up to it
prof=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rows_unlinked_by_reason"]
assert sum(r.values()) == d["rows_unlinked"], (r, d["rows_unlinked"])
print(d["patients"], d["rows_unlinked"])' "$T/profile.json") || { fail "profile --json: no patients or reasons"; prof="- -"; }
p_prof=${prof% *}
u_prof=${prof#* }
# ingest: "breach demo: ... N patients, ..." and "patients (DESIGN §10 grouping): N; rows no patient holds: U"
line=$(grep '^breach demo: ' "$T/ingest.err")
p_ing=$(echo "$line" | sed -n 's/.*, \([0-9]*\) patients, .*/\1/p')
u_ing=$(sed -n 's/^patients (DESIGN §10 grouping): \([0-9]*\); rows no patient holds: \([0-9]*\).*/\2/p' "$T/ingest.err")
p_grp=$(sed -n 's/^patients (DESIGN §10 grouping): \([0-9]*\);.*/\1/p' "$T/ingest.err")
[ "$p_grp" = "$p_ing" ] || fail "ingest prints two patient counts: $p_ing and $p_grp"
p_cat=$(python3 -c '
import json, sys
print(*[b["pwn_count"] for b in json.load(open(sys.argv[1]))["breaches"]])' "$T/idx/index.json")
p_not=$(grep -c . "$T/export.txt")

echo "patients: profile $p_prof, ingest $p_ing, pwn_count $p_cat, notices $p_not; not linkable: profile $u_prof, ingest $u_ing"
[ -n "$p_ing" ] || fail "ingest printed no patient count: $line"
# a real leak of 5000 rows: hundreds of patients, not a degenerate count
[ "${p_prof:-0}" -gt 1000 ] 2>/dev/null && [ "$p_prof" -lt 5000 ] || fail "profile count $p_prof out of range"
[ "$p_ing" = "$p_prof" ] || fail "ingest prints $p_ing patients, profile $p_prof"
[ "$p_cat" = "$p_prof" ] || fail "pwn_count $p_cat, profile $p_prof"
[ "$p_not" = "$p_prof" ] || fail "$p_not notices, profile $p_prof patients"
[ "$u_ing" = "$u_prof" ] || fail "ingest: $u_ing rows not linkable, profile $u_prof"
grep -q "^  rows not linkable  *$u_prof\$" "$T/profile.txt" || fail "profile text: rows not linkable"
grep -q "^  distinct patients  *$p_prof\$" "$T/profile.txt" || fail "profile text: distinct patients"
# the unlinked rows are explained: one line per reason seen, with its words
if [ "${u_prof:-0}" -gt 0 ] 2>/dev/null; then
	grep -q '^    no_identity  .*neither a valid NIR' "$T/profile.txt" ||
		grep -q '^    [a-z_]*  *[0-9][0-9]*  [a-z]' "$T/profile.txt" || fail "profile text: no reason for the rows not linkable"
fi
[ "$FAILS" = 0 ] || exit 1
echo "ok: one patient count"
