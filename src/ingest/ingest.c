/*
 * bc_ingest_run (ingest.h): the phases of an ingest, in order. Each phase
 * is in its own file (internal.h lists them); this file checks the options
 * and holds the run together.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest/internal.h"
#include "notices/notices.h"
#include "util/parallel.h"
#include "util/digits.h"

static int valid_date(const char *s)
{
	int y, m, d;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	y = (int)bc_digits(s, 4);
	m = (int)bc_digits(s + 5, 2);
	d = (int)bc_digits(s + 8, 2);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	/* Starting with a letter or digit: "." and ".." are no names in a URL path. */
	return n >= 1 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") >= 1;
}

/* Usage checks, before anything is opened. today: "YYYY-MM-DD" (UTC). */
static int check_options(const struct bc_ingest_options *o, char today[16], struct bc_error *err)
{
	time_t tnow = time(NULL);
	struct tm tm;

	int shard_run = o->shards != 0 && !o->shard_publish;
	struct stat sb;

	if (shard_run && (o->input == NULL || o->key_path == NULL || o->breach == NULL))
		return bc_error_set(err, bc_err_usage, "ingest --shard needs FILE, --key KEYFILE and --breach NAME");
	if (!shard_run && (o->input == NULL || o->index_dir == NULL || o->key_path == NULL || o->breach == NULL))
		return bc_error_set(err, bc_err_usage, "ingest needs FILE, --index DIR, --key KEYFILE and --breach NAME");
	if (o->shards > BC_INGEST_MAX_SHARDS || (shard_run && o->shard_index >= o->shards))
		return bc_error_set_field(err, bc_err_usage, o->shard_publish ? "--shards" : "--shard",
					  o->shard_publish ? "--shards N: N from 1 to 1024" :
					  "--shard I/N: N from 1 to 1024 and I from 0 to N-1");
	/* A sharded run reads FILE in every shard and again in publish, and
	 * checks they all read the same bytes (docs/ingest.md "Sharded ingest"). */
	if (o->shards != 0 && (!strcmp(o->input, "-") || stat(o->input, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		err->file = o->input;
		return bc_error_set(err, bc_err_usage, "%s needs FILE to be a regular file (every shard and "
				    "publish read it), not standard input or a pipe",
				    o->shard_publish ? "publish" : "ingest --shard");
	}
	/* The mapping too: its digest is read, then the reader reads it again
	 * (a pipe, e.g. --mapping <(...), would be empty the second time). */
	if (o->shards != 0 && o->mapping != NULL && strcmp(o->mapping, "auto") != 0 &&
	    stat(o->mapping, &sb) == 0 && !S_ISREG(sb.st_mode)) { /* absent: said when opened */
		err->file = o->mapping;
		return bc_error_set_field(err, bc_err_usage, "--mapping", "%s needs --mapping FILE to be a "
					  "regular file (read for its digest, then for the columns), not a pipe",
					  o->shard_publish ? "publish" : "ingest --shard");
	}
	/* --notices reads FILE (and its --mapping) again for the contacts of
	 * the grouped patients, after the index is published: a pipe would be
	 * empty then, so it is refused before anything is read. */
	if (o->notices_dir != NULL && !shard_run &&
	    (!strcmp(o->input, "-") || (stat(o->input, &sb) == 0 && !S_ISREG(sb.st_mode)))) {
		err->file = o->input;
		return bc_error_set_field(err, bc_err_usage, "--notices", "--notices needs FILE to be a regular "
					  "file (read again for the contacts of the notices), not standard input "
					  "or a pipe");
	}
	if (o->notices_dir != NULL && !shard_run && o->mapping != NULL && strcmp(o->mapping, "auto") != 0 &&
	    stat(o->mapping, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		err->file = o->mapping;
		return bc_error_set_field(err, bc_err_usage, "--mapping", "--notices needs --mapping FILE to be a "
					  "regular file (read again with FILE), not a pipe");
	}
	if (!valid_name(o->breach))
		return bc_error_set_field(err, bc_err_usage, "--breach", "--breach NAME: 1 to 64 characters among A-Z a-z 0-9 . _ -, the first a letter or digit");
	if (o->breach_date != NULL && !valid_date(o->breach_date))
		return bc_error_set_field(err, bc_err_usage, "--date", "--date: use YYYY-MM-DD");
	gmtime_r(&tnow, &tm);
	strftime(today, 16, "%Y-%m-%d", &tm);
	if (o->breach_date != NULL && strcmp(o->breach_date, today) > 0)
		return bc_error_set_field(err, bc_err_usage, "--date", "--date: the breach date is in the future");
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_internal, "libsodium failed to initialise");
	return 0;
}

struct ingest *bc_ingest_new(const struct bc_ingest_options *o, double t0, struct bc_error *err)
{
	struct ingest *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	pthread_cond_init(&g->done_cv, NULL);
	atomic_init(&g->evaluated, 0);
	atomic_init(&g->failed, 0);
	g->o = o;
	g->pf = o->progress ? o->progress : stderr;
	g->tty = isatty(fileno(g->pf));
	g->t0 = t0;
	g->last_print = t0;
	g->last_source = SIZE_MAX;
	randombytes_buf(g->hkey, sizeof(g->hkey));
	return g;
}

void bc_ingest_free(struct ingest *g)
{
	if (g == NULL)
		return;
	bc_ingest_eval_abort(g);
	bc_ingest_claims_free(g);
	bc_key_free(g->key);
	bc_ingest_tokens_release(g);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	pthread_cond_destroy(&g->done_cv);
	free(g);
}

/* Parent directory of path (".", "/" or the part before the last '/'). */
static void parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* A directory that will be created if absent (--notices DIR): probe it, or
 * its parent with its name. */
static int check_dir_or_parent(const char *dir, const char *longest, const char *what,
			       struct bc_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(dir, '/');
	struct stat sb;

	if (stat(dir, &sb) == 0)
		return bc_dir_check_writable(dir, longest, strlen(longest) + 16, what, err);
	parent_of(dir, parent, sizeof(parent));
	return bc_dir_check_writable(parent, slash ? slash + 1 : dir, 0, what, err);
}

/* A file written by bc_write_file_atomic ("FILE.tmp-<pid>" beside it, then
 * renamed over it): its directory, and not a directory in its place. */
static int check_file(const char *path, const char *what, struct bc_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return bc_error_set(err, bc_err_not_writable, "%s (%s) is a directory", path, what);
	parent_of(path, parent, sizeof(parent));
	return bc_dir_check_writable(parent, slash ? slash + 1 : path,
				     strlen(slash ? slash + 1 : path) + 12, what, err);
}

/*
 * Every place this run will write, tried before the leak is read and before
 * a breach id is reserved (issue 14 item 13; docs/ingest.md "Before
 * reading"): the index's parent (with the longest name publication
 * creates), the state directory, the notices directory (unless its notices
 * were destroyed: nothing is written there then) and the report file.
 */
static int check_write_targets(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;

	if (bc_index_check_writable(o->index_dir, err) != 0)
		return -1;
	/* breach-<id>.bin and catalogue.json, through "<name>.tmp-<pid>" */
	if (bc_dir_check_writable(r->sdir, "breach-4294967295.bin.tmp", 48,
				  "the state directory of the key", err) != 0)
		return -1;
	if (o->notices_dir != NULL && !bc_notices_destroyed(o->notices_dir) &&
	    check_dir_or_parent(o->notices_dir, "notices.jsonl.tmp", "--notices", err) != 0)
		return -1;
	if (o->report_path != NULL && check_file(o->report_path, "--report", err) != 0)
		return -1;
	return 0;
}

/* Key, state directory (locked), publication lock, catalogue; then the
 * breach id is reserved: ids are never reused, even after a crash. */
static int open_run(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;

	if (bc_key_load(o->key_path, &r->g->key, err) != 0)
		return -1;
	if (bc_ingest_state_dir(o->key_path, r->sdir, sizeof(r->sdir)) != 0)
		return bc_error_set(err, bc_err_usage, "key path too long");
	if (bc_ingest_open_state(r->sdir, &r->lock_fd, err) != 0)
		return -1;
	if (check_write_targets(r, err) != 0)
		return -1;
	if (bc_index_lock(o->index_dir, &r->dir_lock_fd, err) != 0 ||
	    bc_index_check_dir(o->index_dir, err) != 0)
		return -1;
	/* publish: the shard files are checked before a breach id is used up */
	if (o->shards != 0 && bc_ingest_shards_load(r, err) != 0)
		return -1;
	r->cat = bc_ingest_load_catalogue(r->sdir, r->g->key->pk_s, err);
	if (r->cat == NULL)
		return -1;
	bc_ingest_remove_orphan_states(r->sdir, r->cat);
	bc_ingest_next_id_past_published(r->cat, o->index_dir);
	r->id = (uint32_t)json_integer_value(json_object_get(r->cat, "next_id"));
	json_object_set_new(r->cat, "next_id", json_integer((json_int_t)r->id + 1));
	if (bc_ingest_save_catalogue(r->sdir, r->cat, err) != 0)
		return -1;
	r->old_cat = json_deep_copy(r->cat);
	bc_test_kill_point("reserved");
	r->st->breach_id = r->id;
	/* Tokens whose entry may not be published wait until the payloads say
	 * so: a verified token is withheld for a shared mailbox, a minor or an
	 * unlinked row (verified.c), and under public tier none no public
	 * entry is published. Evaluating them would be work thrown away.
	 * (Shards evaluate every token of theirs: publish decides.) */
	if (o->shards == 0)
		r->g->defer_kinds = 1u << BC_TOKEN_VERIFIED;
	if (o->shards == 0 && bc_ingest_public_tier(o) == BC_TIER_NONE)
		r->g->defer_kinds |= BC_INGEST_PUBLIC_KINDS;
	return 0;
}

/* This breach's items (one per distinct token) and catalogue entry. The
 * payloads depend on the rows only, so this runs while the workers are
 * still evaluating; their outputs join the items in finish_evaluation. */
static int aggregate_breach(struct ingest_run *r, struct bc_error *err)
{
	struct ingest *g = r->g;

	r->st->tokens = g->ntok;
	r->st->occurrences = g->nocc;
	if (g->ntok == 0)
		return bc_error_set(err, bc_err_empty, "%s yielded no identifier to index (check the column mapping)",
				    r->o->input);
	r->items = malloc(g->ntok * sizeof(*r->items));
	if (r->items == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	r->n_items = r->cap = g->ntok;
	r->entry = bc_ingest_breach_entry(r->o, r->id, r->today);
	if (bc_ingest_aggregate(g, r->id, r->items, r->entry, r->st, err) != 0)
		return -1;
	r->n_own = g->ntok;
	return 0;
}

/*
 * Items that are not published: the verified entries withheld (kind 0,
 * verified.c), and with public tier none (DESIGN §2.4) every public entry,
 * so that presence itself is not public; only the proof-tier entries
 * (verified, claims) stay, in the index and in the state. The items are this
 * breach's tokens [0, ntok), then its claims, then the other breaches'.
 */
static void drop_public_entries(struct ingest_run *r)
{
	struct ingest *g = r->g;
	size_t i, k = 0, gone;
	int none = bc_ingest_public_tier(r->o) == BC_TIER_NONE;

	for (i = 0; i < g->ntok; i++)
		if (bc_ingest_item_published(r->items[i].payload[1], none))
			r->items[k++] = r->items[i];
	gone = g->ntok - k;
	memmove(r->items + k, r->items + g->ntok, (r->n_items - g->ntok) * sizeof(*r->items));
	r->n_items -= gone;
	r->n_own -= gone;
	sodium_memzero(r->items + r->n_items, gone * sizeof(*r->items));
	json_object_set_new(r->entry, "entries", json_integer((json_int_t)r->n_own));
}

static int finish_evaluation(struct ingest_run *r, struct bc_error *err)
{
	if (r->o->shards != 0) { /* publish: the outputs of the shards */
		if (bc_ingest_shards_join(r, err) != 0)
			return -1;
	} else {
		if (bc_ingest_eval_finish(r->g, r->st, err) != 0 ||
		    bc_ingest_eval_deferred(r->g, r->items, bc_ingest_public_tier(r->o) == BC_TIER_NONE,
					    r->o->threads, r->st, err) != 0)
			return -1;
		bc_ingest_join_outputs(r->g, r->items);
	}
	drop_public_entries(r);
	return 0;
}

static void finish_run(struct ingest_run *r, int failed)
{
	size_t i;


	if (!failed)
		for (i = 0; i < r->n_replaced; i++)
			bc_ingest_remove_breach_state(r->sdir, r->replaced[i]);
	bc_ingest_publish_cleanup(r, failed);
	r->st->t_total = bc_ingest_now() - r->t0;
	free(r->breaches_text);
	if (r->items != NULL) {
		bc_ingest_wipe(r->items, r->cap * sizeof(*r->items), r->o->threads);
		free(r->items);
	}
	json_decref(r->entry);
	json_decref(r->cat);
	json_decref(r->old_cat);
	if (r->dir_lock_fd >= 0)
		close(r->dir_lock_fd);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	bc_ingest_free(r->g);
}

int bc_ingest_run(const struct bc_ingest_options *o, struct bc_ingest_stats *st,
		  struct bc_error *err)
{
	struct ingest_run *r;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	r->o = o;
	r->st = st;
	r->t0 = bc_ingest_now();
	r->lock_fd = r->dir_lock_fd = -1;
	if (check_options(o, r->today, err) == 0 && (r->g = bc_ingest_new(o, r->t0, err)) != NULL &&
	    o->shards != 0 && !o->shard_publish) {
		/* ingest --shard I/N: its shard file, nothing else (shard.c) */
		ret = bc_ingest_shard_run(r, err);
	} else if (r->g != NULL &&
	    open_run(r, err) == 0 &&
	    /* publish reads without evaluating: the outputs are in the shard files */
	    bc_ingest_read(r->g, o->shards != 0 ? 0 : o->threads > 0 ? o->threads : bc_ncpu(), st, err) == 0 &&
	    /* the next three run while the workers evaluate */
	    aggregate_breach(r, err) == 0 &&
	    bc_ingest_claims_build(r, err) == 0 &&
	    bc_ingest_collect_breaches(r, err) == 0 &&
	    finish_evaluation(r, err) == 0 &&
	    bc_ingest_publish_all(r, err) == 0)
		ret = 0;
	/* the index is out: the claims state, then the notices (a failure here
	 * leaves the published index as it is, and says so) */
	if (ret == 0 && (o->shards == 0 || o->shard_publish) && bc_ingest_claims_after_publish(r, err) != 0)
		ret = -2;
	/* publish: the shard files go once everything is done (kept to run
	 * publish again when the notices failed) */
	bc_ingest_shards_finish(r, ret == 0);
	finish_run(r, ret == -1);
	free(r);
	return ret < 0 ? -1 : 0;
}
