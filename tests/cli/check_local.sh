#!/bin/sh
# breachcheck check (local mode) through the binary: exit codes, languages,
# JSON, input errors that never echo the value. Uses the hand-built tiny index
# of test_client (--build).
set -u
BC="$1"; TINY="$2"
T=$(mktemp -d /tmp/bc-check-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$TINY" --build "$T" || { echo "cannot build the tiny index"; exit 1; }
fails=0
expect() { # expect STATUS DESCRIPTION -- ARGS...
	want=$1; what=$2; shift 3
	env LC_ALL= LC_MESSAGES= LANG="$LANGUAGE_FOR_TEST" "$BC" check "$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want"; cat "$T/out" "$T/err"; fails=$((fails + 1))
	fi
}
has() { # has FILE TEXT DESCRIPTION
	grep -qF -- "$2" "$T/$1" || { echo "FAIL: $3: '$2' not in $1"; cat "$T/$1"; fails=$((fails + 1)); }
}
hasnt() {
	if grep -qF -- "$2" "$T/$1"; then echo "FAIL: $3: '$2' in $1"; fails=$((fails + 1)); fi
}
LANGUAGE_FOR_TEST=C.UTF-8
L="--index $T/index --key $T/key"

expect 0 "nir with spaces and key" -- $L --nir "2 55 08 14 168 025 38" --lang en
has out "You are in one breach, out of the 2 breaches searched." "found header"
has out "The full details, including any medical information, are only shown with the claim code" "medical notice"
expect 0 "usage name, accents, short year" -- $L --last-name "Martin" --last-name "dupont" --first-name "Hélène" --dob 03.07.85 --json
has out '"found": true' "json found"
has out '"matched": [
        "namedob"
      ]' "json matched namedob"
has out '"address"' "usage-name payload has address"
expect 0 "shared household email, json" -- $L --email "<Famille.Dupont@example.FR>" --json --lang fr
has out '"shared": [
        "email"
      ]' "json shared email"
has out '"lang": "fr"' "lang fr"
LANGUAGE_FOR_TEST=fr_FR.UTF-8
expect 0 "phone, French text from LANG" -- $L --phone "+262 639 98 12 34"
has out "Vous êtes dans une fuite, parmi les 2 fuites consultées." "french from LANG"
LANGUAGE_FOR_TEST=C.UTF-8
expect 0 "English by default" -- $L --phone "0639981234"
has out "You are in one breach" "english by default"
expect 1 "not found" -- $L --nir 1850775123001 --email someone@example.com --lang en
has out "We did not find these identifiers in the 2 breaches searched." "not found text"
has out "A typo or another spelling in the file can hide a record." "typo notice"
has out "Data-protection officer: " "not found: whom to ask"
expect 2 "wrong NIR key" -- $L --nir "2550814168025 39" --lang en
has err "NIR key does not match: read the last two digits again" "nir key message"
hasnt err "2550814168025" "no NIR echoed"
expect 2 "bad date" -- $L --last-name X --first-name Y --dob 1985/31/31 --lang en
has err "DD/MM/YYYY" "dob message"
expect 2 "incomplete name + dob alone" -- $L --last-name Dupont --lang en
has err "--first-name --dob" "missing parts named"
expect 2 "no identifier" -- $L
expect 2 "no mode" -- --nir 2550814168025
expect 2 "unknown option" -- $L --nir 2550814168025 --frobnicate
expect 3 "missing index" -- --index "$T/none" --key "$T/key" --nir 2550814168025
expect 3 "unreachable server" -- --server http://127.0.0.1:9 --nir 2550814168025 --cache-dir "$T/cache"
has err "cannot reach the server" "unreachable message"
# --json: usage errors are JSON too, wherever --json stands
expect 2 "unknown option, json" -- $L --frobnicate --json
has out '"code": "usage"' "json usage error"
expect 2 "bad --lang, json" -- $L --json --lang de --nir 2550814168025
has out '"message": "--lang must be fr or en"' "json usage message"
hasnt err "usage: breachcheck" "no usage text with --json"
expect 2 "stray argument, json" -- $L --nir 2550814168025 2550814168025 --json
has out '"error"' "json stray argument"
hasnt out "2550814168025" "json error never quotes an identifier"
# a message quoting a path that is not UTF-8 still gives a JSON error
expect 3 "index path not UTF-8, json" -- --index "$T/$(printf 'x\377')" --key "$T/key" --nir 2550814168025 --json
has out '"code": "io"' "json error with a non-UTF-8 path"
# usage errors in the person's language, wherever --lang stands
expect 2 "usage error in French" -- $L --frobnicate --lang fr --json
has out '"message": "option inconnue ou ambiguë"' "french usage error"
expect 2 "--json=yes" -- $L --nir 2550814168025 --json=yes --lang en
has err "--json takes no value" "json with a value"
LANGUAGE_FOR_TEST=fr_FR.UTF-8
expect 2 "usage error in French from LANG" -- $L --email a@example.org --email b@example.org
has err "donné deux fois" "french usage error from LANG"
LANGUAGE_FOR_TEST=C.UTF-8
# an identifier option given twice is refused, not silently the last one
expect 2 "two emails" -- $L --email a@example.org --email famille.dupont@example.fr
has err "--email given twice" "two emails message"
hasnt err "famille" "two emails: no value echoed"
expect 1 "the same email twice" -- $L --email a@example.org --email a@example.org
# what people type
expect 0 "name field with épouse" -- $L --last-name "DUPONT épouse MARTIN" --first-name Hélène --dob "3 juillet 1985" --lang en
has out "name and date of birth" "épouse split"
expect 0 "date with spaces" -- $L --last-name Dupont --first-name helene --dob "03 07 1985"
expect 2 "impossible date" -- $L --last-name Dupont --first-name helene --dob "31/02/1985" --lang en
has err "no such date of birth" "impossible date message"
hasnt err "31/02" "no date echoed"
expect 2 "French input error" -- $L --nir "2550814168025 39" --lang fr
has err "relisez les deux derniers chiffres" "french nir message"
chmod 644 "$T/key"
expect 3 "insecure key" -- $L --nir 2550814168025
# #14 item 6: identifiers from standard input (field=value lines), never argv
chmod 600 "$T/key"
expect_in() { # expect_in INPUT STATUS DESCRIPTION -- ARGS...
	input=$1; shift
	want=$1; what=$2; shift 3
	printf '%b' "$input" | env LC_ALL= LC_MESSAGES= LANG=C.UTF-8 "$BC" check "$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want"; cat "$T/out" "$T/err"; fails=$((fails + 1))
	fi
}
expect_in 'nir=2 55 08 14 168 025 38\n' 0 "--stdin: a NIR as a field=value line" -- $L --stdin --lang en
has out "You are in one breach" "--stdin: found"
expect_in '\nemail=<Famille.Dupont@example.FR>\n\n' 0 "--stdin: blank lines skipped, email" -- $L --stdin --json
has out '"email"' "--stdin: email matched"
expect_in 'nirr=2550814168025\n' 2 "--stdin: an unknown field" -- $L --stdin --lang en
has err "stdin:1: unknown field" "--stdin: the line named"
hasnt err "2550814168025" "--stdin: the value never echoed"
expect_in 'nir=2550814168025\nnir=2550814168025\n' 2 "--stdin: a field twice" -- $L --stdin --lang en
expect_in '2550814168025\n' 2 "--stdin: a line without =" -- $L --stdin --lang en
hasnt err "2550814168025" "--stdin: the value never echoed (no =)"

[ "$fails" = 0 ] && echo "all check CLI cases passed"
exit "$fails"
