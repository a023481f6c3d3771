/*
 * Ingest, read phase (docs/ingest.md): the leak reader (src/leak: dialect,
 * mapping, normalisation, data classes) yields records; each goes to the
 * tokens phase while the evaluation workers run. Also the progress line.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ingest/internal.h"
#include "util/parallel.h"

double bc_ingest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- progress (counts only, never an identifier) ---- */

static void fmt_eta(double s, char *buf, size_t n)
{
	long t = s > 0 && s < 1e7 ? (long)(s + 0.5) : 0;

	snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

void bc_ingest_progress(struct ingest *g, int final)
{
	double t = bc_ingest_now(), el = t - g->t0, frac, rate, est_total;
	size_t ev = atomic_load(&g->evaluated);
	unsigned long rows = (unsigned long)g->nrows;
	char eta[32], bar[41];
	int i, n;

	if (g->o->quiet || (!final && t - g->last_print < (g->tty ? 0.2 : 5.0)))
		return;
	g->last_print = t;
	if (g->o->shards != 0 && g->o->shard_publish) {
		/* publish evaluates nothing: the outputs come from the shard files */
		fprintf(g->pf, "%spublish: rows %lu, tokens %zu read%s", g->tty ? "\r\033[K" : "", rows, g->ntok,
			g->tty && !final ? "" : "\n");
		fflush(g->pf);
		return;
	}
	est_total = (double)g->ntok;
	if (!g->reading_done && g->reader != NULL && g->file_size > 0 && g->reader->stats.bytes > 0)
		est_total = (double)g->ntok * (double)g->file_size / (double)g->reader->stats.bytes;
	frac = est_total > 0 ? (double)ev / est_total : 0;
	if (frac > 1)
		frac = 1;
	rate = el > 0 ? (double)ev / el : 0;
	fmt_eta(rate > 0 ? (est_total - (double)ev) / rate : 0, eta, sizeof(eta));
	if (g->tty) {
		n = (int)(frac * 40);
		for (i = 0; i < 40; i++)
			bar[i] = i < n ? '#' : '-';
		bar[40] = '\0';
		fprintf(g->pf, "\r\033[K[%s] %3d%% rows %lu  tokens %zu/%zu  %.0f tok/s  ETA %s%s", bar,
			(int)(frac * 100), rows, ev, g->ntok, rate, eta, final ? "\n" : "");
	} else if (g->shard_n) {
		/* a shard goes through every token and evaluates only its own (~1/N) */
		fprintf(g->pf, "ingest --shard %u/%u: rows %lu, tokens %zu/%zu done (only this shard's "
			"evaluated), %.0f tokens/s, ETA %s\n", g->shard_i, g->shard_n, rows, ev, g->ntok, rate, eta);
	} else {
		fprintf(g->pf, "ingest: rows %lu, tokens %zu/%zu done, %.0f tokens/s, ETA %s\n",
			rows, ev, g->ntok, rate, eta);
	}
	fflush(g->pf);
}

/*
 * A dropped row held an identifier: its person would be told "not found".
 * Nothing is published unless the operator allowed it (--accept-dropped N).
 */
static int dropped_rows_error(const struct leak_reader *r, const struct bc_ingest_options *o,
			      struct bc_error *err)
{
	const struct leak_stats *s = &r->stats;
	char lines[64];
	size_t k = 0;
	unsigned j;

	lines[0] = '\0';
	for (j = 0; j < 4 && s->drop_lines[LEAK_DROP_NOTHING_USABLE][j]; j++)
		k += (size_t)snprintf(lines + k, sizeof(lines) - k, "%s%lu", j ? ", " : "",
				      s->drop_lines[LEAK_DROP_NOTHING_USABLE][j]);
	err->file = o->input;
	return bc_error_set(err, bc_err_dropped_rows,
			    "%lu dropped row(s) held an identifier (lines %s%s): nothing published; fix the file "
			    "or the mapping, or pass --accept-dropped %lu",
			    s->dropped_with_identifier, lines, s->rows_skipped > 4 ? ", ..." : "",
			    s->dropped_with_identifier);
}

int bc_ingest_reader_options(const struct bc_ingest_options *o, struct leak_options *lo,
			     struct leak_mapping *map, struct bc_error *err)
{
	memset(lo, 0, sizeof(*lo));
	lo->refuse_headerless = 1;
	if (o->mapping != NULL && !strcmp(o->mapping, "auto")) {
		lo->infer = 1;
	} else if (o->mapping != NULL) {
		leak_mapping_init(map);
		if (leak_mapping_load(map, o->mapping, err) != 0)
			return -1;
		lo->mapping = map;
	}
	return 0;
}

double bc_ingest_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bc_ingest_read(struct ingest *g, int nthreads, struct bc_ingest_stats *st,
		   struct bc_error *err)
{
	struct leak_reader r;
	struct leak_mapping map;
	struct leak_options lo;
	struct bc_record *rec = NULL;
	int rc = -1;
	int reader_open = 0;
	size_t nread = 0, done = 0; /* rows read, rows added */
	struct stat sst;
	double cpu0 = bc_ingest_thread_cpu();

	if (bc_ingest_reader_options(g->o, &lo, &map, err) != 0)
		goto out;
	rec = malloc(INGEST_RING * sizeof(*rec));
	if (rec == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	if (leak_reader_init(&r, g->o->input, &lo, err) != 0)
		goto out;
	reader_open = 1;
	g->reader = &r;
	if (strcmp(g->o->input, "-") != 0 && stat(g->o->input, &sst) == 0) {
		g->file_size = sst.st_size;
		bc_ingest_tokens_presize(g, (uint64_t)sst.st_size);
	}
	if (nthreads > 0 && bc_ingest_eval_start(g, nthreads) == 0) {
		bc_error_set(err, bc_err_internal, "cannot start worker threads");
		goto out;
	}
	/* Rows are read INGEST_RING ahead of the tokens phase (internal.h):
	 * the memory a row's tokens need is fetched while the reader reads
	 * the next rows. Rows are still added, and the hook called, one by one
	 * in file order; after a reader error the rows read before it are
	 * added, as they were. */
	rc = 1;
	while (rc == 1 || done < nread) {
		int b;

		if (rc == 1 && nread - done < INGEST_RING) {
			b = (int)(nread % INGEST_RING);
			if ((rc = leak_reader_next(&r, &rec[b], err)) != 1)
				continue;
			bc_ingest_stage_record(g, b, &rec[b]);
			nread++;
			if (nread > INGEST_AHEAD_TOKENS)
				bc_ingest_prefetch_tokens(g, (int)((nread - 1 - INGEST_AHEAD_TOKENS) % INGEST_RING));
			if (nread > INGEST_AHEAD_INPUTS)
				bc_ingest_prefetch_inputs(g, (int)((nread - 1 - INGEST_AHEAD_INPUTS) % INGEST_RING));
			continue;
		}
		b = (int)(done % INGEST_RING);
		done++;
		if (bc_ingest_commit_record(g, b, &rec[b], err) != 0 ||
		    (g->o->on_record && g->o->on_record(g->o->hook_arg, &rec[b], err) != 0)) {
			rc = -1;
			break;
		}
		if ((g->nrows & 4095) == 0)
			bc_ingest_progress(g, 0);
		if (g->nrows == 100)
			bc_test_kill_point("reading");
	}
	/* the last rows read, as records and as staged token inputs (in clear) */
	sodium_memzero(rec, INGEST_RING * sizeof(*rec));
	sodium_memzero(g->pend, sizeof(g->pend));
	g->t_read_end = bc_ingest_now();
	st->t_read = g->t_read_end - g->t0;
	st->t_read_cpu = bc_ingest_thread_cpu() - cpu0;
	st->rows = r.stats.rows;
	st->rows_skipped = r.stats.rows_skipped;
	st->leak = r.stats;
	if (rc == 0 && r.stats.dropped_with_identifier > g->o->accept_dropped)
		rc = dropped_rows_error(&r, g->o, err);
	bc_ingest_eval_reading_done(g);
	if (rc == 0 && g->o->after_read && g->o->after_read(g->o->hook_arg, &r, bc_ingest_group(g), err) != 0)
		rc = -1;
	if (rc != 0) {
		bc_ingest_eval_abort(g);
		goto out;
	}
	bc_test_kill_point("read");
out:
	g->reader = NULL;
	if (reader_open)
		leak_reader_release(&r);
	free(rec);
	return rc == 0 ? 0 : -1;
}
