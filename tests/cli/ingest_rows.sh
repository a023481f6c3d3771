#!/bin/sh
# ingest keeps every row and says so (issue 11; issue 14 item 10): the exit
# status and the message for `sed 's/,$//'` (every row one field short), one
# extra trailing delimiter on every row, a dropped row holding an identifier
# (with and without --accept-dropped), and a file without a header (the
# inferred mapping printed; --mapping auto). No output may hold an identifier.
# usage: ingest_rows.sh BREACHCHECK SOURCE_DIR
set -u
bc=$1
fx=$2/tests/leak/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
grep -hv -e '^#' -e '^$' "$fx/identifiers.txt" "$fx/breaker_identifiers.txt" >"$tmp/ids"
"$bc" keygen "$tmp/k.key" >/dev/null || exit 1

# run NAME WANT_STATUS FILE [options]: ingest FILE, check the exit status, keep stderr in $tmp/NAME.err
run() {
	name=$1 want=$2 file=$3
	shift 3
	"$bc" ingest "$fx/$file" --index "$tmp/idx-$name" --key "$tmp/k.key" --breach "$name" --not-sensitive --quiet "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "$name: exit status $got, want $want"
		cat "$tmp/$name.err"
		fail=1
	fi
	if grep -qF -f "$tmp/ids" "$tmp/$name.out" "$tmp/$name.err"; then
		echo "$name: an identifier of the fixtures is in the output"
		fail=1
	fi
}

# expect NAME TEXT: stderr of NAME holds TEXT
expect() {
	if ! grep -qF -- "$2" "$tmp/$1.err"; then
		echo "$1: stderr lacks: $2"
		cat "$tmp/$1.err"
		fail=1
	fi
}

run sed_trailing 0 repair_sed_trailing.csv
expect sed_trailing "rows: 0 kept as read, 3 repaired, 0 dropped"
expect sed_trailing "every row has 1 field fewer than the header: the trailing empty column was removed"
run extra_delim 0 repair_extra_delim.csv
expect extra_delim "rows: 0 kept as read, 3 repaired, 0 dropped"
expect extra_delim "every row has 1 more field than the header, all empty"
run aside 2 repair_aside.csv
expect aside "1 dropped row(s) held an identifier (lines 4)"
expect aside "--accept-dropped 1"
expect aside "dropped  nothing_usable    1 (first line 4)"
run aside_accepted 0 repair_aside.csv --accept-dropped 1
expect aside_accepted "rows: 1 kept as read, 1 repaired, 1 dropped (1 of them with an identifier)"
run headerless 2 headerless.csv
expect headerless "has no header row"
expect headerless "column 5 = nir"
expect headerless "--mapping auto"
run headerless_auto 0 headerless.csv --mapping auto
run headerless_map 0 headerless.csv --mapping "$fx/headerless.map"
exit $fail
