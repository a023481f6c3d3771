#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "index/index.h"
#include "index/index_internal.h"
#include "index/ingest.h"
#include "leak/reader.h"
#include "normalize/normalize.h"
#include "oprf/keyfile.h"

#define TOK_SHIFT 13
#define TOK_BLOCK ((size_t)1 << TOK_SHIFT)
#define TOK_MAX_BLOCKS ((size_t)1 << 16)
#define ARENA_BLOCK ((size_t)1 << 20)
#define NONE UINT32_MAX
#define MULTI (UINT32_MAX - 1)
#define STATE_MAGIC "BCSTATE2"
#define STATE_MAGIC_V1 "BCSTATE1"
#define STATE_REC (BC_PAYLOAD_BYTES + BC_Y_BYTES)
#define MAX_TOKEN_BYTES 1024
#define EVAL_CHUNK 256

struct tok {
	const char *s;        /* input bytes, then info bytes */
	uint64_t hash;
	uint16_t len, info_len;
	uint8_t kind;
	uint8_t y[BC_Y_BYTES];
};

struct slot {
	uint32_t id;
	uint32_t check;       /* high half of the hash: most mismatches never touch the token */
};

struct row_info {
	uint32_t flags;
	uint16_t month;
	uint16_t source;
	uint32_t nir;         /* token id or NONE */
	uint32_t nd[BC_RECORD_MAX_NAMES];
};

struct ingest {
	const struct bc_ingest_options *o;
	struct bc_key *key;

	struct tok *blocks[TOK_MAX_BLOCKS];
	size_t ntok;
	char *arena;
	size_t arena_used;
	char **arenas;
	size_t n_arenas;
	struct slot *slots;   /* open addressing; id 0 = empty, else token id + 1 */
	size_t cap;
	uint8_t hkey[crypto_shorthash_KEYBYTES];

	struct row_info *rows;
	size_t nrows, rows_cap;
	uint32_t *occ_tok, *occ_row;
	size_t nocc, occ_cap;

	char (*sources)[BC_SOURCE_MAX];
	char (*src_canon)[BC_SOURCE_MAX]; /* canonical (bc_norm_last_name) form, or "" */
	uint8_t *src_bad;     /* 1: looks like an identifier, never published */
	uint32_t *src_slots;  /* hash table of sources: index + 1, 0 = empty */
	size_t nsources, sources_cap, last_source, src_cap;

	/* evaluation queue */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t ready, next;
	int reading_done;
	atomic_size_t evaluated;
	atomic_int failed;

	/* progress */
	int tty;
	FILE *pf;
	double t0, last_print;
	off_t file_size;
	const struct leak_reader *reader;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tok *tok_at(struct ingest *g, size_t i)
{
	return &g->blocks[i >> TOK_SHIFT][i & (TOK_BLOCK - 1)];
}

int bc_state_dir(const char *key_path, char *out, size_t outsize)
{
	int r = snprintf(out, outsize, "%s.state", key_path);

	return r < 0 || (size_t)r >= outsize ? -1 : 0;
}

/* ---- reading and token interning (reader thread only) ---- */

static char *arena_alloc(struct ingest *g, size_t n)
{
	char *p;

	if (g->arena == NULL || g->arena_used + n > ARENA_BLOCK) {
		char **na = realloc(g->arenas, (g->n_arenas + 1) * sizeof(*na));

		if (na == NULL)
			return NULL;
		g->arenas = na;
		g->arena = malloc(ARENA_BLOCK);
		if (g->arena == NULL)
			return NULL;
		g->arenas[g->n_arenas++] = g->arena;
		g->arena_used = 0;
	}
	p = g->arena + g->arena_used;
	g->arena_used += n;
	return p;
}

static int table_grow(struct ingest *g)
{
	size_t ncap = g->cap ? g->cap * 2 : ((size_t)1 << 16), i;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < g->ntok; i++) {
		uint64_t hv = tok_at(g, i)->hash;
		size_t h = (size_t)hv & (ncap - 1);

		while (ns[h].id != 0)
			h = (h + 1) & (ncap - 1);
		ns[h].id = (uint32_t)i + 1;
		ns[h].check = (uint32_t)(hv >> 32);
	}
	free(g->slots);
	g->slots = ns;
	g->cap = ncap;
	return 0;
}

static void publish_ready(struct ingest *g)
{
	pthread_mutex_lock(&g->mu);
	g->ready = g->ntok;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* Token id of (kind, input, info), created if new; NONE on allocation failure. */
static uint32_t intern(struct ingest *g, int kind, const char *in, size_t len,
		       const char *info, size_t info_len)
{
	uint8_t buf[MAX_TOKEN_BYTES + BC_EMAIL_MAX + 1];
	uint64_t hv;
	size_t h, blen = len + info_len + (info_len ? 1 : 0);
	struct tok *t;
	char *s;

	if (blen > sizeof(buf) || len > UINT16_MAX || info_len > UINT16_MAX)
		return NONE;
	memcpy(buf, in, len);
	if (info_len) {
		buf[len] = 0;
		memcpy(buf + len + 1, info, info_len);
	}
	crypto_shorthash((uint8_t *)&hv, buf, blen, g->hkey);
	if ((g->ntok + 1) * 2 > g->cap && table_grow(g) != 0)
		return NONE;
	h = (size_t)hv & (g->cap - 1);
	while (g->slots[h].id != 0) {
		if (g->slots[h].check != (uint32_t)(hv >> 32)) {
			h = (h + 1) & (g->cap - 1);
			continue;
		}
		t = tok_at(g, g->slots[h].id - 1);
		if (t->hash == hv && t->kind == kind && t->len == len && t->info_len == info_len &&
		    !memcmp(t->s, in, len) && (info_len == 0 || !memcmp(t->s + len, info, info_len)))
			return g->slots[h].id - 1;
		h = (h + 1) & (g->cap - 1);
	}
	if ((g->ntok >> TOK_SHIFT) >= TOK_MAX_BLOCKS || g->ntok >= MULTI - 1)
		return NONE;
	if ((g->ntok & (TOK_BLOCK - 1)) == 0) {
		g->blocks[g->ntok >> TOK_SHIFT] = malloc(TOK_BLOCK * sizeof(struct tok));
		if (g->blocks[g->ntok >> TOK_SHIFT] == NULL)
			return NONE;
	}
	s = arena_alloc(g, len + info_len);
	if (s == NULL)
		return NONE;
	memcpy(s, in, len);
	if (info_len)
		memcpy(s + len, info, info_len);
	t = tok_at(g, g->ntok);
	t->s = s;
	t->hash = hv;
	t->len = (uint16_t)len;
	t->info_len = (uint16_t)info_len;
	t->kind = (uint8_t)kind;
	g->slots[h].id = (uint32_t)g->ntok + 1;
	g->slots[h].check = (uint32_t)(hv >> 32);
	g->ntok++;
	if ((g->ntok & 255) == 0)
		publish_ready(g);
	return (uint32_t)g->ntok - 1;
}

static int add_occ(struct ingest *g, uint32_t tok, uint32_t row, const uint32_t *seen, int nseen)
{
	int i;

	for (i = 0; i < nseen; i++)
		if (seen[i] == tok)
			return 0;
	if (g->nocc == g->occ_cap) {
		size_t nc = g->occ_cap ? g->occ_cap * 2 : ((size_t)1 << 20);
		uint32_t *a = realloc(g->occ_tok, nc * sizeof(*a));

		if (a == NULL)
			return -1;
		g->occ_tok = a;
		a = realloc(g->occ_row, nc * sizeof(*a));
		if (a == NULL)
			return -1;
		g->occ_row = a;
		g->occ_cap = nc;
	}
	g->occ_tok[g->nocc] = tok;
	g->occ_row[g->nocc] = row;
	g->nocc++;
	return 1;
}

/* A lab column holding an email, a phone, a NIR or a date (misplaced
 * column, free text) must not reach the published source list. */
static int source_looks_like_identifier(const char *name)
{
	size_t digits = 0;
	const char *p;

	for (p = name; *p; p++)
		digits += *p >= '0' && *p <= '9';
	return strchr(name, '@') != NULL || digits >= 8;
}

static size_t source_hash(struct ingest *g, const char *name)
{
	uint64_t hv;

	crypto_shorthash((uint8_t *)&hv, (const uint8_t *)name, strlen(name), g->hkey);
	return (size_t)hv;
}

static int source_table_grow(struct ingest *g)
{
	size_t ncap = g->src_cap ? g->src_cap * 2 : 64, i;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < g->nsources; i++) {
		size_t h = source_hash(g, g->sources[i]) & (ncap - 1);

		while (ns[h] != 0)
			h = (h + 1) & (ncap - 1);
		ns[h] = (uint32_t)i + 1;
	}
	free(g->src_slots);
	g->src_slots = ns;
	g->src_cap = ncap;
	return 0;
}

/* Index of a lab name (hash table: a file with a distinct value on every
 * row must not cost a scan of all names per row); BC_SOURCE_NONE for an
 * empty name, past 65535 names, or on allocation failure. */
static uint16_t source_index(struct ingest *g, const char *name)
{
	size_t i, h;

	if (name[0] == '\0')
		return BC_SOURCE_NONE;
	if (g->last_source < g->nsources && !strcmp(g->sources[g->last_source], name))
		return (uint16_t)g->last_source;
	if ((g->nsources + 1) * 2 > g->src_cap && source_table_grow(g) != 0)
		return BC_SOURCE_NONE;
	h = source_hash(g, name) & (g->src_cap - 1);
	while (g->src_slots[h] != 0) {
		i = g->src_slots[h] - 1;
		if (!strcmp(g->sources[i], name)) {
			g->last_source = i;
			return (uint16_t)i;
		}
		h = (h + 1) & (g->src_cap - 1);
	}
	if (g->nsources >= BC_SOURCE_NONE)
		return BC_SOURCE_NONE;
	if (g->nsources == g->sources_cap) {
		size_t nc = g->sources_cap ? g->sources_cap * 2 : 32;
		void *ns = realloc(g->sources, nc * sizeof(*g->sources));
		void *nk = ns ? realloc(g->src_canon, nc * sizeof(*g->src_canon)) : NULL;
		void *nb = nk ? realloc(g->src_bad, nc) : NULL;

		if (ns != NULL)
			g->sources = ns;
		if (nk != NULL)
			g->src_canon = nk;
		if (nb == NULL)
			return BC_SOURCE_NONE;
		g->src_bad = nb;
		g->sources_cap = nc;
	}
	i = g->nsources++;
	snprintf(g->sources[i], BC_SOURCE_MAX, "%s", name);
	if (bc_norm_last_name(name, strlen(name), g->src_canon[i], BC_SOURCE_MAX) < 0)
		g->src_canon[i][0] = '\0';
	g->src_bad[i] = (uint8_t)source_looks_like_identifier(name);
	g->src_slots[h] = (uint32_t)i + 1;
	g->last_source = i;
	return (uint16_t)i;
}

/* A lab name holding the row's own last or first name (3+ letters) is
 * someone's name, not a lab's: never published. */
static void source_check_names(struct ingest *g, uint16_t s, const struct bc_record *rec)
{
	int i;

	if (s == BC_SOURCE_NONE || g->src_bad[s] || g->src_canon[s][0] == '\0')
		return;
	for (i = 0; i < rec->n_last_names && i < BC_RECORD_MAX_NAMES; i++)
		if (strlen(rec->last_names[i]) >= 3 && strstr(g->src_canon[s], rec->last_names[i]) != NULL)
			g->src_bad[s] = 1;
	if (strlen(rec->first_name) >= 3 && strstr(g->src_canon[s], rec->first_name) != NULL)
		g->src_bad[s] = 1;
}

static int add_record(struct ingest *g, const struct bc_record *rec, struct bc_error *err)
{
	char in[MAX_TOKEN_BYTES];
	uint32_t seen[1 + BC_RECORD_MAX_NAMES + BC_RECORD_MAX_EMAILS * 2 + BC_RECORD_MAX_PHONES];
	int nseen = 0, i, len, r;
	uint32_t row = (uint32_t)g->nrows, t;
	struct row_info *ri;

	if (g->nrows == g->rows_cap) {
		size_t nc = g->rows_cap ? g->rows_cap * 2 : ((size_t)1 << 16);
		void *nr = realloc(g->rows, nc * sizeof(*g->rows));

		if (nr == NULL)
			goto oom;
		g->rows = nr;
		g->rows_cap = nc;
	}
	ri = &g->rows[g->nrows++];
	ri->flags = rec->flags;
	ri->month = rec->sample_month;
	ri->source = source_index(g, rec->source);
	source_check_names(g, ri->source, rec);
	ri->nir = NONE;
	for (i = 0; i < BC_RECORD_MAX_NAMES; i++)
		ri->nd[i] = NONE;

#define ADD(kind, info, info_len, store)                                              \
	do {                                                                          \
		if (len > 0) {                                                        \
			t = intern(g, kind, in, (size_t)len, info, info_len);         \
			if (t == NONE)                                                \
				goto oom;                                             \
			r = add_occ(g, t, row, seen, nseen);                          \
			if (r < 0)                                                    \
				goto oom;                                             \
			if (r > 0)                                                    \
				seen[nseen++] = t;                                    \
			store;                                                        \
		}                                                                     \
	} while (0)

	if (rec->nir[0] != '\0') {
		len = bc_token_input(BC_TOKEN_NIR, rec->nir, NULL, NULL, in, sizeof(in));
		ADD(BC_TOKEN_NIR, NULL, 0, ri->nir = t);
	}
	for (i = 0; i < rec->n_last_names && i < BC_RECORD_MAX_NAMES; i++) {
		if (rec->first_name[0] == '\0' || rec->dob[0] == '\0' || rec->last_names[i][0] == '\0')
			break;
		len = bc_token_input(BC_TOKEN_NAMEDOB, rec->last_names[i], rec->first_name, rec->dob,
				     in, sizeof(in));
		ADD(BC_TOKEN_NAMEDOB, NULL, 0, ri->nd[i] = t);
	}
	for (i = 0; i < rec->n_emails && i < BC_RECORD_MAX_EMAILS; i++) {
		if (rec->emails[i][0] == '\0')
			continue;
		len = bc_token_input(BC_TOKEN_EMAIL, rec->emails[i], NULL, NULL, in, sizeof(in));
		ADD(BC_TOKEN_EMAIL, NULL, 0, (void)0);
	}
	for (i = 0; i < rec->n_phones && i < BC_RECORD_MAX_PHONES; i++) {
		if (rec->phones[i][0] == '\0')
			continue;
		len = bc_token_input(BC_TOKEN_PHONE, rec->phones[i], NULL, NULL, in, sizeof(in));
		ADD(BC_TOKEN_PHONE, NULL, 0, (void)0);
	}
	for (i = 0; rec->nir[0] != '\0' && i < rec->n_emails && i < BC_RECORD_MAX_EMAILS; i++) {
		if (rec->emails[i][0] == '\0')
			continue;
		len = bc_token_input(BC_TOKEN_VERIFIED, rec->nir, NULL, NULL, in, sizeof(in));
		ADD(BC_TOKEN_VERIFIED, rec->emails[i], strlen(rec->emails[i]), (void)0);
	}
#undef ADD
	return 0;
oom:
	return bc_error_set(err, "oom", "out of memory at row %zu", g->nrows);
}

/* ---- evaluation workers ---- */

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

static void eval_chunk(struct ingest *g, size_t b, size_t e)
{
	const uint8_t *in[OPRF_MAX_BATCH], *info[OPRF_MAX_BATCH];
	size_t in_len[OPRF_MAX_BATCH], info_len[OPRF_MAX_BATCH], which[OPRF_MAX_BATCH];
	size_t i, nv = 0;

	for (i = b; i < e; i++) {
		struct tok *t = tok_at(g, i);

		if (t->kind == BC_TOKEN_VERIFIED) {
			in[nv] = (const uint8_t *)t->s;
			in_len[nv] = t->len;
			info[nv] = (const uint8_t *)t->s + t->len;
			info_len[nv] = t->info_len;
			which[nv++] = i;
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
}

static void *eval_worker(void *arg)
{
	struct ingest *g = arg;
	size_t b, e;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		if (g->next < g->ready) {
			b = g->next;
			e = b + EVAL_CHUNK < g->ready ? b + EVAL_CHUNK : g->ready;
			g->next = e;
			pthread_mutex_unlock(&g->mu);
			eval_chunk(g, b, e);
			atomic_fetch_add(&g->evaluated, e - b);
			pthread_mutex_lock(&g->mu);
		} else if (g->reading_done) {
			break;
		} else {
			pthread_cond_wait(&g->cv, &g->mu);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* ---- progress (counts only, never an identifier) ---- */

static void fmt_eta(double s, char *buf, size_t n)
{
	long t = s > 0 && s < 1e7 ? (long)(s + 0.5) : 0;

	snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

static void progress(struct ingest *g, int final)
{
	double t = now(), el = t - g->t0, frac, rate, est_total;
	size_t ev = atomic_load(&g->evaluated);
	unsigned long rows = (unsigned long)g->nrows;
	char eta[32], bar[41];
	int i, n;

	if (g->o->quiet || (!final && t - g->last_print < (g->tty ? 0.2 : 5.0)))
		return;
	g->last_print = t;
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
	} else {
		fprintf(g->pf, "ingest: rows %lu, tokens %zu/%zu evaluated, %.0f tokens/s, ETA %s\n",
			rows, ev, g->ntok, rate, eta);
	}
	fflush(g->pf);
}

/* ---- aggregation ---- */

static uint32_t own_bits(int kind)
{
	switch (kind) {
	case BC_TOKEN_NIR:
		return BC_BIT(BC_CLASS_NIR);
	case BC_TOKEN_NAMEDOB:
		return BC_BIT(BC_CLASS_NAME) | BC_BIT(BC_CLASS_DOB);
	case BC_TOKEN_EMAIL:
		return BC_BIT(BC_CLASS_EMAIL);
	case BC_TOKEN_PHONE:
		return BC_BIT(BC_CLASS_PHONE);
	default:
		return BC_BIT(BC_CLASS_NIR) | BC_BIT(BC_CLASS_EMAIL);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct src_ref {
	const char *name;
	uint16_t idx;
};

static int cmp_src(const void *a, const void *b)
{
	return strcmp(((const struct src_ref *)a)->name, ((const struct src_ref *)b)->name);
}

struct agg_ctx {
	struct ingest *g;
	const uint32_t *start;   /* ntok + 1 offsets into by_tok */
	const uint32_t *by_tok;  /* row ids grouped by token */
	const uint64_t *patient; /* per row */
	const uint16_t *remap;   /* source index -> sorted index */
	struct bc_build_item *items;
	uint32_t breach_id;
	int sensitive;
	atomic_size_t shared;
};

static void agg_range(void *arg, size_t begin, size_t end)
{
	struct agg_ctx *c = arg;
	uint16_t src[64];
	uint32_t cnt[64];
	size_t ti, k, nsrc;

	for (ti = begin; ti < end; ti++) {
		const struct tok *t = tok_at(c->g, ti);
		struct bc_payload p = { BC_PAYLOAD_VERSION, t->kind, 0, 0, 0, 0, BC_SOURCE_NONE,
					BC_SOURCE_NONE };
		uint32_t flags = 0, rows = 0, more = 0;
		uint16_t lo = 0, hi = 0;
		int shared = 0;

		nsrc = 0;
		for (k = c->start[ti]; k < c->start[ti + 1]; k++) {
			const struct row_info *ri = &c->g->rows[c->by_tok[k]];
			size_t s;

			rows++;
			flags |= ri->flags;
			if (ri->month != 0) {
				lo = lo == 0 || ri->month < lo ? ri->month : lo;
				hi = ri->month > hi ? ri->month : hi;
			}
			if (c->patient[c->by_tok[k]] != c->patient[c->by_tok[c->start[ti]]])
				shared = 1;
			if (ri->source == BC_SOURCE_NONE || c->remap[ri->source] == BC_SOURCE_NONE)
				continue;
			for (s = 0; s < nsrc; s++)
				if (src[s] == c->remap[ri->source])
					break;
			if (s == nsrc) {
				if (nsrc == 64) {
					more = 1;
					continue;
				}
				src[nsrc] = c->remap[ri->source];
				cnt[nsrc++] = 0;
			}
			cnt[s]++;
		}
		flags = (flags | own_bits(t->kind)) & ~(BC_BIT(BC_FLAG_MORE_SOURCES) | BC_BIT(BC_FLAG_SHARED));
		if (nsrc > 2 || more)
			flags |= BC_BIT(BC_FLAG_MORE_SOURCES);
		{
			size_t a = SIZE_MAX, b2 = SIZE_MAX;

			for (k = 0; k < nsrc; k++) {
				if (a == SIZE_MAX || cnt[k] > cnt[a] || (cnt[k] == cnt[a] && src[k] < src[a])) {
					b2 = a;
					a = k;
				} else if (b2 == SIZE_MAX || cnt[k] > cnt[b2] ||
					   (cnt[k] == cnt[b2] && src[k] < src[b2])) {
					b2 = k;
				}
			}
			p.source_a = a == SIZE_MAX ? BC_SOURCE_NONE : src[a];
			p.source_b = b2 == SIZE_MAX ? BC_SOURCE_NONE : src[b2];
		}
		p.rows = rows > UINT16_MAX ? UINT16_MAX : (uint16_t)rows;
		p.flags = flags;
		p.first_month = lo;
		p.last_month = hi;
		if (t->kind != BC_TOKEN_VERIFIED) {
			p.flags &= ~BC_MEDICAL_MASK;
			if (shared) {
				p.flags = own_bits(t->kind) | BC_BIT(BC_FLAG_SHARED);
				atomic_fetch_add(&c->shared, 1);
			} else if (c->sensitive) {
				p.flags &= BC_PUBLIC_CLASS_MASK;
			}
			if (shared || c->sensitive) {
				p.rows = 0;
				p.first_month = p.last_month = 0;
				p.source_a = p.source_b = BC_SOURCE_NONE;
			}
		}
		memcpy(c->items[ti].y, t->y, BC_Y_BYTES);
		bc_payload_pack(&p, c->items[ti].payload);
		c->items[ti].breach_id = c->breach_id;
	}
}

/* Patient of each row: its NIR; else the NIR its name + date of birth is
 * seen with when that is unique; else its name + date of birth; else the
 * row itself. Returns pwn_count (distinct patients). */
static uint64_t resolve_patients(struct ingest *g, uint64_t *patient, uint32_t *link)
{
	size_t r, i, n = 0;
	uint64_t *sorted;

	for (i = 0; i < g->ntok; i++)
		link[i] = NONE;
	for (r = 0; r < g->nrows; r++) {
		const struct row_info *ri = &g->rows[r];

		for (i = 0; ri->nir != NONE && i < BC_RECORD_MAX_NAMES && ri->nd[i] != NONE; i++) {
			uint32_t *l = &link[ri->nd[i]];

			*l = *l == NONE ? ri->nir : (*l == ri->nir ? *l : MULTI);
		}
	}
	for (r = 0; r < g->nrows; r++) {
		const struct row_info *ri = &g->rows[r];

		patient[r] = ((uint64_t)1 << 32) + r;
		if (ri->nir != NONE) {
			patient[r] = ri->nir;
			continue;
		}
		for (i = 0; i < BC_RECORD_MAX_NAMES && ri->nd[i] != NONE; i++)
			if (link[ri->nd[i]] != NONE && link[ri->nd[i]] != MULTI) {
				patient[r] = link[ri->nd[i]];
				break;
			}
		if (patient[r] >> 32 && ri->nd[0] != NONE)
			patient[r] = ri->nd[0];
	}
	sorted = malloc((g->nrows ? g->nrows : 1) * sizeof(*sorted));
	if (sorted == NULL)
		return 0;
	memcpy(sorted, patient, g->nrows * sizeof(*sorted));
	qsort(sorted, g->nrows, sizeof(*sorted), cmp_u64);
	for (r = 0; r < g->nrows; r++)
		if (r == 0 || sorted[r] != sorted[r - 1])
			n++;
	free(sorted);
	return n;
}

/* ---- state directory ---- */

static int too_long_path(int r, size_t size)
{
	return r < 0 || (size_t)r >= size;
}

/* Temporaries of runs that died (we hold the lock: nobody else writes). */
static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 300];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".tmp-") == NULL)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

static int open_state(const char *dir, int *lock_fd, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return bc_error_set(err, "state", "cannot create state directory %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0)
		return bc_error_set(err, "state", "cannot use state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, "state", "%s is not a directory (the state directory of the key)", dir);
	if (st.st_mode & 077)
		return bc_error_set(err, "state", "state directory %s is accessible by others; it is as secret "
				    "as the key: chmod 700 %s", dir, dir);
	if (st.st_uid != geteuid())
		return bc_error_set(err, "state", "state directory %s belongs to another user", dir);
	snprintf(path, sizeof(path), "%s/lock", dir);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0)
		return bc_error_set(err, "state", "cannot open %s: %s", path, strerror(errno));
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) != 0)
		return bc_error_set(err, "busy", "another ingest is running with this key (%s is locked)", path);
	remove_stale_temps(dir);
	return 0;
}

static json_t *load_catalogue(const char *dir, const uint8_t pk[32], struct bc_error *err)
{
	char path[PATH_MAX + 32], pkb[64];
	json_error_t jerr;
	json_t *c;

	bc_b64url_encode(pk, 32, pkb);
	snprintf(path, sizeof(path), "%s/catalogue.json", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		c = json_pack("{s:i, s:s, s:i, s:[]}", "format", 1, "public_key", pkb, "next_id", 1,
			      "breaches");
		if (c == NULL)
			bc_error_set(err, "oom", "out of memory");
		return c;
	}
	c = json_load_file(path, 0, &jerr);
	if (c == NULL || !json_is_object(c) || !json_is_integer(json_object_get(c, "next_id")) ||
	    json_integer_value(json_object_get(c, "next_id")) < 1 ||
	    json_integer_value(json_object_get(c, "next_id")) >= UINT32_MAX ||
	    !json_is_array(json_object_get(c, "breaches"))) {
		bc_error_set(err, "state", "%s:%d:%d: not a valid state catalogue", path, jerr.line, jerr.column);
		json_decref(c);
		return NULL;
	}
	if (!json_is_string(json_object_get(c, "public_key")) ||
	    strcmp(json_string_value(json_object_get(c, "public_key")), pkb) != 0) {
		bc_error_set(err, "state", "%s was made with another key; use the key file it sits beside", path);
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Ids are never reused, even when the state directory was lost: next_id
 * also passes every id of the index published at DIR (public data). */
static void next_id_past_published(json_t *cat, const char *index_dir)
{
	char path[PATH_MAX + 32];
	json_t *pub, *b;
	json_int_t next = json_integer_value(json_object_get(cat, "next_id"));
	size_t i;

	if (too_long_path(snprintf(path, sizeof(path), "%s/index.json", index_dir), sizeof(path)))
		return;
	pub = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(pub, "breaches"), i, b) {
		json_int_t id = json_integer_value(json_object_get(b, "id"));

		if (id >= next && id < UINT32_MAX)
			next = id + 1;
	}
	json_decref(pub);
	json_object_set_new(cat, "next_id", json_integer(next));
}

/* State files of breaches the catalogue does not list (runs killed midway). */
static void remove_orphan_states(const char *dir, json_t *cat)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 300];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		unsigned long id;
		char *end;
		size_t i;
		json_t *b;
		int listed = 0;

		if (strncmp(de->d_name, "breach-", 7) != 0)
			continue;
		id = strtoul(de->d_name + 7, &end, 10);
		if (strcmp(end, ".bin") != 0)
			continue;
		json_array_foreach(json_object_get(cat, "breaches"), i, b)
			if ((unsigned long)json_integer_value(json_object_get(b, "id")) == id)
				listed = 1;
		if (!listed) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
}

static int save_catalogue(const char *dir, json_t *c, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	char *text = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int ret;

	if (text == NULL)
		return bc_error_set(err, "oom", "out of memory");
	snprintf(path, sizeof(path), "%s/catalogue.json", dir);
	ret = bc_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return ret;
}

/* The checksum is keyed with pkS, so a state file of another key is refused
 * (BCSTATE1 files, unkeyed, are still read; their id is checked). */
static void state_checksum(const uint8_t *buf, size_t len, const uint8_t *pk, uint8_t out[BC_HASH_BYTES])
{
	crypto_generichash(out, BC_HASH_BYTES, buf, len, pk, pk != NULL ? 32 : 0);
}

static int save_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
			     const struct bc_build_item *items, size_t n, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	size_t len = 24 + n * STATE_REC + BC_HASH_BYTES, i;
	uint8_t *buf = malloc(len), *p;
	int ret;

	if (buf == NULL)
		return bc_error_set(err, "oom", "out of memory writing the state");
	memcpy(buf, STATE_MAGIC, 8);
	for (i = 0; i < 4; i++)
		buf[8 + i] = (uint8_t)(id >> (8 * i));
	memset(buf + 12, 0, 4);
	for (i = 0; i < 8; i++)
		buf[16 + i] = (uint8_t)((uint64_t)n >> (8 * i));
	for (i = 0, p = buf + 24; i < n; i++, p += STATE_REC) {
		memcpy(p, items[i].payload, BC_PAYLOAD_BYTES);
		memcpy(p + BC_PAYLOAD_BYTES, items[i].y, BC_Y_BYTES);
	}
	state_checksum(buf, len - BC_HASH_BYTES, pk, p);
	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	ret = bc_write_file_atomic(path, buf, len, 0600, err);
	sodium_memzero(buf, len);
	free(buf);
	return ret;
}

/* Append the entries of breach id from the state to *items. */
static int load_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
			     struct bc_build_item **items, size_t *n, size_t *cap, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	uint8_t h[BC_HASH_BYTES], *buf = NULL;
	size_t len = 0, cnt = 0, i;
	const uint8_t *p;
	uint32_t fid = 0;
	int v1;
	FILE *f;
	int ret = -1;
	struct stat st;

	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		bc_error_set(err, "state", "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (buf == NULL || fread(buf, 1, len, f) != len) {
		bc_error_set(err, "state", "cannot read %s", path);
		goto out;
	}
	for (i = 0; len >= 24 && i < 8; i++)
		cnt |= (size_t)buf[16 + i] << (8 * i);
	v1 = len >= 8 && memcmp(buf, STATE_MAGIC_V1, 8) == 0;
	if (len < 24 + BC_HASH_BYTES || (memcmp(buf, STATE_MAGIC, 8) != 0 && !v1) ||
	    cnt != (len - 24 - BC_HASH_BYTES) / STATE_REC || len != 24 + cnt * STATE_REC + BC_HASH_BYTES) {
		bc_error_set(err, "state", "%s is not a breach state file (truncated?)", path);
		goto out;
	}
	state_checksum(buf, len - BC_HASH_BYTES, v1 ? NULL : pk, h);
	if (memcmp(h, buf + len - BC_HASH_BYTES, BC_HASH_BYTES) != 0) {
		bc_error_set(err, "state", "%s is corrupt or was made with another key (checksum mismatch)",
			     path);
		goto out;
	}
	for (i = 0; i < 4; i++)
		fid |= (uint32_t)buf[8 + i] << (8 * i);
	if (fid != id) {
		bc_error_set(err, "state", "%s holds breach %u, not %u (renamed or copied from elsewhere)",
			     path, fid, id);
		goto out;
	}
	if (*n + cnt > *cap) {
		size_t nc = *n + cnt;
		struct bc_build_item *ni = realloc(*items, (nc ? nc : 1) * sizeof(*ni));

		if (ni == NULL) {
			bc_error_set(err, "oom", "out of memory loading %s", path);
			goto out;
		}
		*items = ni;
		*cap = nc;
	}
	for (i = 0, p = buf + 24; i < cnt; i++, p += STATE_REC) {
		struct bc_build_item *it = &(*items)[*n + i];

		memcpy(it->payload, p, BC_PAYLOAD_BYTES);
		memcpy(it->y, p + BC_PAYLOAD_BYTES, BC_Y_BYTES);
		it->breach_id = id;
	}
	*n += cnt;
	ret = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	if (f != NULL)
		fclose(f);
	return ret;
}

static void remove_breach_state(const char *dir, uint32_t id)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	unlink(path);
}

/* The published catalogue: the state's breaches without private fields. */
static char *public_breaches(json_t *cat)
{
	json_t *arr = json_array(), *b;
	size_t i;
	char *text;

	json_array_foreach(json_object_get(cat, "breaches"), i, b) {
		json_t *c = json_deep_copy(b);

		json_object_del(c, "entries");
		json_array_append_new(arr, c);
	}
	text = json_dumps(arr, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(arr);
	return text;
}

static int valid_date(const char *s)
{
	int y, m, d;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
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

static json_t *text_or_empty(const char *s)
{
	return json_string(s != NULL ? s : "");
}

static json_t *class_names(uint32_t flags)
{
	json_t *a = json_array();
	unsigned b;

	for (b = 0; b < 30; b++)
		if ((flags & BC_BIT(b)) && bc_index_class_name(b) != NULL)
			json_array_append_new(a, json_string(bc_index_class_name(b)));
	return a;
}

/* ---- the run ---- */

static void ingest_release(struct ingest *g)
{
	size_t i;

	for (i = 0; i < TOK_MAX_BLOCKS && g->blocks[i] != NULL; i++) {
		sodium_memzero(g->blocks[i], TOK_BLOCK * sizeof(struct tok));
		free(g->blocks[i]);
	}
	for (i = 0; i < g->n_arenas; i++) {
		sodium_memzero(g->arenas[i], ARENA_BLOCK);
		free(g->arenas[i]);
	}
	free(g->arenas);
	free(g->slots);
	free(g->rows);
	free(g->occ_tok);
	free(g->occ_row);
	free(g->sources);
	free(g->src_canon);
	free(g->src_bad);
	free(g->src_slots);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

static int read_and_evaluate(struct ingest *g, struct bc_ingest_stats *st, struct bc_error *err)
{
	struct leak_reader r;
	struct leak_mapping map;
	struct leak_options lo = { NULL, 0 };
	struct bc_record *rec = NULL;
	pthread_t tid[256];
	int nthreads = g->o->threads > 0 ? g->o->threads : bc_ncpu(), started = 0, i, rc, ret = -1;
	int reader_open = 0;
	struct stat sst;
	double t_read_end;

	if (nthreads > 256)
		nthreads = 256;
	if (g->o->mapping != NULL) {
		leak_mapping_init(&map);
		if (leak_mapping_load(&map, g->o->mapping, err) != 0)
			goto out;
		lo.mapping = &map;
	}
	rec = malloc(sizeof(*rec));
	if (rec == NULL) {
		bc_error_set(err, "oom", "out of memory");
		goto out;
	}
	if (leak_reader_init(&r, g->o->input, &lo, err) != 0)
		goto out;
	reader_open = 1;
	g->reader = &r;
	if (strcmp(g->o->input, "-") != 0 && stat(g->o->input, &sst) == 0)
		g->file_size = sst.st_size;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tid[started], NULL, eval_worker, g) != 0)
			break;
		started++;
	}
	if (started == 0) {
		bc_error_set(err, "internal", "cannot start worker threads");
		goto out;
	}
	while ((rc = leak_reader_next(&r, rec, err)) == 1) {
		if (add_record(g, rec, err) != 0) {
			rc = -1;
			break;
		}
		if ((g->nrows & 4095) == 0)
			progress(g, 0);
		if (g->nrows == 100)
			bc_test_kill_point("reading");
	}
	sodium_memzero(rec, sizeof(*rec));
	t_read_end = now();
	st->t_read = t_read_end - g->t0;
	st->rows = r.stats.rows;
	st->rows_skipped = r.stats.rows_skipped;
	pthread_mutex_lock(&g->mu);
	g->ready = g->ntok;
	g->reading_done = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	if (rc == 0)
		bc_test_kill_point("read");
	while (rc == 0 && atomic_load(&g->evaluated) < g->ntok) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		progress(g, 0);
		if (atomic_load(&g->evaluated) * 2 >= g->ntok)
			bc_test_kill_point("eval");
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	started = 0;
	st->t_eval = now() - t_read_end;
	if (rc != 0)
		goto out;
	progress(g, 1);
	if (atomic_load(&g->failed)) {
		bc_error_set(err, "internal", "an OPRF evaluation failed");
		goto out;
	}
	ret = 0;
out:
	if (started > 0) {
		pthread_mutex_lock(&g->mu);
		g->reading_done = 1;
		g->ready = g->next; /* stop handing out work */
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		for (i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
	}
	g->reader = NULL;
	if (reader_open)
		leak_reader_release(&r);
	free(rec);
	return ret;
}

/* Payloads of this breach, one item per distinct token; catalogue entry. */
static int aggregate(struct ingest *g, uint32_t id, struct bc_build_item *items, json_t *entry,
		     struct bc_ingest_stats *st, struct bc_error *err)
{
	struct agg_ctx c;
	uint32_t *start = NULL, *by_tok = NULL, *link = NULL, flags = 0;
	uint64_t *patient = NULL;
	struct src_ref *order = NULL;
	uint16_t *remap = NULL;
	uint64_t *src_first = NULL;
	uint8_t *src_multi = NULL;
	json_t *srcs;
	size_t i, n_pub = 0;
	int ret = -1;

	start = calloc(g->ntok + 1, sizeof(*start));
	by_tok = malloc((g->nocc ? g->nocc : 1) * sizeof(*by_tok));
	link = malloc((g->ntok ? g->ntok : 1) * sizeof(*link));
	patient = malloc((g->nrows ? g->nrows : 1) * sizeof(*patient));
	order = malloc((g->nsources ? g->nsources : 1) * sizeof(*order));
	remap = malloc((g->nsources ? g->nsources : 1) * sizeof(*remap));
	src_first = malloc((g->nsources ? g->nsources : 1) * sizeof(*src_first));
	src_multi = calloc(g->nsources ? g->nsources : 1, 1);
	if (!start || !by_tok || !link || !patient || !order || !remap || !src_first || !src_multi) {
		bc_error_set(err, "oom", "out of memory aggregating");
		goto out;
	}
	for (i = 0; i < g->nocc; i++)
		start[g->occ_tok[i] + 1]++;
	for (i = 0; i < g->ntok; i++)
		start[i + 1] += start[i];
	for (i = 0; i < g->nocc; i++)
		by_tok[start[g->occ_tok[i]]++] = g->occ_row[i];
	for (i = g->ntok; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;
	st->patients = resolve_patients(g, patient, link);
	/* Published lab names: not identifier-like, and seen with at least two
	 * patients (a free-text or misplaced column is unique to a person). */
	for (i = 0; i < g->nsources; i++)
		src_first[i] = UINT64_MAX;
	for (i = 0; i < g->nrows; i++) {
		uint16_t s = g->rows[i].source;

		if (s == BC_SOURCE_NONE)
			continue;
		if (src_first[s] == UINT64_MAX)
			src_first[s] = patient[i];
		else if (src_first[s] != patient[i])
			src_multi[s] = 1;
	}
	for (i = 0; i < g->nsources; i++) {
		remap[i] = BC_SOURCE_NONE;
		if (g->src_bad[i] || !src_multi[i])
			continue;
		order[n_pub].name = g->sources[i];
		order[n_pub++].idx = (uint16_t)i;
	}
	st->sources_withheld = g->nsources - n_pub;
	qsort(order, n_pub, sizeof(*order), cmp_src);
	for (i = 0; i < n_pub; i++)
		remap[order[i].idx] = (uint16_t)i;
	c.g = g;
	c.start = start;
	c.by_tok = by_tok;
	c.patient = patient;
	c.remap = remap;
	c.items = items;
	c.breach_id = id;
	c.sensitive = g->o->sensitive;
	atomic_init(&c.shared, 0);
	bc_parallel_for(g->ntok, 4096, g->o->threads, agg_range, &c);
	st->shared_tokens = atomic_load(&c.shared);
	for (i = 0; i < g->nrows; i++)
		flags |= g->rows[i].flags;
	flags &= ~(BC_BIT(BC_FLAG_MORE_SOURCES) | BC_BIT(BC_FLAG_SHARED));
	srcs = json_array();
	for (i = 0; i < n_pub; i++)
		json_array_append_new(srcs, json_string(order[i].name));
	json_object_set_new(entry, "pwn_count", json_integer((json_int_t)st->patients));
	json_object_set_new(entry, "data_classes", class_names(flags));
	json_object_set_new(entry, "is_sensitive", json_boolean(g->o->sensitive));
	json_object_set_new(entry, "description", text_or_empty(g->o->description));
	json_object_set_new(entry, "sources", srcs);
	json_object_set_new(entry, "controller", text_or_empty(g->o->controller));
	json_object_set_new(entry, "dpo_contact", text_or_empty(g->o->dpo_contact));
	json_object_set_new(entry, "complaint_url", text_or_empty(g->o->complaint_url));
	json_object_set_new(entry, "entries", json_integer((json_int_t)g->ntok));
	ret = 0;
out:
	free(start);
	free(by_tok);
	free(link);
	free(patient);
	free(order);
	free(remap);
	free(src_first);
	free(src_multi);
	return ret;
}

struct state_job {
	const char *dir;
	uint32_t id;
	const uint8_t *pk;
	const struct bc_build_item *items;
	size_t n;
	json_t *cat;
	double *t_state;
	pthread_t tid;
	int started, joined, written, committed, failed;
	struct bc_error err;
};

static void *state_thread(void *arg)
{
	struct state_job *j = arg;
	double t = now();

	if (save_breach_state(j->dir, j->id, j->pk, j->items, j->n, &j->err) != 0)
		j->failed = 1;
	else
		j->written = 1;
	bc_test_kill_point("state");
	*j->t_state = now() - t;
	return NULL;
}

static int commit_state(void *arg, struct bc_error *err)
{
	struct state_job *j = arg;

	pthread_join(j->tid, NULL);
	j->joined = 1;
	if (j->failed) {
		*err = j->err;
		return -1;
	}
	if (save_catalogue(j->dir, j->cat, err) != 0)
		return -1;
	j->committed = 1;
	bc_test_kill_point("catalogue");
	return 0;
}

int bc_ingest_run(const struct bc_ingest_options *o, struct bc_ingest_stats *st,
		  struct bc_error *err)
{
	struct ingest *g = NULL;
	char sdir[PATH_MAX], today[16];
	json_t *cat = NULL, *old_cat = NULL, *entry = NULL, *kept, *b;
	struct bc_build_item *items = NULL;
	struct bc_build_params bp;
	struct state_job sj;
	size_t n_items = 0, cap = 0, i;
	uint32_t id = 0, replaced[64];
	size_t n_replaced = 0;
	int lock_fd = -1, dir_lock_fd = -1, ret = -1, state_written = 0, cat_committed = 0;
	char *breaches_text = NULL;
	time_t tnow = time(NULL);
	struct tm tm;
	double t0 = now(), t1;

	memset(st, 0, sizeof(*st));
	memset(&sj, 0, sizeof(sj));
	if (o->input == NULL || o->index_dir == NULL || o->key_path == NULL || o->breach == NULL) {
		bc_error_set(err, "usage", "ingest needs FILE, --index DIR, --key KEYFILE and --breach NAME");
		goto out;
	}
	if (!valid_name(o->breach)) {
		bc_error_set_field(err, "usage", "--breach", "--breach NAME: 1 to 64 characters among A-Z a-z 0-9 . _ -, the first a letter or digit");
		goto out;
	}
	if (o->breach_date != NULL && !valid_date(o->breach_date)) {
		bc_error_set_field(err, "usage", "--date", "--date: use YYYY-MM-DD");
		goto out;
	}
	gmtime_r(&tnow, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (o->breach_date != NULL && strcmp(o->breach_date, today) > 0) {
		bc_error_set_field(err, "usage", "--date", "--date: the breach date is in the future");
		goto out;
	}
	if (sodium_init() < 0) {
		bc_error_set(err, "internal", "libsodium failed to initialise");
		goto out;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		bc_error_set(err, "oom", "out of memory");
		goto out;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	atomic_init(&g->evaluated, 0);
	atomic_init(&g->failed, 0);
	g->o = o;
	g->pf = o->progress ? o->progress : stderr;
	g->tty = isatty(fileno(g->pf));
	g->t0 = t0;
	g->last_print = t0;
	g->last_source = SIZE_MAX;
	randombytes_buf(g->hkey, sizeof(g->hkey));
	if (bc_key_load(o->key_path, &g->key, err) != 0)
		goto out;
	if (bc_state_dir(o->key_path, sdir, sizeof(sdir)) != 0) {
		bc_error_set(err, "usage", "key path too long");
		goto out;
	}
	if (open_state(sdir, &lock_fd, err) != 0)
		goto out;
	if (bc_index_lock(o->index_dir, &dir_lock_fd, err) != 0 || bc_index_check_dir(o->index_dir, err) != 0)
		goto out;
	cat = load_catalogue(sdir, g->key->pk_s, err);
	if (cat == NULL)
		goto out;
	remove_orphan_states(sdir, cat);
	next_id_past_published(cat, o->index_dir);
	/* Reserve the id first: ids are never reused, even after a crash. */
	id = (uint32_t)json_integer_value(json_object_get(cat, "next_id"));
	json_object_set_new(cat, "next_id", json_integer((json_int_t)id + 1));
	if (save_catalogue(sdir, cat, err) != 0)
		goto out;
	old_cat = json_deep_copy(cat);
	bc_test_kill_point("reserved");
	st->breach_id = id;

	if (read_and_evaluate(g, st, err) != 0)
		goto out;
	st->tokens = g->ntok;
	st->occurrences = g->nocc;
	if (g->ntok == 0) {
		bc_error_set(err, "empty", "%s yielded no identifier to index (check the column mapping)", o->input);
		goto out;
	}
	t1 = now();
	items = malloc(g->ntok * sizeof(*items));
	if (items == NULL) {
		bc_error_set(err, "oom", "out of memory");
		goto out;
	}
	n_items = cap = g->ntok;
	entry = json_object();
	json_object_set_new(entry, "id", json_integer(id));
	json_object_set_new(entry, "name", json_string(o->breach));
	json_object_set_new(entry, "title", json_string(o->title ? o->title : o->breach));
	json_object_set_new(entry, "breach_date", text_or_empty(o->breach_date));
	json_object_set_new(entry, "added_date", json_string(today));
	if (aggregate(g, id, items, entry, st, err) != 0)
		goto out;
	/* Other breaches from the state; the same name is replaced. */
	kept = json_array();
	json_array_foreach(json_object_get(cat, "breaches"), i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		uint32_t bid = (uint32_t)json_integer_value(json_object_get(b, "id"));

		if (name != NULL && !strcasecmp(name, o->breach)) {
			if (n_replaced < 64)
				replaced[n_replaced++] = bid;
			continue;
		}
		if (load_breach_state(sdir, bid, g->key->pk_s, &items, &n_items, &cap, err) != 0) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			bc_error_set(err, "state", "breach %s (id %u) cannot be republished: restore the state "
				     "directory from its backup, or ingest --breach %s again to replace it; %s",
				     name != NULL ? name : "?", bid, name != NULL ? name : "?", why);
			json_decref(kept);
			goto out;
		}
		json_array_append(kept, b);
	}
	json_array_append(kept, entry);
	json_object_set_new(cat, "breaches", kept);
	st->breaches = json_array_size(kept);
	breaches_text = public_breaches(cat);
	if (breaches_text == NULL) {
		bc_error_set(err, "oom", "out of memory");
		goto out;
	}

	/* The breach's state file is written while the index files are; the
	 * catalogue is committed between those and the swap (commit_state). */
	sj.dir = sdir;
	sj.id = id;
	sj.pk = g->key->pk_s;
	sj.items = items;
	sj.n = g->ntok;
	sj.cat = cat;
	sj.t_state = &st->t_state;
	if (pthread_create(&sj.tid, NULL, state_thread, &sj) != 0) {
		bc_error_set(err, "internal", "cannot start a thread");
		goto out;
	}
	sj.started = 1;
	t1 = now();
	bp.salt = o->salt;
	bp.anonymity = o->anonymity ? o->anonymity : BC_DEFAULT_ANONYMITY;
	bp.pk_s = g->key->pk_s;
	bp.pk_v = g->key->pk_v;
	bp.breaches_json = breaches_text;
	bp.threads = o->threads;
	bp.before_swap = commit_state;
	bp.before_swap_arg = &sj;
	bp.dir_locked = 1;
	if (bc_index_publish(o->index_dir, items, n_items, &bp, &st->index, err) != 0)
		goto out;
	st->t_publish = now() - t1;
	for (i = 0; i < n_replaced; i++)
		remove_breach_state(sdir, replaced[i]);
	ret = 0;
out:
	if (sj.started && !sj.joined) {
		pthread_join(sj.tid, NULL);
		sj.joined = 1;
	}
	state_written = sj.written;
	cat_committed = sj.committed;
	if (ret != 0 && cat_committed) {
		struct bc_error e2 = BC_ERROR_INIT;

		/* Publication failed: the state goes back to the published breaches. */
		if (save_catalogue(sdir, old_cat, &e2) == 0 && state_written)
			remove_breach_state(sdir, id);
	} else if (ret != 0 && state_written) {
		remove_breach_state(sdir, id);
	}
	st->t_total = now() - t0;
	free(breaches_text);
	if (items != NULL) {
		sodium_memzero(items, cap * sizeof(*items));
		free(items);
	}
	json_decref(entry);
	json_decref(cat);
	json_decref(old_cat);
	if (dir_lock_fd >= 0)
		close(dir_lock_fd);
	if (lock_fd >= 0)
		close(lock_fd);
	if (g != NULL) {
		bc_key_free(g->key);
		ingest_release(g);
		free(g);
	}
	return ret;
}
