#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "leak/reader.h"
#include "ingest/ingest.h"

static const char usage[] =
	"usage: breachcheck ingest FILE --index DIR --key KEYFILE --breach NAME [options]\n"
	"\n"
	"Read the leak FILE (\"-\" for stdin), evaluate every distinct identifier once\n"
	"with the server key, and publish a new index at DIR (a symlink to DIR.<index_id>/;\n"
	"the previous version is kept). Every breach recorded in the state directory\n"
	"KEYFILE.state/ (secret, like the key) is re-salted and re-bucketed; a breach\n"
	"of the same NAME is replaced (it gets a new id). See docs/ingest.md.\n"
	"\n"
	"  --index DIR            index symlink to create or replace\n"
	"  --key KEYFILE          server key (breachcheck keygen), mode 0600\n"
	"  --breach NAME          short name: 1-64 of A-Z a-z 0-9 . _ -\n"
	"  --title TEXT           title shown to people (default: NAME)\n"
	"  --date YYYY-MM-DD      date of the breach\n"
	"  --description TEXT     what happened\n"
	"  --sensitive            public tier shows only found + data classes 0-11\n"
	"  --controller TEXT      data controller\n"
	"  --dpo-contact TEXT     its data-protection contact\n"
	"  --complaint-url URL    where to complain\n"
	"  --mapping FILE         column mapping (docs/leak-files.md); \"auto\": the columns of a\n"
	"                         file without a header mapped from their content\n"
	"  --accept-dropped N     publish even if up to N dropped rows held an identifier\n"
	"  --anonymity K          at least K real entries per bucket (default 1024)\n"
	"  --threads N            evaluation threads (default: all cores)\n"
	"  --quiet                no progress output\n";

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Every row accounted for (issue 11): kept as read, repaired by how, dropped
 * by why, and the likely cause. Printed even with --quiet when a row was
 * repaired or dropped: nothing is lost silently.
 */
static void print_rows(const struct leak_stats *s, int quiet)
{
	char cause[256];
	unsigned i;

	if (quiet && !s->rows_repaired && !s->rows_skipped)
		return;
	fprintf(stderr, "rows: %lu kept as read, %lu repaired, %lu dropped (%lu of them with an identifier)\n",
		s->rows - s->rows_repaired, s->rows_repaired, s->rows_skipped, s->dropped_with_identifier);
	for (i = 0; i < LEAK_REPAIR_COUNT; i++)
		if (s->repair_rows[i])
			fprintf(stderr, "  repaired %-17s %lu (first line %lu): %s\n", leak_repair_name((enum leak_repair)i),
				s->repair_rows[i], s->repair_lines[i][0], leak_repair_text((enum leak_repair)i));
	for (i = 0; i < LEAK_DROP_COUNT; i++)
		if (s->drop_rows[i])
			fprintf(stderr, "  dropped  %-17s %lu (first line %lu)\n", leak_drop_name((enum leak_drop)i),
				s->drop_rows[i], s->drop_lines[i][0]);
	if (s->fields_aside)
		fprintf(stderr, "  surplus fields kept aside: %lu\n", s->fields_aside);
	if (leak_stats_cause(s, cause, sizeof(cause)))
		fprintf(stderr, "  cause: %s\n", cause);
}

/*
 * A file without a header and no --mapping: print the mapping inferred from
 * the columns' content, and the two ways on. Nothing is guessed silently.
 */
static void print_inferred_mapping(const char *input)
{
	struct leak_options lo = { NULL, 0, 0, 0 };
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;

	if (leak_reader_init(&r, input, &lo, &err) != 0)
		return;
	fprintf(stderr, "breachcheck ingest: %s has no header row. The columns, as their content tells them:\n\n",
		input);
	leak_inference_write_mapping(&r, input, stderr);
	fprintf(stderr, "\nEither save the lines above as a file (e.g. leak.map), check and edit them, and pass\n"
			"--mapping leak.map; or accept them as they stand with --mapping auto.\n");
	leak_reader_release(&r);
}

int cmd_ingest(int argc, char **argv)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	unsigned long v;
	unsigned k;
	int i;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (!strcmp(a, "--index"))
			dst = &o.index_dir;
		else if (!strcmp(a, "--key"))
			dst = &o.key_path;
		else if (!strcmp(a, "--breach"))
			dst = &o.breach;
		else if (!strcmp(a, "--title"))
			dst = &o.title;
		else if (!strcmp(a, "--date"))
			dst = &o.breach_date;
		else if (!strcmp(a, "--description"))
			dst = &o.description;
		else if (!strcmp(a, "--controller"))
			dst = &o.controller;
		else if (!strcmp(a, "--dpo-contact"))
			dst = &o.dpo_contact;
		else if (!strcmp(a, "--complaint-url"))
			dst = &o.complaint_url;
		else if (!strcmp(a, "--mapping"))
			dst = &o.mapping;
		if (dst != NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "breachcheck ingest: %s needs a value\n", a);
				return BC_EXIT_USAGE;
			}
			*dst = argv[++i];
		} else if (!strcmp(a, "--sensitive")) {
			o.sensitive = 1;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o.quiet = 1;
		} else if (!strcmp(a, "--accept-dropped")) {
			if (i + 1 >= argc || parse_uint(argv[i + 1], 1ul << 30, &v) != 0) {
				fprintf(stderr, "breachcheck ingest: --accept-dropped needs a count of rows\n");
				return BC_EXIT_USAGE;
			}
			o.accept_dropped = v;
			i++;
		} else if (!strcmp(a, "--anonymity") || !strcmp(a, "--threads")) {
			if (i + 1 >= argc || parse_uint(argv[i + 1], a[2] == 'a' ? 1u << 24 : 256, &v) != 0 ||
			    v == 0) {
				fprintf(stderr, "breachcheck ingest: %s needs an integer from 1 to %lu\n", a,
					a[2] == 'a' ? 1ul << 24 : 256ul);
				return BC_EXIT_USAGE;
			}
			i++;
			if (a[2] == 'a')
				o.anonymity = (unsigned)v;
			else
				o.threads = (int)v;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "breachcheck ingest: unknown option %s\n%s", a, usage);
			return BC_EXIT_USAGE;
		} else if (o.input == NULL) {
			o.input = a;
		} else {
			fprintf(stderr, "breachcheck ingest: expected one FILE\n%s", usage);
			return BC_EXIT_USAGE;
		}
	}
	if (o.input == NULL || o.index_dir == NULL || o.key_path == NULL || o.breach == NULL) {
		fprintf(stderr, "breachcheck ingest: FILE, --index, --key and --breach are required\n%s", usage);
		return BC_EXIT_USAGE;
	}
	/* A write to a full or size-limited disk must fail, not kill us half-way. */
	signal(SIGXFSZ, SIG_IGN);
	if (bc_ingest_run(&o, &st, &err) != 0) {
		if (!strcmp(err.code, "no_header")) {
			print_inferred_mapping(o.input);
			return BC_EXIT_USAGE;
		}
		if (st.leak.rows || st.leak.rows_skipped)
			print_rows(&st.leak, 0);
		cli_print_error(&err);
		return !strcmp(err.code, "usage") || !strcmp(err.code, "dropped_rows") ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
	}
	print_rows(&st.leak, o.quiet);
	if (st.index.unsynced)
		fprintf(stderr, "breachcheck: warning: %s is published but its directory could not be synced; "
			"after a crash the previous version may be back (the next ingest publishes this one again)\n",
			o.index_dir);
	/* #14 item 9: say it when the anonymity asked for cannot hold (even quiet) */
	k = o.anonymity ? o.anonymity : BC_DEFAULT_ANONYMITY;
	if (st.index.min_real_entries < k)
		fprintf(stderr,
			"breachcheck: warning: the index is too small for --anonymity %u: its "
			"smallest bucket holds %u real entries (one bucket of fewer than %u public "
			"entries); the page and check state %u\n",
			k, st.index.min_real_entries, k, st.index.min_real_entries);
	if (!o.quiet) {
		fprintf(stderr,
			"breach %s: id %u, %lu rows (%lu dropped), %zu distinct tokens (%zu shared), "
			"%llu patients, %zu lab name(s) withheld from the catalogue\n"
			"index %s -> %s: %zu breach(es), bucket_bits %u, %u entries per bucket "
			"(at least %u real), %zu verified entries, %.1f MB\n"
			"time: read %.1fs, evaluate %.1fs (after reading), state %.1fs, publish %.1fs, "
			"total %.1fs\n"
			"check with: breachcheck check --index %s --key %s --nir ... (or --email, --phone, "
			"--last-name --first-name --dob)\n",
			o.breach, st.breach_id, st.rows, st.rows_skipped, st.tokens, st.shared_tokens,
			(unsigned long long)st.patients, st.sources_withheld, o.index_dir, st.index.path, st.breaches,
			st.index.bucket_bits, st.index.bucket_entries, st.index.min_real_entries,
			st.index.verified_entries, (double)st.index.bytes / 1e6, st.t_read, st.t_eval,
			st.t_state, st.t_publish, st.t_total, o.index_dir, o.key_path);
	}
	return BC_EXIT_OK;
}
