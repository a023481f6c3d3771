#!/bin/sh
# Letters and emails per second of the notification campaign (docs/notify.md).
# Generates a leak of BC_BENCH_NOTIFY_ROWS rows (default 40000, about 17,000
# patients), ingests it with --notices, renders every letter (all cores) and
# sends every email into a Maildir (--mail-dir: the fsyncs of the journal and
# of the Maildir, no network), and prints the figures with the time 214,000
# letters would take at that rate (the goal: under 10 minutes on 2 cores).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${BC_BUILD:-$(cd "$here/../.." && pwd)}
bc="$build/breachcheck"
rows=${BC_BENCH_NOTIFY_ROWS:-40000}
tmp=$(mktemp -d /tmp/bc-bench-notify-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$build/bc-genleak" --quiet --seed 2 --rows "$rows" --dependants 0.6 --out "$tmp/leak.csv"
"$bc" keygen "$tmp/k.key" >/dev/null
"$bc" ingest "$tmp/leak.csv" --index "$tmp/idx" --key "$tmp/k.key" --breach labs --sensitive \
	--controller "Laboratoires Exemple SAS" --dpo-contact dpo@labo.example.fr \
	--complaint-url https://labo.example.fr/plainte --notices "$tmp/n" --quiet
"$bc" notify "$tmp/n" --letters --index "$tmp/idx" --key "$tmp/k.key" --page-url https://check.example.fr/ \
	--helpline "01 99 00 12 34" 2>"$tmp/letters.log"
sed -n 's/^letters: \([0-9]*\) printed.*; \([0-9.]*\) s (\([0-9]*\) letters\/s), \([0-9.]*\) CPU s (\([0-9]*\) letters per CPU second)$/letters: \1 in \2 s: \3 letters per second (wall), \5 per CPU second/p' "$tmp/letters.log"
rate=$(sed -n 's/.*(\([0-9]*\) letters\/s),.*/\1/p' "$tmp/letters.log")
cpurate=$(sed -n 's/.*(\([0-9]*\) letters per CPU second)$/\1/p' "$tmp/letters.log")
[ -n "$rate" ] && [ "$rate" -gt 0 ] &&
	echo "letters: 214,000 letters at that wall rate: $((214000 / rate)) s (load average: $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)"
[ -n "$cpurate" ] && [ "$cpurate" -gt 0 ] &&
	echo "letters: 214,000 letters on 2 idle cores: $((214000 / cpurate / 2)) s (goal < 600 s)"
du -sh "$tmp/n/letters" | sed 's/^\([^\t]*\).*/letters: \1 of PDF/'
"$bc" notify "$tmp/n" --email --mail-dir "$tmp/mail" --from notification@labo.example.fr \
	--page-url https://check.example.fr/ --domain-interval-ms 1 2>"$tmp/email.log"
sed -n 's/^emails: \([0-9]*\) addresses, \([0-9]*\) sent.*; \([0-9.]*\) s$/emails: \2 sent in \3 s/p' "$tmp/email.log" |
	awk '{ print $0 ": " int($2 / $5) " emails per second (Maildir, fsynced journal)" }'
