/* breachcheck notify DIR (--export | --destroy | --letters ...): docs/notify.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "notices/notices.h"
#include "index/index.h"
#include "notify/email.h"
#include "notify/letters.h"
#include "notify/notify.h"

static const char usage[] =
	"usage: breachcheck notify DIR --export\n"
	"       breachcheck notify DIR --letters --index IDX --key KEYFILE --page-url URL --helpline TEXT\n"
	"                          [--variant standard|large|falc] [--batch N] [--deceased FILE]\n"
	"                          [--measures TEXT] [--limit N] [--threads N]\n"
	"       breachcheck notify DIR --email (--smtp-url URL | --mail-dir MAILDIR) --from ADDR --page-url URL\n"
	"                          [--index IDX] [--credentials FILE] [--bounces MAILDIR]\n"
	"                          [--domain-interval-ms N] [--retry-base-ms N]\n"
	"       breachcheck notify DIR --reissue --index IDX --key KEYFILE\n"
	"                          (--nir N | --last-name X --first-name Y --dob D | --ref R)\n"
	"       breachcheck notify DIR --destroy\n"
	"DIR is the notices directory of ingest --notices DIR (secret: names, addresses, codes).\n"
	"  --export          write the notices, decrypted, as JSON lines to standard output\n"
	"                    (the mail-merge file for a mailing house; keep it as secret as DIR)\n"
	"  --letters         PDF letters under DIR/letters/, --batch letters per file (default 10000);\n"
	"                    every code must resolve in the index IDX of KEYFILE\n"
	"  --page-url URL    the check page (https://...); the QR code opens URL#claim=CODE\n"
	"  --helpline TEXT   the phone number and hours printed in every letter\n"
	"  --variant V       standard (10 pt), large (14 pt large print) or falc (easy to read)\n"
	"  --deceased FILE   hold back the letters of people on this list: one NIR, or\n"
	"                    \"last name;first name;date of birth\", per line\n"
	"  --measures TEXT   what the controller did, in French (default: a general sentence)\n"
	"  --limit N         render only the first N letters (a trial run; 0: all)\n"
	"  --threads N       render on N threads (default: one per core)\n"
	"  --email           one message per address, with no code and no personal link; resumable\n"
	"                    (DIR/email.journal): run it again after an interruption\n"
	"  --smtp-url URL    the relay: smtp://HOST[:PORT] or smtps://HOST[:PORT]\n"
	"  --mail-dir MAILDIR  write the messages into this Maildir instead (a trial run)\n"
	"  --from ADDR       the sender address; the controller's name is its display name\n"
	"  --index IDX       with --email: the breach and controller the message names\n"
	"  --credentials FILE  SMTP AUTH: one line user:password\n"
	"  --bounces MAILDIR read late bounces back; their people are listed for a letter\n"
	"  --domain-interval-ms N  at least N ms between two messages to one domain\n"
	"                    (default 200; also with --mail-dir)\n"
	"  --retry-base-ms N first wait after a 4xx reply (default 30000), doubled, 4 tries\n"
	"  --reissue         after the DPO has checked the person's identity: a new code for\n"
	"                    this one patient, the index published again (the old code stops\n"
	"                    working); then print the letter with --letters --ref R\n"
	"  --ref R           with --letters: only the letter of reference R\n"
	"  --destroy         delete the notices key and the rendered letters: the notices can no\n"
	"                    longer be read (the codes already sent keep working)\n"
	"See docs/notify.md.\n";

static int parse_size(const char *s, size_t *v)
{
	char *end;
	unsigned long x;

	if (!s || !*s || *s == '-')
		return -1;
	x = strtoul(s, &end, 10);
	if (*end || x > 100000000ul)
		return -1;
	*v = x;
	return 0;
}

static int do_email(const struct bc_email_options *eo, const char *index_dir)
{
	struct bc_email_stats st;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_index *ix = NULL;
	struct bc_email_options o = *eo;

	if (index_dir) {
		if (bc_index_open(index_dir, &ix, &err) != 0) {
			cli_print_error(&err);
			return BC_EXIT_FAILURE;
		}
		/* the notices' breach names the message; the last one if they name none */
		o.index = ix;
		if (bc_index_n_breaches(ix) > 0) {
			const struct bc_breach *b = bc_index_breach(ix, bc_index_n_breaches(ix) - 1);

			o.title = b->title;
			o.title_en = b->title_en;
			o.controller = b->controller;
		}
	}
	o.progress = isatty(STDERR_FILENO);
	if (bc_notify_email(&o, &st, &err) != 0) {
		bc_index_free(ix);
		cli_print_error(&err);
		return err.code == bc_err_usage ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
	}
	bc_index_free(ix);
	fprintf(stderr,
		"emails: %zu addresses, %zu sent, failed: %zu refused for good (5xx), %zu still refused after "
		"retries (4xx), %zu not delivered (connection); %zu bounced; %zu duplicates resent after an "
		"interruption; %.1f s\n"
		"people: %zu, %zu queued for a letter (%s/letter-queue.txt), %zu reached by no channel (no "
		"address took the message, no postal address): the controller owes them a public communication "
		"(GDPR art. 34(3)(c); docs/notify.md)\n",
		st.addresses, st.sent, st.failed_5xx, st.failed_4xx, st.failed_other, st.bounced, st.duplicates,
		st.seconds, st.people, st.queued_for_letter, eo->dir, st.unreached);
	return BC_EXIT_OK;
}

static int do_letters(const struct bc_letters_options *lo)
{
	struct bc_letters_stats st;
	struct bc_error err = BC_ERROR_INIT;

	if (bc_notify_letters(lo, &st, &err) != 0) {
		cli_print_error(&err);
		return err.code == bc_err_usage ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
	}
	fprintf(stderr,
		"letters: %zu printed (%u pages each, %zu file(s) under %s/letters), %zu held back (death list), "
		"%zu without a postal address, %zu without a code; %zu notices; %.1f s (%.0f letters/s), "
		"%.1f CPU s (%.0f letters per CPU second)\n",
		st.printed, st.pages_per_letter, st.files, lo->dir, st.held_back, st.no_address, st.no_code,
		st.notices, st.seconds, st.seconds > 0 ? (double)st.printed / st.seconds : 0.0, st.cpu_seconds,
		st.cpu_seconds > 0 ? (double)st.printed / st.cpu_seconds : 0.0);
	if (st.no_address)
		fprintf(stderr, "letters: %zu people have no postal address: reach them by email, or by the public "
			"communication the controller owes (GDPR art. 34(3)(c); docs/notify.md)\n", st.no_address);
	return BC_EXIT_OK;
}

/* notify --reissue: a new claim code for one patient (docs/notify.md). */
static int do_reissue(struct bc_reissue_options *ro, const char *dir, const struct bc_letters_options *lo)
{
	struct bc_error err = BC_ERROR_INIT;
	char ref[32];

	ro->dir = dir;
	ro->index_dir = lo->index_dir;
	ro->key_path = lo->key_path;
	if (!ro->index_dir || !ro->key_path) {
		fprintf(stderr, "breachcheck notify: --reissue needs --index and --key\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (bc_notify_reissue(ro, ref, &err) != 0) {
		cli_print_error(&err);
		return err.code == bc_err_usage ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
	}
	fprintf(stderr, "notify: a new code for the letter %s is published (the old one no longer works); "
		"print its letter with: breachcheck notify %s --letters --ref %s --index %s --key %s "
		"--page-url URL --helpline TEXT\n", ref, dir, ref, ro->index_dir, ro->key_path);
	return BC_EXIT_OK;
}

/* notify --export: the notices as JSON lines on stdout. */
static int do_export(const char *dir)
{
	struct bc_error err = BC_ERROR_INIT;
	size_t n;

	if (isatty(STDOUT_FILENO))
		fprintf(stderr, "notify: writing names, addresses and codes to the terminal; redirect to a "
			"file kept as secret as %s\n", dir);
	if (bc_notify_export(dir, stdout, &n, &err) != 0) {
		cli_print_error(&err);
		return BC_EXIT_FAILURE;
	}
	fprintf(stderr, "notify: %zu notices exported\n", n);
	return BC_EXIT_OK;
}

/* notify --destroy: the notices key is destroyed. */
static int do_destroy(const char *dir)
{
	struct bc_error err = BC_ERROR_INIT;

	if (bc_notices_destroy(dir, &err) != 0) {
		cli_print_error(&err);
		return BC_EXIT_FAILURE;
	}
	fprintf(stderr, "notify: the notices key of %s is destroyed; notices.jsonl can no longer be read. "
		"Copies given to a mailing house must be deleted too (docs/notify.md).\n", dir);
	return BC_EXIT_OK;
}

int cmd_notify(int argc, char **argv)
{
	struct bc_letters_options lo;
	struct bc_email_options eo;
	struct bc_reissue_options ro;
	const char *dir = NULL, *variant = NULL;
	int export_ = 0, destroy = 0, letters = 0, email = 0, reissue = 0, i;
	size_t v;

	memset(&lo, 0, sizeof(lo));
	memset(&eo, 0, sizeof(eo));
	memset(&ro, 0, sizeof(ro));
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], **dst = NULL;

		if (!strcmp(a, "--index"))
			dst = &lo.index_dir;
		else if (!strcmp(a, "--key"))
			dst = &lo.key_path;
		else if (!strcmp(a, "--page-url"))
			dst = &lo.page_url;
		else if (!strcmp(a, "--helpline"))
			dst = &lo.helpline;
		else if (!strcmp(a, "--deceased"))
			dst = &lo.deceased;
		else if (!strcmp(a, "--measures"))
			dst = &lo.measures;
		else if (!strcmp(a, "--variant"))
			dst = &variant;
		else if (!strcmp(a, "--smtp-url"))
			dst = &eo.smtp_url;
		else if (!strcmp(a, "--mail-dir"))
			dst = &eo.mail_dir;
		else if (!strcmp(a, "--from"))
			dst = &eo.from;
		else if (!strcmp(a, "--credentials"))
			dst = &eo.credentials;
		else if (!strcmp(a, "--bounces"))
			dst = &eo.bounces;
		else if (!strcmp(a, "--nir"))
			dst = &ro.nir;
		else if (!strcmp(a, "--last-name"))
			dst = &ro.last_name;
		else if (!strcmp(a, "--first-name"))
			dst = &ro.first_name;
		else if (!strcmp(a, "--dob"))
			dst = &ro.dob;
		else if (!strcmp(a, "--ref"))
			dst = &ro.ref;
		if (dst) {
			if (i + 1 >= argc) {
				fprintf(stderr, "breachcheck notify: %s needs a value\n", a);
				return BC_EXIT_USAGE;
			}
			*dst = argv[++i];
		} else if (!strcmp(a, "--domain-interval-ms") || !strcmp(a, "--retry-base-ms")) {
			if (i + 1 >= argc || parse_size(argv[i + 1], &v) != 0 || v > 3600000) {
				fprintf(stderr, "breachcheck notify: %s needs milliseconds\n", a);
				return BC_EXIT_USAGE;
			}
			i++;
			if (a[2] == 'd')
				eo.domain_interval_ms = (long)v;
			else
				eo.retry_base_ms = (long)v;
		} else if (!strcmp(a, "--batch") || !strcmp(a, "--limit") || !strcmp(a, "--threads")) {
			if (i + 1 >= argc || parse_size(argv[i + 1], &v) != 0 || (a[2] != 'l' && v == 0)) {
				fprintf(stderr, "breachcheck notify: %s needs a positive integer\n", a);
				return BC_EXIT_USAGE;
			}
			i++;
			if (a[2] == 'b')
				lo.batch = v;
			else if (a[2] == 'l')
				lo.limit = v;
			else
				lo.threads = (int)(v > 256 ? 256 : v);
		} else if (!strcmp(a, "--export")) {
			export_ = 1;
		} else if (!strcmp(a, "--destroy")) {
			destroy = 1;
		} else if (!strcmp(a, "--letters")) {
			letters = 1;
		} else if (!strcmp(a, "--email")) {
			email = 1;
		} else if (!strcmp(a, "--reissue")) {
			reissue = 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "breachcheck notify: unknown option %s\n%s", a, usage);
			return BC_EXIT_USAGE;
		} else if (!dir) {
			dir = a;
		} else {
			fprintf(stderr, "breachcheck notify: expected one DIR\n%s", usage);
			return BC_EXIT_USAGE;
		}
	}
	if (!dir || export_ + destroy + letters + email + reissue != 1) {
		fprintf(stderr, "breachcheck notify: give DIR and one action\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (reissue)
		return do_reissue(&ro, dir, &lo);
	if (email) {
		eo.dir = dir;
		eo.page_url = lo.page_url;
		if (!eo.from || !eo.page_url || !eo.smtp_url == !eo.mail_dir) {
			fprintf(stderr, "breachcheck notify: --email needs --from, --page-url and one of --smtp-url, "
				"--mail-dir\n%s", usage);
			return BC_EXIT_USAGE;
		}
		return do_email(&eo, lo.index_dir);
	}
	if (letters) {
		lo.dir = dir;
		lo.ref = ro.ref;
		if (!variant || !strcmp(variant, "standard"))
			lo.variant = BC_LETTER_STANDARD;
		else if (!strcmp(variant, "large"))
			lo.variant = BC_LETTER_LARGE;
		else if (!strcmp(variant, "falc"))
			lo.variant = BC_LETTER_FALC;
		else {
			fprintf(stderr, "breachcheck notify: --variant is standard, large or falc\n");
			return BC_EXIT_USAGE;
		}
		if (!lo.index_dir || !lo.key_path || !lo.page_url || !lo.helpline) {
			fprintf(stderr, "breachcheck notify: --letters needs --index, --key, --page-url and --helpline\n%s",
				usage);
			return BC_EXIT_USAGE;
		}
		return do_letters(&lo);
	}
	if (export_)
		return do_export(dir);
	return do_destroy(dir);
}
