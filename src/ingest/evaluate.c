/*
 * Ingest, evaluate phase (RFC 9497 §3.3.2 Evaluate, §3.3.3 for POPRF;
 * DESIGN.md §4): a pool of workers takes chunks of EVAL_CHUNK tokens from
 * [next, ready) while the reader interns more; VOPRF under skS for kinds
 * 1-4, batched POPRF under skV (info = the email) for kind 5.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/internal.h"
#include "oprf/oprf.h"
#include "util/parallel.h"

void bc_ingest_eval_ready(struct ingest *g)
{
	pthread_mutex_lock(&g->mu);
	g->ready = g->ntok;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void eval_verified(struct ingest *g, size_t nv, const uint8_t **in, const size_t *in_len,
			  const uint8_t **info, const size_t *info_len, const size_t *which)
{
	uint8_t out[OPRF_MAX_BATCH][OPRF_OUTPUT_BYTES];
	size_t i;

	if (nv == 0)
		return;
	if (oprf_evaluate_poprf_batch(g->key->sk_v, nv, in, in_len, info, info_len, out[0]) == 0) {
		for (i = 0; i < nv; i++)
			memcpy(tok_at(g, which[i])->y, out[i], OPRF_OUTPUT_BYTES);
	} else {
		for (i = 0; i < nv; i++)
			if (oprf_evaluate(OPRF_MODE_POPRF, g->key->sk_v, in[i], in_len[i], info[i],
					  info_len[i], tok_at(g, which[i])->y) != 0)
				atomic_store(&g->failed, 1);
	}
	sodium_memzero(out, sizeof(out));
}

/*
 * Evaluate tokens [b, e), or ids[b..e) when ids is not NULL; kinds in
 * skip (bit 1 << kind) are left alone. Returns the evaluations done.
 */
static size_t eval_chunk(struct ingest *g, size_t b, size_t e, const uint32_t *ids, uint32_t skip)
{
	const uint8_t *in[OPRF_MAX_BATCH], *info[OPRF_MAX_BATCH];
	size_t in_len[OPRF_MAX_BATCH], info_len[OPRF_MAX_BATCH], which[OPRF_MAX_BATCH];
	size_t i, nv = 0, done = 0;

	for (i = b; i < e; i++) {
		size_t id = ids ? ids[i] : i;
		struct tok *t = tok_at(g, id);

		if (g->shard_n != 0 && !bc_ingest_shard_mine(g, t))
			continue; /* ingest --shard: another shard's token */
		if (skip & (1u << t->kind))
			continue;
		done++;
		if (t->kind == BC_TOKEN_VERIFIED) {
			in[nv] = (const uint8_t *)t->s;
			in_len[nv] = t->len;
			info[nv] = (const uint8_t *)t->s + t->len;
			info_len[nv] = t->info_len;
			which[nv++] = id;
			if (nv == OPRF_MAX_BATCH) {
				eval_verified(g, nv, in, in_len, info, info_len, which);
				nv = 0;
			}
		} else if (oprf_evaluate(OPRF_MODE_VOPRF, g->key->sk_s, (const uint8_t *)t->s, t->len,
					 NULL, 0, t->y) != 0) {
			atomic_store(&g->failed, 1);
		}
	}
	eval_verified(g, nv, in, in_len, info, info_len, which);
	return done;
}

static void *eval_worker(void *arg)
{
	struct ingest *g = arg;
	size_t b, e;
	double cpu;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		if (g->next < g->ready) {
			b = g->next;
			e = b + EVAL_CHUNK < g->ready ? b + EVAL_CHUNK : g->ready;
			g->next = e;
			pthread_mutex_unlock(&g->mu);
			atomic_fetch_add(&g->n_evaluated, eval_chunk(g, b, e, NULL, g->defer_kinds));
			atomic_fetch_add(&g->evaluated, e - b);
			pthread_mutex_lock(&g->mu);
		} else if (g->reading_done) {
			break;
		} else {
			pthread_cond_wait(&g->cv, &g->mu);
		}
	}
	pthread_mutex_unlock(&g->mu);
	cpu = bc_ingest_thread_cpu();
	pthread_mutex_lock(&g->mu);
	g->eval_cpu += cpu;
	if (--g->running == 0)
		pthread_cond_broadcast(&g->done_cv);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int bc_ingest_eval_start(struct ingest *g, int nthreads)
{
	int i;

	if (nthreads > BC_INGEST_MAX_THREADS)
		nthreads = BC_INGEST_MAX_THREADS;
	for (i = 0; i < nthreads; i++) {
		pthread_mutex_lock(&g->mu);
		g->running++;
		pthread_mutex_unlock(&g->mu);
		if (pthread_create(&g->tid[g->started], NULL, eval_worker, g) != 0) {
			pthread_mutex_lock(&g->mu);
			g->running--;
			pthread_mutex_unlock(&g->mu);
			break;
		}
		g->started++;
	}
	return g->started;
}

void bc_ingest_eval_reading_done(struct ingest *g)
{
	pthread_mutex_lock(&g->mu);
	g->ready = g->ntok;
	g->reading_done = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void join_workers(struct ingest *g)
{
	int i;

	for (i = 0; i < g->started; i++)
		pthread_join(g->tid[i], NULL);
	g->started = 0;
}

int bc_ingest_eval_finish(struct ingest *g, struct bc_ingest_stats *st, struct bc_error *err)
{
	struct timespec ts;

	if (atomic_load(&g->evaluated) * 2 >= g->ntok)
		bc_test_kill_point("eval");
	pthread_mutex_lock(&g->mu);
	while (g->running > 0) {
		/* Woken by the last worker to leave; every 100 ms for progress. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&g->done_cv, &g->mu, &ts);
		pthread_mutex_unlock(&g->mu);
		bc_ingest_progress(g, 0);
		if (atomic_load(&g->evaluated) * 2 >= g->ntok)
			bc_test_kill_point("eval");
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	join_workers(g);
	st->t_eval = bc_ingest_now() - g->t_read_end;
	st->t_eval_cpu = g->eval_cpu;
	st->evaluated = atomic_load(&g->n_evaluated);
	bc_ingest_progress(g, 1);
	if (atomic_load(&g->failed))
		return bc_error_set(err, bc_err_internal, "an OPRF evaluation failed");
	return 0;
}

void bc_ingest_eval_abort(struct ingest *g)
{
	if (g->started == 0)
		return;
	pthread_mutex_lock(&g->mu);
	g->reading_done = 1;
	g->ready = g->next; /* stop handing out work */
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	join_workers(g);
}

int bc_ingest_item_published(uint8_t kind, int tier_none)
{
	if (kind == 0) /* a verified entry withheld (verified.c) */
		return 0;
	return !tier_none || kind >= 32 || !(BC_INGEST_PUBLIC_KINDS & (1u << kind));
}

/* Token i was set aside while streaming, and its item is published. */
static int deferred_published(struct ingest *g, const struct bc_build_item *items, size_t i,
			      int tier_none)
{
	return (g->defer_kinds & (1u << tok_at(g, i)->kind)) &&
	       bc_ingest_item_published(items[i].payload[1], tier_none);
}

struct deferred_job {
	struct ingest *g;
	const uint32_t *ids;
	atomic_size_t done;
};

static void deferred_range(void *arg, size_t b, size_t e)
{
	struct deferred_job *j = arg;

	atomic_fetch_add(&j->done, eval_chunk(j->g, b, e, j->ids, 0));
}

int bc_ingest_eval_deferred(struct ingest *g, const struct bc_build_item *items, int tier_none,
			    int threads, struct bc_ingest_stats *st, struct bc_error *err)
{
	struct deferred_job j;
	double t0;
	uint32_t *ids;
	size_t i, n = 0;

	if (g->defer_kinds == 0)
		return 0;
	for (i = 0; i < g->ntok; i++)
		n += deferred_published(g, items, i, tier_none);
	if (n == 0)
		return 0;
	ids = malloc(n * sizeof(*ids));
	if (ids == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	for (i = 0, n = 0; i < g->ntok; i++)
		if (deferred_published(g, items, i, tier_none))
			ids[n++] = (uint32_t)i;
	j.g = g;
	j.ids = ids;
	atomic_init(&j.done, 0);
	t0 = bc_ingest_now();
	bc_parallel_for(n, EVAL_CHUNK, threads, deferred_range, &j);
	st->t_deferred = bc_ingest_now() - t0;
	free(ids);
	st->evaluated += atomic_load(&j.done);
	if (atomic_load(&g->failed))
		return bc_error_set(err, bc_err_internal, "an OPRF evaluation failed");
	return 0;
}
