#!/bin/sh
# Golden tests of `breachcheck profile` on the fixtures: stdout, stderr and the
# exit status are compared byte for byte with tests/leak/golden/NAME.out, and
# no output may contain an identifier of tests/leak/fixtures/identifiers.txt.
# usage: profile_golden.sh BREACHCHECK SOURCE_DIR   (BC_UPDATE_GOLDEN=1 rewrites the files)
set -u
bc=$1
src=$2
fx=$src/tests/leak/fixtures
gd=$src/tests/leak/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
grep -hv -e '^#' -e '^$' "$fx/identifiers.txt" "$fx/breaker_identifiers.txt" >"$tmp/ids"

check() {
	name=$1
	shift
	(cd "$fx" && "$bc" profile "$@" >"$tmp/stdout" 2>"$tmp/stderr"; echo "exit status $?" >"$tmp/status")
	{
		cat "$tmp/stdout"
		echo "--- stderr"
		cat "$tmp/stderr"
		cat "$tmp/status"
	} >"$tmp/$name.out"
	if [ "${BC_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$tmp/$name.out" "$gd/$name.out"
	elif ! cmp -s "$tmp/$name.out" "$gd/$name.out"; then
		echo "golden mismatch: $name"
		diff -u "$gd/$name.out" "$tmp/$name.out" | head -40
		fail=1
	fi
	# no identifier, in any spelling the fixtures hold (one grep over both lists)
	if grep -qF -f "$tmp/ids" "$tmp/$name.out"; then
		echo "identifier leaked in the output of $name (a line of identifiers.txt or breaker_identifiers.txt)"
		fail=1
	fi
}

check fr_comma_utf8 fr_comma_utf8.csv
check fr_comma_utf8_json --json fr_comma_utf8.csv
check semicolon_cp1252 semicolon_cp1252.csv
check utf16be_json utf16be.csv --json
check english english.csv
check headerless_mapping --mapping headerless.map headerless.csv
check headerless_nomapping headerless.csv
check title title.csv
check mojibake mojibake.csv
check bad_rows bad_rows.csv
check bad_rows_json --json bad_rows.csv
check strict_field_count --strict bad_rows.csv
check strict_nir --strict fr_comma_utf8.csv
check empty empty.csv
check blank blank.csv
check binary binary.bin
check truncated truncated.csv
check missing does-not-exist.csv
check bad_mapping --mapping make_fixtures.py headerless.csv
check usage
# adversarial inputs (make_breaker_fixtures.py)
check breaker_headers breaker_headers.csv
check breaker_headers_json --json breaker_headers.csv
check breaker_dup_columns breaker_dup_columns.csv
check breaker_dup_columns_json --json breaker_dup_columns.csv
check breaker_nul breaker_nul.csv
check breaker_nul_strict --strict breaker_nul.csv
check breaker_header_only breaker_header_only.csv
check breaker_latin1_cr breaker_latin1_cr.csv
check breaker_gzip breaker_gzip.csv.gz
check breaker_values breaker_values.csv
check breaker_values_json --json breaker_values.csv
check breaker_values_strict --strict breaker_values.csv
check breaker_directory .
check breaker_mapping_directory --mapping . breaker_values.csv
check breaker_line_separator breaker_line_separator.csv
check breaker_dash_dash -- breaker_header_only.csv
check breaker_forced_header --mapping breaker_header_yes.map breaker_headerless.csv
check breaker_forced_header_strict --strict --mapping breaker_header_yes.map breaker_headerless.csv
# keep every row (issue 11): each repaired-row case, and the two files of issue 14 item 10
check latin9 latin9.csv
check hprim hprim_cp1252.hpr
check hprim_json --json hprim_cp1252.hpr
check repair_rows repair_rows.csv
check repair_rows_json --json repair_rows.csv
check repair_aside repair_aside.csv
check repair_sed_trailing repair_sed_trailing.csv
check repair_extra_delim repair_extra_delim.csv
# the HTML report (profile --html): no identifier either, in either language
for f in fr_comma_utf8.csv breaker_values.csv breaker_headers.csv bad_rows.csv repair_rows.csv; do
	for lang in fr en; do
		(cd "$fx" && "$bc" profile "$f" --html "$tmp/report.html" --lang $lang >/dev/null 2>&1) ||
			{ echo "profile --html failed on $f"; fail=1; continue; }
		grep -q '<svg' "$tmp/report.html" || { echo "no chart in the report of $f"; fail=1; }
		! grep -qi '<script\|src=\|href=' "$tmp/report.html" ||
			{ echo "script or external resource in the report of $f"; fail=1; }
		for ids in identifiers.txt breaker_identifiers.txt; do
			while IFS= read -r id; do
				case $id in '#'*|'') continue ;; esac
				if grep -qF -- "$id" "$tmp/report.html"; then
					echo "identifier leaked in the HTML report of $f ($lang, line of $ids)"
					fail=1
				fi
			done <"$fx/$ids"
		done
	done
done
exit $fail
