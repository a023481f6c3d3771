/*
 * Ingest, tokens phase (DESIGN.md §4; docs/ingest.md): each record's tokens
 * are interned (one entry per distinct (kind, input, info), SipHash table
 * with a per-run key), its (token, row) pairs recorded, and its lab name
 * indexed. Reader thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "group/group.h"
#include "ingest/internal.h"
#include "util/parallel.h"
#include "util/table.h"
#include "normalize/normalize.h"

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

/* A zeroed slot table of n slots (huge pages when large: util/table.h). */
static struct slot *slots_alloc(size_t n)
{
	return bc_table_alloc(n * sizeof(struct slot), 0);
}

static int table_grow(struct ingest *g)
{
	size_t ncap = g->cap ? g->cap * 2 : ((size_t)1 << 16), i;
	struct slot *ns = slots_alloc(ncap);

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

void bc_ingest_tokens_presize(struct ingest *g, uint64_t file_bytes)
{
	size_t cap = (size_t)1 << 16;

	/* About one distinct token per 130 bytes of a lab export; two slots per
	 * token. A wrong guess costs a rehash (too small) or a sparser table.
	 * Called before any row: g->rows and the pairs are still NULL. */
	size_t rows = (size_t)1 << 16, occ = (size_t)1 << 20;
	void *p;

	while (cap < ((size_t)1 << 24) && (uint64_t)cap * 64 < file_bytes)
		cap *= 2;
	if (g->cap != 0 || g->ntok != 0 || g->nrows != 0)
		return;
	if (cap > ((size_t)1 << 16)) {
		g->slots = slots_alloc(cap);
		g->cap = g->slots != NULL ? cap : 0;
	}
	/* The rows (one per ~230 bytes) and (token, row) pairs (~4 per row)
	 * at the sizes their doubling would reach: not copied as they fill. */
	while (rows < ((size_t)1 << 28) && (uint64_t)rows * 256 < file_bytes)
		rows *= 2;
	while (occ < ((size_t)1 << 30) && (uint64_t)occ * 64 < file_bytes)
		occ *= 2;
	if ((p = malloc(rows * sizeof(*g->rows))) != NULL) {
		g->rows = p;
		g->rows_cap = rows;
	}
	if ((p = malloc(occ * sizeof(*g->occ_tok))) != NULL) {
		g->occ_tok = p;
		if ((p = malloc(occ * sizeof(*g->occ_row))) != NULL) {
			g->occ_row = p;
			g->occ_cap = occ;
		}
	}
}

/* Token id of a pending token, created if new; NONE on allocation failure. */
static uint32_t intern(struct ingest *g, const struct tok_pending *pt)
{
	uint64_t hv = pt->hash;
	size_t h, len = pt->len, info_len = pt->info_len;
	const uint8_t *info = pt->buf + len + 1;
	struct tok *t;
	char *s;

	if ((g->ntok + 1) * 2 > g->cap && table_grow(g) != 0)
		return NONE;
	h = (size_t)hv & (g->cap - 1);
	while (g->slots[h].id != 0) {
		if (g->slots[h].check != (uint32_t)(hv >> 32)) {
			h = (h + 1) & (g->cap - 1);
			continue;
		}
		t = tok_at(g, g->slots[h].id - 1);
		if (t->hash == hv && t->kind == pt->kind && t->len == len && t->info_len == info_len &&
		    !memcmp(t->s, pt->buf, len) && (info_len == 0 || !memcmp(t->s + len, info, info_len)))
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
	memcpy(s, pt->buf, len);
	if (info_len)
		memcpy(s + len, info, info_len);
	t = tok_at(g, g->ntok);
	t->s = s;
	t->hash = hv;
	t->len = (uint16_t)len;
	t->info_len = (uint16_t)info_len;
	t->kind = (uint8_t)pt->kind;
	g->slots[h].id = (uint32_t)g->ntok + 1;
	g->slots[h].check = (uint32_t)(hv >> 32);
	g->ntok++;
	if ((g->ntok & 255) == 0)
		bc_ingest_eval_ready(g);
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

/*
 * Queue token n of staged row pend: its input (bc_token_input) and, for
 * kind 5, a NUL and the info after it; hash it and prefetch its table
 * slot. Returns the new count (n when the parts give no token), or -1 if
 * the token is too long for the table.
 */
static int pend_token(struct ingest *g, struct tok_pending *pend, int n, int kind, const char *a, const char *b,
		      const char *c, const char *info, int target)
{
	struct tok_pending *pt = &pend[n];
	size_t info_len = info != NULL ? strlen(info) : 0, blen;
	int len = bc_token_input(kind, a, b, c, (char *)pt->buf, MAX_TOKEN_BYTES);

	if (len <= 0)
		return n;
	blen = (size_t)len + info_len + (info_len ? 1 : 0);
	if (blen > sizeof(pt->buf) || info_len > UINT16_MAX)
		return -1;
	if (info_len) {
		pt->buf[len] = 0;
		memcpy(pt->buf + len + 1, info, info_len);
	}
	pt->len = (size_t)len;
	pt->info_len = info_len;
	pt->kind = kind;
	pt->target = target;
	crypto_shorthash((uint8_t *)&pt->hash, pt->buf, blen, g->hkey);
	if (g->cap > 0)
		__builtin_prefetch(&g->slots[(size_t)pt->hash & (g->cap - 1)]);
	return n + 1;
}

/* The row's tokens, in a fixed order (nir, namedob per last name, emails,
 * phones, verified per email): the order of the token ids, hence of the
 * state file. Returns how many, or -1 (a token too long). */
static int row_tokens(struct ingest *g, const struct bc_record *rec, struct tok_pending *pend)
{
	int n = 0, i;

	if (rec->nir[0] != '\0')
		n = pend_token(g, pend, n, BC_TOKEN_NIR, rec->nir, NULL, NULL, NULL, TGT_NIR);
	for (i = 0; n >= 0 && i < rec->n_last_names && i < BC_RECORD_MAX_NAMES; i++) {
		if (rec->first_name[0] == '\0' || rec->dob[0] == '\0' || rec->last_names[i][0] == '\0')
			break;
		n = pend_token(g, pend, n, BC_TOKEN_NAMEDOB, rec->last_names[i], rec->first_name, rec->dob, NULL,
			       TGT_ND0 + i);
	}
	for (i = 0; n >= 0 && i < rec->n_emails && i < BC_RECORD_MAX_EMAILS; i++)
		if (rec->emails[i][0] != '\0')
			n = pend_token(g, pend, n, BC_TOKEN_EMAIL, rec->emails[i], NULL, NULL, NULL,
				       i == 0 ? TGT_EMAIL0 : TGT_NONE);
	for (i = 0; n >= 0 && i < rec->n_phones && i < BC_RECORD_MAX_PHONES; i++)
		if (rec->phones[i][0] != '\0')
			n = pend_token(g, pend, n, BC_TOKEN_PHONE, rec->phones[i], NULL, NULL, NULL, TGT_NONE);
	for (i = 0; n >= 0 && rec->nir[0] != '\0' && i < rec->n_emails && i < BC_RECORD_MAX_EMAILS; i++)
		if (rec->emails[i][0] != '\0')
			n = pend_token(g, pend, n, BC_TOKEN_VERIFIED, rec->nir, NULL, NULL, rec->emails[i], TGT_NONE);
	return n;
}

void bc_ingest_stage_record(struct ingest *g, int b, const struct bc_record *rec)
{
	g->npend[b] = row_tokens(g, rec, g->pend[b]);
}

/* Id of the token that staged token pt's table slot names, if its check
 * bits match (the same token, almost surely); NONE otherwise. */
static uint32_t staged_match(const struct ingest *g, const struct tok_pending *pt)
{
	const struct slot *sl = &g->slots[(size_t)pt->hash & (g->cap - 1)];

	return sl->id != 0 && sl->check == (uint32_t)(pt->hash >> 32) ? sl->id - 1 : NONE;
}

void bc_ingest_prefetch_tokens(struct ingest *g, int b)
{
	uint32_t id;
	int i;

	for (i = 0; g->cap > 0 && i < g->npend[b]; i++)
		if ((id = staged_match(g, &g->pend[b][i])) != NONE)
			__builtin_prefetch(tok_at(g, id));
}

void bc_ingest_prefetch_inputs(struct ingest *g, int b)
{
	struct bc_group *grp = bc_ingest_group(g);
	const struct tok_pending *pt;
	const struct tok *t;
	uint32_t id;
	int i;

	for (i = 0; g->cap > 0 && i < g->npend[b]; i++) {
		pt = &g->pend[b][i];
		if ((id = staged_match(g, pt)) == NONE || (t = tok_at(g, id))->hash != pt->hash)
			continue;
		__builtin_prefetch(t->s);
		if (grp != NULL && pt->target != TGT_NONE)
			bc_group_prefetch_id(grp, id);
	}
}

int bc_ingest_commit_record(struct ingest *g, int b, const struct bc_record *rec, struct bc_error *err)
{
	uint32_t seen[ROW_TOKENS] = { 0 };
	int nseen = 0, i, n = g->npend[b], r;
	uint32_t row = (uint32_t)g->nrows, t;
	struct row_info *ri;
	struct bc_group_ids ids;

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
	ids.email = NONE;
	if (n < 0)
		goto oom;
	for (i = 0; i < n; i++) {
		const struct tok_pending *pt = &g->pend[b][i];

		t = intern(g, pt);
		if (t == NONE)
			goto oom;
		r = add_occ(g, t, row, seen, nseen);
		if (r < 0)
			goto oom;
		if (r > 0)
			seen[nseen++] = t;
		if (pt->target == TGT_NIR)
			ri->nir = t;
		else if (pt->target == TGT_EMAIL0)
			ids.email = t;
		else if (pt->target >= TGT_ND0)
			ri->nd[pt->target - TGT_ND0] = t;
	}
	/* the grouping reuses the token ids: it hashes each identifier once, not once per row */
	ids.nir = ri->nir;
	for (i = 0; i < BC_RECORD_MAX_NAMES; i++)
		ids.namedob[i] = ri->nd[i];
	return bc_ingest_claims_add(g, rec, &ids, err);
oom:
	return bc_error_set(err, bc_err_out_of_memory, "out of memory at row %zu", g->nrows);
}

/* Wiping ends every ingest (~200 MB at 491,839 rows: tokens, arenas, items):
 * on all cores. Job k: bytes [k MB, k + 1 MB) of one buffer, or token block
 * k then arena k - nblocks, each wiped and freed. */
struct wipe_job {
	uint8_t *buf;
	size_t len;
	struct ingest *g;
	size_t nblocks;
};

static void wipe_range(void *arg, size_t begin, size_t end)
{
	struct wipe_job *j = arg;
	size_t k;

	for (k = begin; k < end; k++) {
		if (j->buf != NULL) {
			size_t off = k << 20;

			sodium_memzero(j->buf + off, j->len - off < ((size_t)1 << 20) ? j->len - off : (size_t)1 << 20);
		} else if (k < j->nblocks) {
			sodium_memzero(j->g->blocks[k], TOK_BLOCK * sizeof(struct tok));
			free(j->g->blocks[k]);
		} else {
			sodium_memzero(j->g->arenas[k - j->nblocks], ARENA_BLOCK);
			free(j->g->arenas[k - j->nblocks]);
		}
	}
}

void bc_ingest_wipe(void *buf, size_t len, int threads)
{
	struct wipe_job j = { buf, len, NULL, 0 };

	if (buf != NULL)
		bc_parallel_for((len + ((size_t)1 << 20) - 1) >> 20, 1, threads, wipe_range, &j);
}

void bc_ingest_tokens_release(struct ingest *g)
{
	struct wipe_job j = { NULL, 0, g, 0 };

	while (j.nblocks < TOK_MAX_BLOCKS && g->blocks[j.nblocks] != NULL)
		j.nblocks++;
	bc_parallel_for(j.nblocks + g->n_arenas, 4, g->o != NULL ? g->o->threads : 0, wipe_range, &j);
	free(g->arenas);
	free(g->slots);
	free(g->rows);
	free(g->occ_tok);
	free(g->occ_row);
	free(g->sources);
	free(g->src_canon);
	free(g->src_bad);
	free(g->src_slots);
}
