#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "group/group.h"
#include "index/index.h"
#include "leak/reader.h"
#include "ingest/ingest.h"
#include "leak/profile.h"
#include "opreport/opreport.h"
#include "report/report.h"
#include "vocab/vocab.h"

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
	"  --title TEXT           title shown to people, in French (default: NAME)\n"
	"  --title-en TEXT        the same title in English\n"
	"  --date YYYY-MM-DD      date of the breach\n"
	"  --description TEXT     what happened, in French\n"
	"  --description-en TEXT  the same in English\n"
	"  --sensitive            the file holds health data: by default a public check\n"
	"                         shows nothing of it (public tier none); the rest needs a\n"
	"                         proof. Needs --controller, --dpo-contact and --complaint-url\n"
	"  --public-tier TIER     what knowing an identifier shows (docs/ingest.md):\n"
	"                         full (the non-medical details; default), classes (found\n"
	"                         and data classes 0-11), none (nothing: only a claim code\n"
	"                         or email verification opens it; default with --sensitive)\n"
	"  --not-sensitive        ingest even if the comments look medical (without either,\n"
	"                         ingest stops when it finds medical comments)\n"
	"  --controller TEXT      who is responsible for the data (the data controller)\n"
	"  --dpo-contact CONTACT  its data-protection officer: an email address or an\n"
	"                         https:// address\n"
	"  --complaint-url URL    where people can complain: an https:// address\n"
	"  --report FILE          write a report to look at (HTML: the profile's figures,\n"
	"                         tokens, buckets, timings; no identifier)\n"
	"  --lang fr|en           language of the report (default from LANG)\n"
	"  --mapping FILE         column mapping (docs/leak-files.md); \"auto\": the columns of a\n"
	"                         file without a header mapped from their content\n"
	"  --accept-dropped N     publish even if up to N dropped rows held an identifier\n"
	"  --notices DIR          one claim code per patient and the encrypted notices for\n"
	"                         the letters and emails of breachcheck notify (docs/notify.md)\n"
	"  --new-codes            draw new claim codes: the codes of letters already sent stop working\n"
	"  --anonymity K          at least K real entries per bucket (default 1024)\n"
	"  --threads N            evaluation threads (default: all cores)\n"
	"  --quiet                no progress output\n"
	"\n"
	"Sharded (docs/ingest.md \"Sharded ingest\"): the evaluation split over N processes\n"
	"or machines sharing KEYFILE.state/, then breachcheck publish:\n"
	"  breachcheck ingest FILE --key KEYFILE --breach NAME --shard I/N\n"
	"      [--mapping FILE|auto] [--accept-dropped N] [--threads N] [--quiet]\n"
	"  --shard I/N            read all of FILE (a regular file), evaluate only the\n"
	"                         tokens of shard I (0 <= I < N <= 1024) and write\n"
	"                         KEYFILE.state/shards/NAME/shard-I-of-N.bin; nothing is\n"
	"                         published. The N shards may run at the same time.\n";

static const char publish_usage[] =
	"usage: breachcheck publish FILE --index DIR --key KEYFILE --breach NAME --shards N [options]\n"
	"\n"
	"The end of a sharded ingest (docs/ingest.md \"Sharded ingest\"): once every\n"
	"breachcheck ingest FILE --key KEYFILE --breach NAME --shard I/N (I = 0 .. N-1) has\n"
	"written its shard file, read FILE again without evaluating, check that the N\n"
	"shard files are all there, made from the same FILE and --mapping with this key,\n"
	"and hold every token of FILE; then do what ingest does: group the patients over\n"
	"all rows, claim codes, verified entries, notices, and publish the index at DIR.\n"
	"The shard files are removed once published. A missing, damaged or stale shard\n"
	"stops it before anything is published (exit 3), naming the shard file.\n"
	"\n"
	"  --shards N             the N of the shards' --shard I/N (1 to 1024)\n"
	"  (every other option of breachcheck ingest: --title, --date, --sensitive,\n"
	"  --public-tier, --notices, --new-codes, --report, --mapping, --accept-dropped, ...;\n"
	"  --mapping must be the shards' own; see breachcheck ingest --help)\n";

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

	if (!strcmp(input, "-")) {
		/* standard input cannot be read twice */
		fprintf(stderr, "breachcheck ingest: the input has no header row. Save it to a file and run\n"
				"breachcheck profile on it to see the columns its content tells (a mapping file to\n"
				"check and pass with --mapping FILE), or accept them unseen with --mapping auto.\n");
		return;
	}
	if (leak_reader_init(&r, input, &lo, &err) != 0)
		return;
	fprintf(stderr, "breachcheck ingest: %s has no header row. The columns, as their content tells them:\n\n",
		input);
	leak_inference_write_mapping(&r, input, stderr);
	fprintf(stderr, "\nEither save the lines above as a file (e.g. leak.map), check and edit them, and pass\n"
			"--mapping leak.map; or accept them as they stand with --mapping auto.\n");
	leak_reader_release(&r);
}

/*
 * The CLI's hooks into ingest: the profile of the file as it is read (the
 * report's figures, the same code as `profile`), and the sensitivity
 * safeguard once it is read (issue 17).
 */
struct hooks {
	struct leak_profile prof;
	struct bc_group *empty; /* a grouping of no row, when ingest read none */
	json_t *profile;        /* leak_profile_to_json, after reading */
	const char *input;
	const char *cmd;        /* "ingest" or "publish": the command to run again */
	int sensitivity;        /* 1 --sensitive, 0 --not-sensitive, -1 neither */
	int medical_stop;       /* after_read refused: medical comments, no choice made */
};

static int on_record(void *arg, const struct bc_record *rec, struct bc_error *err)
{
	struct hooks *h = arg;

	return leak_profile_add(&h->prof, rec, err);
}

static const unsigned categories[] = {
	BC_CLASS_PREGNANCY, BC_CLASS_HIV, BC_CLASS_HEPATITIS, BC_CLASS_OTHER_MEDICAL,
};

static int after_read(void *arg, const struct leak_reader *r, struct bc_group *grp, struct bc_error *err)
{
	struct hooks *h = arg;
	unsigned long found = 0;
	size_t i;

	/* the profile's patients are ingest's own (one grouping of the rows, not two) */
	if (!grp && !h->empty && bc_group_new(&h->empty, NULL, 0, err) != 0)
		return -1;
	if (cli_profile_patients(&h->prof, grp ? grp : h->empty, err) != 0)
		return -1;
	h->profile = leak_profile_to_json(&h->prof, r, h->input);
	if (!h->profile)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		found += h->prof.class_rows[categories[i]];
	if (found && h->sensitivity < 0) {
		h->medical_stop = 1;
		return bc_error_set(err, bc_err_usage, "%s stopped: the comments hold medical "
				    "information; say --sensitive or --not-sensitive. Nothing was "
				    "published", h->cmd);
	}
	return 0;
}

/* What the classifier found, counts only (never a value), and the choice. */
static void explain_medical(const struct hooks *h)
{
	const struct leak_profile *p = &h->prof;
	const struct bc_vocab_entry *e;
	size_t i;

	fputs("\nThe comments of this file hold medical information. The comment classifier "
	      "counted\n(no value is shown):\n", stderr);
	for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
		if (!p->class_rows[categories[i]])
			continue;
		e = bc_class_entry(categories[i]);
		fprintf(stderr, "  %-28s %8lu people, %8lu rows\n", e ? e->en : "?",
			p->class_patients[categories[i]], p->class_rows[categories[i]]);
	}
	fprintf(stderr, "  %-28s %8lu people, %8lu rows\n", "any medical comment",
		p->class_patients[BC_CLASS_MEDICAL_COMMENT], p->class_rows[BC_CLASS_MEDICAL_COMMENT]);
	fputs("\nPublished as not sensitive, anyone who knows a person's NIR, email or phone\n"
	      "would see their rows, dates and lab: that they were a patient there.\n", stderr);
	fprintf(stderr, "Run %s again with one of:\n", h->cmd);
	fputs("  --sensitive      (recommended) a search by identifier shows nothing of this\n"
	      "                   breach; a letter's claim code or email verification shows\n"
	      "                   the person their record (--public-tier, docs/ingest.md);\n"
	      "                   give also --controller, --dpo-contact and --complaint-url\n"
	      "  --not-sensitive  only if you are sure these comments are not about health\n",
	      stderr);
}

static const char *const token_kinds[] = { NULL, "nir", "namedob", "email", "phone",
					   "verified", "claim", NULL };

/* ingest --report: the profile's object plus what ingest adds (docs/report.md). */
static int write_report(const char *path, json_t *profile, const struct bc_ingest_options *o,
			const struct bc_ingest_stats *st, enum bc_report_lang lang,
			struct bc_error *err)
{
	json_t *g = json_object(), *tok = json_object(), *sh = json_object();
	json_t *bk = json_object(), *tm = json_object(), *rt = json_object();
	size_t k;
	int ret;

	for (k = 1; token_kinds[k]; k++) {
		if (!st->tokens_by_kind[k])
			continue;
		json_object_set_new(tok, token_kinds[k], json_integer((json_int_t)st->tokens_by_kind[k]));
		json_object_set_new(sh, token_kinds[k], json_integer((json_int_t)st->shared_by_kind[k]));
	}
	json_object_set_new(g, "breach", json_string(o->breach));
	json_object_set_new(g, "breach_id", json_integer(st->breach_id));
	json_object_set_new(g, "sensitive", json_boolean(o->sensitive));
	json_object_set_new(g, "pwn_count", json_integer((json_int_t)st->patients));
	json_object_set_new(g, "sources_withheld", json_integer((json_int_t)st->sources_withheld));
	json_object_set_new(g, "tokens", tok);
	json_object_set_new(g, "shared_tokens", sh);
	json_object_set_new(bk, "bucket_bits", json_integer(st->index.bucket_bits));
	json_object_set_new(bk, "buckets", json_integer((json_int_t)1 << st->index.bucket_bits));
	json_object_set_new(bk, "entries_per_bucket", json_integer(st->index.bucket_entries));
	json_object_set_new(bk, "min_real_entries", json_integer(st->index.min_real_entries));
	json_object_set_new(bk, "anonymity_asked", json_integer(o->anonymity ? o->anonymity : 1024));
	json_object_set_new(bk, "verified_entries", json_integer((json_int_t)st->index.verified_entries));
	json_object_set_new(bk, "breaches_in_index", json_integer((json_int_t)st->breaches));
	json_object_set_new(bk, "index_bytes", json_integer((json_int_t)st->index.bytes));
	json_object_set_new(g, "buckets", bk);
	json_object_set_new(tm, "read", json_real(st->t_read));
	json_object_set_new(tm, "evaluation", json_real(st->t_eval + st->t_deferred));
	json_object_set_new(tm, "state", json_real(st->t_state));
	json_object_set_new(tm, "publish", json_real(st->t_publish));
	json_object_set_new(tm, "total", json_real(st->t_total));
	json_object_set_new(g, "timings_s", tm);
	if (st->t_total > 0) {
		json_object_set_new(rt, "rows_per_s", json_real((double)st->rows / st->t_total));
		json_object_set_new(rt, "tokens_per_s", json_real((double)st->tokens / st->t_total));
	}
	json_object_set_new(g, "rates", rt);
	json_object_set_new(profile, "ingest", g);
	ret = bc_opreport_write_html_file(path, profile, lang, err);
	return ret;
}

/* --shard I/N (ingest) or --shards N (publish, o->shard_publish set) into o.
 * Returns 0, or -1 when s is not that. */
static int parse_shard(const char *s, struct bc_ingest_options *o)
{
	unsigned long i = 0, n;
	const char *slash;
	char part[16];

	if (s == NULL)
		return -1;
	if (!o->shard_publish) {
		slash = strchr(s, '/');
		if (slash == NULL || (size_t)(slash - s) >= sizeof(part))
			return -1;
		memcpy(part, s, (size_t)(slash - s));
		part[slash - s] = '\0';
		if (parse_uint(part, BC_INGEST_MAX_SHARDS, &i) != 0)
			return -1;
		s = slash + 1;
	}
	if (parse_uint(s, BC_INGEST_MAX_SHARDS, &n) != 0 || n == 0 || i >= n)
		return -1;
	o->shards = (unsigned)n;
	o->shard_index = (unsigned)i;
	return 0;
}

/* The options into o (zeroed by the caller), report and lang_arg (the
 * strings of --report and --lang) and not_sensitive. Returns -1 when they
 * are right, else the exit status, the message printed. */
static int ingest_parse(const char *cmd, int argc, char **argv, struct bc_ingest_options *o, const char **report,
			const char **lang_arg, int *not_sensitive)
{
	const char *use = o->shard_publish ? publish_usage : usage;
	unsigned long v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (!strcmp(a, "--index"))
			dst = &o->index_dir;
		else if (!strcmp(a, "--key"))
			dst = &o->key_path;
		else if (!strcmp(a, "--breach"))
			dst = &o->breach;
		else if (!strcmp(a, "--title"))
			dst = &o->title;
		else if (!strcmp(a, "--date"))
			dst = &o->breach_date;
		else if (!strcmp(a, "--description"))
			dst = &o->description;
		else if (!strcmp(a, "--title-en"))
			dst = &o->title_en;
		else if (!strcmp(a, "--description-en"))
			dst = &o->description_en;
		else if (!strcmp(a, "--report"))
			dst = report;
		else if (!strcmp(a, "--lang"))
			dst = lang_arg;
		else if (!strcmp(a, "--controller"))
			dst = &o->controller;
		else if (!strcmp(a, "--dpo-contact"))
			dst = &o->dpo_contact;
		else if (!strcmp(a, "--complaint-url"))
			dst = &o->complaint_url;
		else if (!strcmp(a, "--mapping"))
			dst = &o->mapping;
		else if (!strcmp(a, "--notices"))
			dst = &o->notices_dir;
		if (dst != NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "breachcheck %s: %s needs a value\n", cmd, a);
				return BC_EXIT_USAGE;
			}
			*dst = argv[++i];
		} else if (!strcmp(a, "--sensitive")) {
			o->sensitive = 1;
		} else if (!strcmp(a, "--not-sensitive")) {
			*not_sensitive = 1;
		} else if (!strcmp(a, "--new-codes")) {
			o->new_codes = 1;
		} else if (!strcmp(a, "--public-tier")) {
			if (i + 1 >= argc || (o->public_tier = bc_public_tier_parse(argv[i + 1])) == BC_TIER_DEFAULT) {
				fprintf(stderr, "breachcheck %s: --public-tier needs full, classes or none\n", cmd);
				return BC_EXIT_USAGE;
			}
			i++;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = 1;
		} else if (!strcmp(a, "--accept-dropped")) {
			if (i + 1 >= argc || parse_uint(argv[i + 1], 1ul << 30, &v) != 0) {
				fprintf(stderr, "breachcheck %s: --accept-dropped needs a count of rows\n", cmd);
				return BC_EXIT_USAGE;
			}
			o->accept_dropped = v;
			i++;
		} else if (!strcmp(a, "--anonymity") || !strcmp(a, "--threads")) {
			if (i + 1 >= argc || parse_uint(argv[i + 1], a[2] == 'a' ? 1u << 24 : 256, &v) != 0 ||
			    v == 0) {
				fprintf(stderr, "breachcheck %s: %s needs an integer from 1 to %lu\n", cmd, a,
					a[2] == 'a' ? 1ul << 24 : 256ul);
				return BC_EXIT_USAGE;
			}
			i++;
			if (a[2] == 'a')
				o->anonymity = (unsigned)v;
			else
				o->threads = (int)v;
		} else if (!strcmp(a, o->shard_publish ? "--shards" : "--shard")) {
			if (parse_shard(i + 1 < argc ? argv[i + 1] : NULL, o) != 0) {
				fprintf(stderr, "breachcheck %s: %s\n", cmd, o->shard_publish ?
					"--shards needs N from 1 to 1024 (the N of the shards' --shard I/N)" :
					"--shard needs I/N with 0 <= I < N <= 1024");
				return BC_EXIT_USAGE;
			}
			i++;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "breachcheck %s: unknown option %s\n%s", cmd, a, use);
			return BC_EXIT_USAGE;
		} else if (o->input == NULL) {
			o->input = a;
		} else {
			fprintf(stderr, "breachcheck %s: expected one FILE\n%s", cmd, use);
			return BC_EXIT_USAGE;
		}
	}
	return -1;
}

/* After a run that published: the rows read, the warnings, and (unless
 * --quiet) what was published and how long it took. */
static void ingest_summary(const struct bc_ingest_options *o, const struct bc_ingest_stats *st)
{
	unsigned k;

	print_rows(&st->leak, o->quiet);
	if (st->index.unsynced)
		fprintf(stderr, "breachcheck: warning: %s is published but its directory could not be synced; "
			"after a crash the previous version may be back (the next ingest publishes this one again)\n",
			o->index_dir);
	/* #14 item 9: say it when the anonymity asked for cannot hold (even quiet) */
	k = o->anonymity ? o->anonymity : BC_DEFAULT_ANONYMITY;
	/* an index with no public entry at all (public tier none everywhere)
	 * has no anonymity set to keep: every check goes through the proof tier */
	if (st->index.min_real_entries < k && st->index.public_entries > 0)
		fprintf(stderr,
			"breachcheck: warning: the index is too small for --anonymity %u: its "
			"smallest bucket holds %u real entries (one bucket of fewer than %u public "
			"entries); the page and check state %u\n",
			k, st->index.min_real_entries, k, st->index.min_real_entries);
	if (!o->quiet) {
		fprintf(stderr,
			"verified entries (NIR + email, docs/verify.md): %zu; withheld: %zu shared mailbox, "
			"%zu only sampled before 18, %zu without one patient and a date of birth\n",
			st->verified, st->verified_shared, st->verified_minor, st->verified_unlinked);
		fprintf(stderr,
			"breach %s: id %u, %lu rows (%lu dropped), %zu distinct tokens (%zu shared), "
			"%llu patients, %zu lab name(s) withheld from the catalogue\n"
			"index %s -> %s: %zu breach(es), bucket_bits %u, %u entries per bucket "
			"(at least %u real), %zu verified entries, %.1f MB\n"
			"time: read %.1fs, evaluate %.1fs (after reading), state %.1fs, publish %.1fs, "
			"total %.1fs\n"
			"check with: breachcheck check --index %s --key %s --nir ... (or --email, --phone, "
			"--last-name --first-name --dob)\n",
			o->breach, st->breach_id, st->rows, st->rows_skipped, st->tokens, st->shared_tokens,
			(unsigned long long)st->patients, st->sources_withheld, o->index_dir, st->index.path, st->breaches,
			st->index.bucket_bits, st->index.bucket_entries, st->index.min_real_entries,
			st->index.verified_entries, (double)st->index.bytes / 1e6, st->t_read, st->t_eval + st->t_deferred, st->t_state, st->t_publish, st->t_total,
			o->index_dir, o->key_path);
		if (!o->shards && st->evaluated < st->tokens)
			fprintf(stderr, "OPRF evaluations: %zu of the %zu distinct tokens; the others are "
				"never published (withheld verified entries%s)\n", st->evaluated, st->tokens,
				bc_ingest_public_tier(o) == BC_TIER_NONE ? ", and every public one: public tier none" : "");
		if (o->shards)
			fprintf(stderr, "shards: the OPRF outputs of the %zu tokens came from %u shard files "
				"(%.1fs to join them); the shard files are removed\n", st->shard_tokens, o->shards,
				st->t_eval);
		if (st->claims)
			fprintf(stderr, "claim codes: %zu patients (%zu kept from earlier runs)%s\n", st->claims,
				st->claims_kept, o->notices_dir ? "" : "; no --notices: no new code was issued");
		if (st->group_patients) {
			size_t why, shown = 0;

			fprintf(stderr, "patients (DESIGN §10 grouping): %zu; rows no patient holds: %zu", st->group_patients,
				st->group_unlinked);
			for (why = 1; why < BC_GROUP_REASONS; why++)
				if (st->group_unlinked_why[why])
					fprintf(stderr, "%s%zu: %s", shown++ ? "; " : " (", st->group_unlinked_why[why],
						bc_group_reason_text((enum bc_group_reason)why));
			fprintf(stderr, "%s\n", st->group_unlinked ? "): they get no letter" : "");
		}
		if (o->notices_dir)
			fprintf(stderr, "notices: %zu written to %s/notices.jsonl (encrypted, %zu with a code); "
				"next: breachcheck notify %s --letters\n", st->notices, o->notices_dir,
				st->notices_with_code, o->notices_dir);
	}
}

/* ingest --shard I/N: only the options that change what is read and
 * evaluated; the rest belongs to publish. Returns -1 when right, else the
 * exit status (message printed). */
static int shard_options(const struct bc_ingest_options *o, const char *report, const char *lang,
			 int not_sensitive)
{
	const char *bad = o->index_dir ? "--index" : o->title ? "--title" : o->title_en ? "--title-en" :
			  o->breach_date ? "--date" : o->description ? "--description" :
			  o->description_en ? "--description-en" : o->sensitive ? "--sensitive" :
			  not_sensitive ? "--not-sensitive" : o->public_tier ? "--public-tier" :
			  o->controller ? "--controller" : o->dpo_contact ? "--dpo-contact" :
			  o->complaint_url ? "--complaint-url" : o->notices_dir ? "--notices" :
			  o->new_codes ? "--new-codes" : report ? "--report" : lang ? "--lang" :
			  o->anonymity ? "--anonymity" : NULL;

	if (bad == NULL)
		return -1;
	fprintf(stderr, "breachcheck ingest: %s is an option of breachcheck publish: a shard writes only its "
		"shard file (docs/ingest.md \"Sharded ingest\")\n", bad);
	return BC_EXIT_USAGE;
}

/* After ingest --shard I/N: what was written and what comes next. */
static void shard_summary(const struct bc_ingest_options *o, const struct bc_ingest_stats *st)
{
	print_rows(&st->leak, o->quiet);
	if (o->quiet)
		return;
	fprintf(stderr,
		"shard %u of %u of breach %s: %lu rows (%lu dropped), %zu distinct tokens in the file, "
		"%zu evaluated in this shard\n"
		"written: %s.state/shards/%s/shard-%u-of-%u.bin\n"
		"time: read %.1fs, evaluate %.1fs (after reading), total %.1fs\n"
		"next, once the %u shards are written: breachcheck publish %s --index DIR --key %s "
		"--breach %s --shards %u [the catalogue options]\n",
		o->shard_index, o->shards, o->breach, st->rows, st->rows_skipped, st->tokens, st->shard_tokens,
		o->key_path, o->breach, o->shard_index, o->shards, st->t_read, st->t_eval, st->t_total, o->shards,
		o->input, o->key_path, o->breach, o->shards);
}

/* ingest (publish 0) and publish (1): the same options and run. */
static int run_ingest(int argc, char **argv, int publish)
{
	const char *cmd = publish ? "publish" : "ingest";
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	struct hooks h;
	enum bc_report_lang lang = bc_report_lang_from_env();
	const char *report = NULL, *lang_arg = NULL;
	int rc = BC_EXIT_USAGE, not_sensitive = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(publish ? publish_usage : usage, stdout);
		return BC_EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	memset(&h, 0, sizeof(h));
	o.shard_publish = publish;
	rc = ingest_parse(cmd, argc, argv, &o, &report, &lang_arg, &not_sensitive);
	if (rc >= 0)
		return rc;
	rc = BC_EXIT_USAGE;
	if (o.shards != 0 && !publish) {
		if ((rc = shard_options(&o, report, lang_arg, not_sensitive)) >= 0)
			return rc;
		if (o.input == NULL || o.key_path == NULL || o.breach == NULL) {
			fprintf(stderr, "breachcheck ingest: FILE, --key and --breach are required with --shard\n%s",
				usage);
			return BC_EXIT_USAGE;
		}
		signal(SIGXFSZ, SIG_IGN);
		if (bc_ingest_run(&o, &st, &err) != 0) {
			if (!strcmp(err.code, "no_header")) {
				print_inferred_mapping(o.input);
				return BC_EXIT_USAGE;
			}
			if (st.leak.rows || st.leak.rows_skipped)
				print_rows(&st.leak, 0);
			cli_print_error(&err);
			return !strcmp(err.code, "usage") || !strcmp(err.code, "dropped_rows") ? BC_EXIT_USAGE
												 : BC_EXIT_FAILURE;
		}
		shard_summary(&o, &st);
		return BC_EXIT_OK;
	}
	if (o.input == NULL || o.index_dir == NULL || o.key_path == NULL || o.breach == NULL ||
	    (publish && o.shards == 0)) {
		fprintf(stderr, "breachcheck %s: FILE, --index, --key%s are required\n%s", cmd,
			publish ? ", --breach and --shards" : " and --breach", publish ? publish_usage : usage);
		return BC_EXIT_USAGE;
	}
	if (o.sensitive && not_sensitive) {
		fprintf(stderr, "breachcheck %s: --sensitive and --not-sensitive: choose one\n", cmd);
		return BC_EXIT_USAGE;
	}
	if (lang_arg && bc_report_lang_parse(lang_arg, &lang)) {
		fprintf(stderr, "breachcheck %s: --lang must be fr or en\n", cmd);
		return BC_EXIT_USAGE;
	}
	if (bc_ingest_check_catalogue(&o, &err)) {
		cli_print_error(&err);
		return BC_EXIT_USAGE;
	}
	if (leak_profile_init_grouped(&h.prof, &err)) {
		cli_print_error(&err);
		leak_profile_release(&h.prof);
		return BC_EXIT_FAILURE;
	}
	h.input = o.input;
	h.cmd = cmd;
	h.sensitivity = o.sensitive ? 1 : not_sensitive ? 0 : -1;
	o.on_record = on_record;
	o.after_read = after_read;
	o.hook_arg = &h;
	/* What the chosen tier discloses to anyone who knows someone's identifier (DESIGN §2.4). */
	if (bc_ingest_public_tier(&o) == BC_TIER_CLASSES)
		fprintf(stderr, "breachcheck %s: warning: public tier classes: anyone who knows a person's NIR, "
			"email, phone, or name and date of birth learns that this person is in breach %s and which "
			"data classes of theirs leaked%s\n", cmd, o.breach,
			o.sensitive ? "; for a sensitive breach presence itself is sensitive (--public-tier none "
				      "shows nothing)" : "");
	else if (bc_ingest_public_tier(&o) == BC_TIER_FULL && o.sensitive)
		fprintf(stderr, "breachcheck %s: warning: public tier full on a sensitive breach: anyone who "
			"knows a person's identifier sees that they are in it, the number of rows, the period and "
			"the labs\n", cmd);
	/* The report is written after the run; ingest checks its place first. */
	o.report_path = report;
	/* A write to a full or size-limited disk must fail, not kill us half-way. */
	signal(SIGXFSZ, SIG_IGN);
	if (bc_ingest_run(&o, &st, &err) != 0) {
		if (!strcmp(err.code, "no_header")) {
			print_inferred_mapping(o.input);
			rc = BC_EXIT_USAGE;
			goto out;
		}
		if (st.leak.rows || st.leak.rows_skipped)
			print_rows(&st.leak, 0);
		cli_print_error(&err);
		if (h.medical_stop)
			explain_medical(&h);
		rc = !strcmp(err.code, "usage") || !strcmp(err.code, "dropped_rows") ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
		goto out;
	}
	ingest_summary(&o, &st);
	rc = BC_EXIT_OK;
	if (report) {
		if (write_report(report, h.profile, &o, &st, lang, &err)) {
			cli_print_error(&err);
			rc = BC_EXIT_FAILURE;
		} else if (!o.quiet) {
			fprintf(stderr, "report: %s\n", report);
		}
	}
out:
	json_decref(h.profile);
	leak_profile_release(&h.prof);
	bc_group_free(h.empty);
	return rc;
}

int cmd_ingest(int argc, char **argv)
{
	return run_ingest(argc, argv, 0);
}

int cmd_publish(int argc, char **argv)
{
	return run_ingest(argc, argv, 1);
}
