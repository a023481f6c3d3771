#!/bin/sh
# ingest's safeguards (issue 17): a file with medical comments is not
# published until the operator says --sensitive or --not-sensitive, and the
# refusal gives the counts per category (the profile's), never a value; a
# sensitive breach needs its controller, DPO contact and complaint URL;
# URLs are checked; English titles reach the catalogue; ingest --report
# writes the profile's figures plus ingest's, with no identifier (issue 16).
# usage: ingest_safeguards.sh BREACHCHECK GENLEAK
set -u
BC=$1
GENLEAK=$2
T=$(mktemp -d /tmp/bc-safeguards.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

"$GENLEAK" --seed 11 --rows 3000 --out "$T/leak.csv" --truth "$T/truth.jsonl" --quiet || exit 1
"$BC" keygen "$T/key" >/dev/null || exit 1
"$BC" profile "$T/leak.csv" --json >"$T/profile.json" || exit 1
SENS='--controller Biolab --dpo-contact dpo@example.org --complaint-url https://www.cnil.fr/fr/plaintes'

# expect STATUS TEXT WHAT -- ingest options...
expect() {
	want=$1; text=$2; what=$3; shift 4
	"$BC" ingest "$T/leak.csv" --index "$T/idx" --key "$T/key" --breach labs --anonymity 16 \
		--quiet "$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$what: exit $got, expected $want"
		cat "$T/out"
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; then
		fail "$what: '$text' not in the output"
		cat "$T/out"
	else
		ok "$what"
	fi
}

# 1. medical comments, no choice made: refused, counts per category, nothing published
expect 2 "say --sensitive or --not-sensitive" "medical comments without --sensitive are refused" --
[ ! -e "$T/idx" ] || fail "an index was published after the refusal"
for cat in pregnancy hiv hepatitis other_medical; do
	people=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sensitive"][sys.argv[2]]["patients"])' \
		"$T/profile.json" "$cat")
	label=$(case $cat in pregnancy) echo pregnancy ;; hiv) echo "HIV status" ;; hepatitis) echo hepatitis ;;
		other_medical) echo "other medical history" ;; esac)
	if [ "$people" -gt 0 ]; then
		grep -Eq "^  $label +$people people," "$T/out" &&
			ok "refusal counts $people people for $cat, as profile does" ||
			{ fail "refusal: no '$label $people people'"; cat "$T/out"; }
	fi
done
# never a value: no NIR, email or phone of the file in the message
python3 - "$T/truth.jsonl" "$T/out" <<'PY' && ok "no identifier in the refusal" || fail "an identifier in the refusal"
import json, sys
text = open(sys.argv[2]).read()
for line in open(sys.argv[1]):
    p = json.loads(line)
    for v in [p["nir13"]] + p["emails"] + p["phones"]:
        if v and v in text:
            sys.exit(1)
PY

# 2. a sensitive breach without its controller and contacts
expect 2 "--controller, --dpo-contact and --complaint-url missing" "--sensitive without a controller is refused" \
	-- --sensitive
expect 2 "--complaint-url missing" "--sensitive without a complaint URL is refused" \
	-- --sensitive --controller Biolab --dpo-contact dpo@example.org
# 3. URLs
expect 2 "--complaint-url: give a full https address" "a complaint URL without https:// is refused" \
	-- --sensitive --controller Biolab --dpo-contact dpo@example.org --complaint-url www.biolab-exemple.fr/plainte
expect 2 "--complaint-url: give a full https address" "an http complaint URL is refused" \
	-- --not-sensitive --complaint-url http://www.biolab-exemple.fr/plainte
expect 2 "--dpo-contact: give an email address" "a DPO contact that is neither an address nor a URL is refused" \
	-- --sensitive --controller Biolab --dpo-contact "Service DPO" --complaint-url https://www.cnil.fr/fr/plaintes
expect 2 "choose one" "--sensitive with --not-sensitive is refused" -- --sensitive --not-sensitive $SENS
[ ! -e "$T/idx" ] || fail "an index was published after a refusal"

# 4. the right options: published, English title in the catalogue, a report
# shellcheck disable=SC2086
expect 0 "" "a sensitive breach with its controller and contacts is published" \
	-- --sensitive $SENS --dpo-contact mailto:dpo@example.org --title "Fuite des laboratoires" \
	--title-en "Laboratory leak" --description "Un fichier." --description-en "A file." \
	--report "$T/report.html" --lang en
# public tier none: no public entry, so no anonymity set to warn about
if grep -q "too small for --anonymity" "$T/out"; then fail "tier none warned about the anonymity set"; cat "$T/out"
else ok "tier none: no anonymity warning (no public entry)"; fi
python3 - "$T/idx/index.json" <<'PY' && ok "title_en and description_en in the catalogue" || fail "catalogue texts"
import json, sys
b = json.load(open(sys.argv[1]))["breaches"][0]
assert b["title"] == "Fuite des laboratoires" and b["title_en"] == "Laboratory leak", b
assert b["description_en"] == "A file." and b["complaint_url"].startswith("https://"), b
PY
python3 - "$T/report.html" "$T/profile.json" "$T/truth.jsonl" <<'PY' && ok "ingest --report: the profile's figures plus ingest's, no identifier" || fail "ingest --report"
import html, json, re, sys
text = open(sys.argv[1]).read()
doc = json.loads(html.unescape(re.search(r'<pre id="report-json">(.*?)</pre>', text, re.S).group(1)))
prof = json.load(open(sys.argv[2]))
g = doc.pop("ingest")
doc["file"] = prof["file"]
assert doc == prof, "the report's profile differs from profile --json"
assert g["tokens"]["nir"] > 0 and "email" in g["shared_tokens"], g
assert g["buckets"]["entries_per_bucket"] > 0 and g["timings_s"]["total"] > 0, g
assert 'lang="en"' in text and "<script" not in text
for line in open(sys.argv[3]):
    p = json.loads(line)
    for v in [p["nir13"]] + p["emails"] + p["phones"]:
        assert not v or v not in text, "identifier in the report"
PY
expect 0 "" "--not-sensitive publishes a file with medical comments" -- --not-sensitive
exit $FAILS
