#!/bin/sh
# The main job on the built-in synthetic leak: generate it, profile it, create
# a server key, ingest the leak into a publishable index, then serve the index
# and the check page, printing the URL. Re-running reuses the leak, the key and
# the index (BC_DEMO_REINGEST=1 ingests again).
# Environment: BC_DEMO_DIR (default demo/), BC_DEMO_ROWS (default 491839),
# BC_DEMO_LISTEN (default 127.0.0.1:8080), BC_DEMO_METRICS (default
# 127.0.0.1:9090), BC_DEMO_NO_SERVE=1 to stop after ingest.
set -eu
build=${1:-build}
work=${BC_DEMO_DIR:-demo}
rows=${BC_DEMO_ROWS:-491839}
listen=${BC_DEMO_LISTEN:-127.0.0.1:8080}
metrics=${BC_DEMO_METRICS:-127.0.0.1:9090}
bc="$build/breachcheck"
mkdir -p "$work"

if [ ! -s "$work/leak.csv" ] || [ ! -s "$work/truth.jsonl" ]; then
	echo "demo: generating the synthetic leak ($rows rows) into $work/leak.csv"
	"$build/bc-genleak" --seed 1 --rows "$rows" --dependants 0.6 --out "$work/leak.csv" --truth "$work/truth.jsonl"
fi

reuse=0
if [ -e "$work/index" ] && [ "$work/index" -nt "$work/leak.csv" ] && [ -s "$work/notices/notices.jsonl" ] &&
	[ "${BC_DEMO_REINGEST:-0}" != 1 ]; then
	reuse=1
fi

echo "demo: profile of the leak (no identifier is printed)"
if [ "$reuse" = 1 ] && [ -s "$work/report.html" ]; then
	# the index is reused: keep the report ingest wrote beside it (its
	# "What ingest published" part); a profile-only page would lose it
	"$bc" profile "$work/leak.csv"
else
	# the report beside the index; ingest below rewrites it with its own figures
	"$bc" profile "$work/leak.csv" --html "$work/report.html"
fi

if [ ! -e "$work/server.key" ]; then
	"$bc" keygen "$work/server.key"
fi

if [ "$reuse" = 1 ]; then
	echo "demo: reusing the index $work/index (BC_DEMO_REINGEST=1 to ingest again)"
else
	echo "demo: ingesting into the index $work/index (the state directory beside the key is secret)"
	"$bc" ingest "$work/leak.csv" --index "$work/index" --key "$work/server.key" \
		--breach labo-2021 --title "Fuite de données de laboratoires d'analyses (synthétique)" \
		--date 2021-02-23 --sensitive \
		--description "Fichier synthétique de démonstration : 27 laboratoires, prélèvements 2015-2020." \
		--title-en "Leak of medical-lab patient records (synthetic)" \
		--description-en "Synthetic demonstration file: 27 labs, samples 2015-2020." \
		--report "$work/report.html" \
		--controller "Laboratoires de démonstration (fictifs)" \
		--dpo-contact "dpo@example.fr" \
		--complaint-url "https://www.cnil.fr/fr/plaintes" \
		--notices "$work/notices"
fi

# The notification campaign (docs/notify.md): the first letters, and one patient to try.
echo "demo: rendering the first letters into $work/notices/letters/ (secret: names and addresses)"
"$bc" notify "$work/notices" --letters --index "$work/index" --key "$work/server.key" \
	--page-url "http://$listen/" --helpline "01 99 00 00 00 (démonstration)" --limit 10 --batch 10
claim=$("$bc" notify "$work/notices" --export 2>/dev/null | head -10 |
	grep '"claim_with":"nir"' | grep -v '"address":null' | grep -m1 '"minor":false' || true)
code=$(printf '%s' "$claim" | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
cnir=$(printf '%s' "$claim" | sed -n 's/.*"match":{"nir":"\([^"]*\)".*/\1/p')
cdob=$(printf '%s' "$claim" | sed -n 's/.*"dob":"\([0-9-]*\)".*/\1/p')
pdf=$(ls "$work"/notices/letters/letters-*.pdf 2>/dev/null | head -1)
# The PDF holds several letters (the first may be a minor's): name the page
# that prints this code, found in the PDF's text (pdftotext, poppler-utils).
where=""
if [ -n "$code" ] && [ -n "$pdf" ] && command -v pdftotext >/dev/null 2>&1; then
	page=$(pdftotext -layout "$pdf" - 2>/dev/null |
		awk -v c="$code" 'BEGIN { p = 1 } { p += gsub(/\f/, ""); if (index($0, c)) { print p; exit } }' || true)
	[ -n "$page" ] && where=" (page $page)"
fi

# One synthetic adult patient of the ground truth with a NIR and an address
# of their own (a verified entry, docs/verify.md), medical categories if any.
pick=$(python3 - "$work/truth.jsonl" <<'PY' 2>/dev/null || true
import json, sys
best = None
for line in open(sys.argv[1]):
    p = json.loads(line)
    if not (p["nir13"] and p["dob"] and len(p["emails"]) == 1 and not p["shared_with"]["email"]
            and not p["hard_cases"] and p["nir_key_states"]["wrong"] == 0 and not p["insured_by"]
            and int(p["first_sample"][:4]) - int(p["dob"][:4]) > 19):
        continue
    if p["categories"]:
        best = p
        break
    best = best or p
if best:
    print(best["emails"][0], best["nir13"])
PY
)
email=${pick% *}
nir=${pick#* }
maildir="$work/maildir"
cat <<MSG

demo: the report on the leak, to open in a browser (no identifier in it):
  $work/report.html
demo: the index is ready in $work/index (safe to publish).
The breach is sensitive, so its public tier is none: knowing someone's
identifiers shows nothing of it (try it: the report lists the breach and the
ways to check it):
  $bc check --index $work/index --key $work/server.key --email ${email:-ADDRESS}

A letter of the notification campaign: $pdf$where
  its claim code ${code:-?} goes with the NIR ${cnir:-?} (date of birth ${cdob:-?}): the full
  report, medical categories included, on the page ("J'ai reçu un courrier"), or with
  $bc check --index $work/index --key $work/server.key --claim
MSG
if [ "${BC_DEMO_NO_SERVE:-0}" = 1 ]; then
	cat <<MSG
Next, to serve the check page at http://$listen/ (Ctrl-C stops it), with
email verification writing its codes into the Maildir $work/maildir/:
  $bc serve --index $work/index --key $work/server.key --listen $listen --metrics-listen $metrics \\
      --mail-dir $work/maildir --smtp-from codes@example.org
MSG
	exit 0
fi
cat <<MSG

Email verification (the full record, medical categories included), once the
server below is up: a synthetic patient to try,
  email address ${email:-?}   NIR ${nir:-?}
on the page ("See the full details: verify your email address"), or from
another terminal (the address, the NIR and the code are asked for):
  $bc check --server http://$listen --verify-email
The verification mail lands in the Maildir $maildir/new/ (no mail is
really sent in the demo): open the newest file there to read the code.
MSG

echo "demo: serving the check page at http://$listen/  (Ctrl-C to stop)"
exec "$bc" serve --index "$work/index" --key "$work/server.key" --listen "$listen" --metrics-listen "$metrics" \
	--mail-dir "$maildir" --smtp-from "codes@example.org" --service-name "breachcheck (démonstration)"
