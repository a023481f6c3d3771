/*
 * bc_ingest_measure (ingest.h): the read, tokens and evaluate phases timed
 * apart, for bench/index (docs/ingest.md "Performance"). Uses the same
 * phase code as bc_ingest_run; writes nothing. bc_ingest_measure_publish:
 * the publish phase alone, on items the caller gives.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <unistd.h>

#include "ingest/internal.h"
#include "util/parallel.h"

static double process_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The leak reader alone over the file: what `profile` reads. */
static int reader_alone(const struct bc_ingest_options *o, struct bc_ingest_measure *m,
			struct bc_error *err)
{
	struct leak_reader r;
	struct leak_mapping map;
	struct leak_options lo;
	struct bc_record *rec = malloc(sizeof(*rec));
	double t0 = bc_ingest_now(), c0 = bc_ingest_thread_cpu();
	int rc;

	if (rec == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (bc_ingest_reader_options(o, &lo, &map, err) != 0) {
		free(rec);
		return -1;
	}
	if (leak_reader_init(&r, o->input, &lo, err) != 0) {
		free(rec);
		return -1;
	}
	while ((rc = leak_reader_next(&r, rec, err)) == 1)
		;
	leak_reader_release(&r);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	m->reader_wall = bc_ingest_now() - t0;
	m->reader_cpu = bc_ingest_thread_cpu() - c0;
	return rc == 0 ? 0 : -1;
}

/* The reader alone, then reader + tokens phase into a fresh *gp (no
 * evaluation); *gp is the caller's to free, even on failure. */
static int measure_reading(const struct bc_ingest_options *o, struct bc_ingest_measure *m, struct ingest **gp,
			   struct bc_error *err)
{
	struct bc_ingest_stats st;
	struct ingest *g;
	double t0, c0;

	memset(m, 0, sizeof(*m));
	memset(&st, 0, sizeof(st));
	*gp = NULL;
	if (o->input == NULL || o->key_path == NULL)
		return bc_error_set(err, bc_err_usage, "measure needs FILE and --key KEYFILE");
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_internal, "libsodium failed to initialise");
	if (reader_alone(o, m, err) != 0)
		return -1;
	t0 = bc_ingest_now();
	g = *gp = bc_ingest_new(o, t0, err);
	if (g == NULL || bc_key_load(o->key_path, &g->key, err) != 0)
		return -1;
	c0 = bc_ingest_thread_cpu();
	if (bc_ingest_read(g, 0, &st, err) != 0)
		return -1;
	m->scan_wall = bc_ingest_now() - t0;
	m->scan_cpu = bc_ingest_thread_cpu() - c0;
	m->rows = st.rows;
	m->tokens = g->ntok;
	m->occurrences = g->nocc;
	return 0;
}

int bc_ingest_measure_reading(const struct bc_ingest_options *opt, struct bc_ingest_measure *m,
			      struct bc_error *err)
{
	struct bc_ingest_options o = *opt;
	struct ingest *g = NULL;
	int ret;

	o.quiet = 1;
	ret = measure_reading(&o, m, &g, err);
	bc_ingest_free(g);
	return ret;
}

int bc_ingest_measure(const struct bc_ingest_options *opt, struct bc_ingest_measure *m,
		      struct bc_error *err)
{
	struct bc_ingest_options o = *opt;
	struct bc_ingest_stats st;
	struct ingest *g = NULL;
	double t0, c0;
	int ret = -1;

	memset(&st, 0, sizeof(st));
	o.quiet = 1;
	if (measure_reading(&o, m, &g, err) != 0)
		goto out;
	m->threads = o.threads > 0 ? o.threads : bc_ncpu();
	t0 = bc_ingest_now();
	c0 = process_cpu();
	g->t_read_end = t0;
	if (bc_ingest_eval_start(g, m->threads) == 0) {
		bc_error_set(err, bc_err_internal, "cannot start worker threads");
		goto out;
	}
	if (bc_ingest_eval_finish(g, &st, err) != 0)
		goto out;
	m->eval_wall = bc_ingest_now() - t0;
	m->eval_cpu = process_cpu() - c0;
	ret = 0;
out:
	bc_ingest_free(g);
	return ret;
}

int bc_ingest_measure_publish(const struct bc_ingest_options *o, const struct bc_build_item *items,
			      size_t n, struct bc_ingest_publish_measure *m, struct bc_error *err)
{
	struct ingest_run r;
	struct bc_ingest_stats st;
	double t0, c0;
	int ret = -1, failed = 1;

	memset(m, 0, sizeof(*m));
	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	r.o = o;
	r.st = &st;
	r.lock_fd = r.dir_lock_fd = -1;
	if (o->key_path == NULL || o->index_dir == NULL || o->breach == NULL)
		return bc_error_set(err, bc_err_usage, "measure needs --key, --index and --breach");
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_internal, "libsodium failed to initialise");
	r.g = calloc(1, sizeof(*r.g));
	r.items = malloc(n ? n * sizeof(*r.items) : 1);
	if (r.g == NULL || r.items == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	memcpy(r.items, items, n * sizeof(*r.items));
	r.n_items = r.cap = r.n_own = n;
	if (bc_key_load(o->key_path, &r.g->key, err) != 0)
		goto out;
	if (bc_ingest_state_dir(o->key_path, r.sdir, sizeof(r.sdir)) != 0) {
		bc_error_set(err, bc_err_usage, "key path too long");
		goto out;
	}
	if (bc_ingest_open_state(r.sdir, &r.lock_fd, err) != 0 ||
	    bc_index_lock(o->index_dir, &r.dir_lock_fd, err) != 0)
		goto out;
	r.cat = bc_ingest_load_catalogue(r.sdir, r.g->key->pk_s, err);
	if (r.cat == NULL)
		goto out;
	r.id = (uint32_t)json_integer_value(json_object_get(r.cat, "next_id"));
	json_object_set_new(r.cat, "next_id", json_integer((json_int_t)r.id + 1));
	r.old_cat = json_deep_copy(r.cat);
	json_array_append_new(json_object_get(r.cat, "breaches"),
			      json_pack("{s:i, s:s, s:I}", "id", (json_int_t)r.id, "name", o->breach,
					"entries", (json_int_t)n));
	r.breaches_text = strdup("[]");
	if (r.breaches_text == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	t0 = bc_ingest_now();
	c0 = process_cpu();
	failed = bc_ingest_publish_all(&r, err) != 0;
	bc_ingest_publish_cleanup(&r, failed);
	m->wall = bc_ingest_now() - t0;
	m->cpu = process_cpu() - c0;
	m->t_state = st.t_state;
	m->t_publish = st.t_publish;
	m->index = st.index;
	ret = failed ? -1 : 0;
out:
	free(r.breaches_text);
	if (r.items != NULL) {
		sodium_memzero(r.items, n * sizeof(*r.items));
		free(r.items);
	}
	json_decref(r.cat);
	json_decref(r.old_cat);
	if (r.dir_lock_fd >= 0)
		close(r.dir_lock_fd);
	if (r.lock_fd >= 0)
		close(r.lock_fd);
	if (r.g != NULL)
		bc_key_free(r.g->key);
	free(r.g);
	return ret;
}
