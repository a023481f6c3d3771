/*
 * Ingest, claims phase (DESIGN.md §6 "Claim code", §10; docs/notify.md):
 * rows are grouped into patients (src/group), each patient gets one claim
 * entry whose payload is its full payload (all its rows; a patient still a
 * minor at ingest without bits 12 and 16-19), under the OPRF output of
 * bc1|claim|<code>|<nir13> (or |dob|<date>). The state keeps each patient's
 * claim output under its patient key (claims-<breach>.bin), so a re-ingest
 * keeps every issued code working; --new-codes draws new ones. After the
 * index is published, --notices DIR gets the encrypted notices.jsonl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claim/claim.h"
#include "group/group.h"
#include "ingest/internal.h"
#include "notices/notices.h"
#include "util/table.h"
#include "oprf/oprf.h"
#include "util/digits.h"

#define CLAIMS_MAGIC "BCCLAIM1"
#define CLAIMS_REC (BC_GROUP_KEY_BYTES + BC_Y_BYTES)
#define MAX_EMAILS 4

/* One patient of this breach. */
struct patient {
	uint8_t pkey[BC_GROUP_KEY_BYTES];
	uint8_t y[BC_Y_BYTES];
	char code[BC_CLAIM_CANON_BYTES];  /* "" when not known (kept from a destroyed campaign) */
	uint32_t rows, flags, dob;         /* dob: YYYYMMDD, 0 unknown */
	uint16_t lo, hi, src_a, src_b;
	uint8_t minor, fresh, has_ids;
	/* contact, from the second reading (offsets into the contact arena, 0 = none) */
	uint32_t c_first, c_last, c_street, c_postcode, c_city, c_email[MAX_EMAILS];
	uint32_t k_last, k_first;          /* canonical birth name and first name (matching) */
	uint16_t c_month;
	uint8_t n_email, c_set;
};

struct claims {
	struct bc_group *group;
	uint32_t *dob;            /* per row, YYYYMMDD of the date of birth, 0 unknown */
	size_t dob_cap;
	struct patient *p;        /* sodium_malloc'd: codes and keys */
	uint32_t np;
	char *arena;              /* contact strings, NUL-terminated; wiped on free */
	size_t arena_used, arena_cap;
	int active;
};

/* ---- reading: group the rows as they come ---- */

static uint32_t dob_number(const char *dob)
{
	if (strlen(dob) != 10)
		return 0;
	return (uint32_t)(bc_digits(dob, 4) * 10000 + bc_digits(dob + 5, 2) * 100 +
			  bc_digits(dob + 8, 2));
}

void bc_ingest_grouping_key(const uint8_t seed[32], uint8_t out[32])
{
	static const unsigned char ctx[] = "breachcheck v1 patient grouping";

	crypto_generichash(out, 32, ctx, sizeof(ctx) - 1, seed, 32);
}

int bc_ingest_claims_add(struct ingest *g, const struct bc_record *rec, const struct bc_group_ids *ids,
			 struct bc_error *err)
{
	struct claims *c = g->claims;
	size_t row = g->nrows - 1;

	if (g->shard_n != 0)
		return 0; /* ingest --shard: publish groups the patients, across all rows */
	if (c == NULL) {
		uint8_t gk[BC_GROUP_KEY_BYTES];

		c = g->claims = calloc(1, sizeof(*c));
		if (c == NULL)
			return bc_error_set(err, bc_err_out_of_memory, "out of memory");
		/* stable across runs for one key: the state keeps claims under patient keys */
		bc_ingest_grouping_key(g->key->seed, gk);
		if (bc_group_new(&c->group, gk, BC_GROUP_KEEP_IDS, err) != 0) {
			sodium_memzero(gk, sizeof(gk));
			return -1;
		}
		sodium_memzero(gk, sizeof(gk));
		if (g->file_size > 0)
			bc_group_presize(c->group, (uint64_t)g->file_size);
	}
	if (row >= c->dob_cap) {
		size_t nc = c->dob_cap ? c->dob_cap * 2 : (size_t)1 << 16;
		/* dates of birth: the old block is wiped, as the final one is */
		uint32_t *nd = bc_realloc_wiped(c->dob, c->dob_cap * sizeof(*nd), nc * sizeof(*nd));

		if (nd == NULL)
			return bc_error_set(err, bc_err_out_of_memory, "out of memory at row %zu", g->nrows);
		c->dob = nd;
		c->dob_cap = nc;
	}
	c->dob[row] = dob_number(rec->dob);
	return bc_group_add_ids(c->group, rec, ids, err);
}

struct bc_group *bc_ingest_group(struct ingest *g)
{
	return g->claims ? g->claims->group : NULL;
}

int bc_ingest_group_finish(struct ingest *g, uint64_t *patients, size_t *unlinked, struct bc_error *err)
{
	*patients = 0;
	*unlinked = 0;
	if (g->claims == NULL)
		return 0;
	if (bc_group_finish(g->claims->group, err) != 0)
		return -1;
	*patients = bc_group_patients(g->claims->group);
	*unlinked = bc_group_stats(g->claims->group)->rows_unlinked;
	return 0;
}

static void arena_wipe(struct claims *c)
{
	if (c->arena) {
		sodium_memzero(c->arena, c->arena_used);
		free(c->arena);
	}
	c->arena = NULL;
	c->arena_used = c->arena_cap = 0;
}

void bc_ingest_claims_free(struct ingest *g)
{
	struct claims *c = g->claims;

	if (c == NULL)
		return;
	bc_group_free(c->group);
	if (c->dob)
		sodium_memzero(c->dob, c->dob_cap * sizeof(*c->dob));
	free(c->dob);
	if (c->p)
		sodium_free(c->p);
	arena_wipe(c);
	free(c);
	g->claims = NULL;
}

/* ---- the state's claims file ---- */

static int claims_path(const char *sdir, const char *breach, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/claims-%s.bin", sdir, breach);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void claims_checksum(const uint8_t *buf, size_t len, const uint8_t *pk, uint8_t out[BC_HASH_BYTES])
{
	crypto_generichash(out, BC_HASH_BYTES, buf, len, pk, 32);
}

int bc_ingest_load_claims(const char *sdir, const char *breach, const uint8_t pk[32], uint8_t **out, size_t *n,
			  struct bc_error *err)
{
	char path[PATH_MAX + 128];
	uint8_t sum[BC_HASH_BYTES], *buf = NULL;
	long size;
	size_t cnt;
	FILE *f;

	*out = NULL;
	*n = 0;
	if (claims_path(sdir, breach, path, sizeof(path)) != 0)
		return bc_error_set(err, bc_err_state, "state path too long");
	f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? 0 : bc_error_set(err, bc_err_state, "cannot read %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 16 + BC_HASH_BYTES || fseek(f, 0, SEEK_SET) != 0)
		goto bad;
	buf = malloc((size_t)size);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto bad;
	cnt = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
	if (memcmp(buf, CLAIMS_MAGIC, 8) != 0 || (size_t)size != 16 + cnt * CLAIMS_REC + BC_HASH_BYTES)
		goto bad;
	claims_checksum(buf, (size_t)size - BC_HASH_BYTES, pk, sum);
	if (sodium_memcmp(sum, buf + size - BC_HASH_BYTES, BC_HASH_BYTES) != 0)
		goto bad;
	fclose(f);
	memmove(buf, buf + 16, cnt * CLAIMS_REC);
	*out = buf;
	*n = cnt;
	return 0;
bad:
	fclose(f);
	free(buf);
	return bc_error_set(err, bc_err_state, "%s is damaged or of another key: restore it from the backup of the "
			    "state directory, or ingest with --new-codes (every letter sent becomes void)", path);
}

static int cmp_claim(const void *a, const void *b)
{
	return memcmp(a, b, BC_GROUP_KEY_BYTES);
}

int bc_ingest_save_claims(const char *sdir, const char *breach, const uint8_t pk[32], const uint8_t *recs,
			  size_t np, struct bc_error *err)
{
	char path[PATH_MAX + 128];
	size_t len = 16 + np * CLAIMS_REC + BC_HASH_BYTES;
	uint8_t *buf;
	int ret;

	if (claims_path(sdir, breach, path, sizeof(path)) != 0)
		return bc_error_set(err, bc_err_state, "state path too long");
	buf = sodium_malloc(len);
	if (buf == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	memset(buf, 0, 16);
	memcpy(buf, CLAIMS_MAGIC, 8);
	buf[8] = (uint8_t)np;
	buf[9] = (uint8_t)(np >> 8);
	buf[10] = (uint8_t)(np >> 16);
	buf[11] = (uint8_t)(np >> 24);
	if (np)
		memcpy(buf + 16, recs, np * CLAIMS_REC);
	qsort(buf + 16, np, CLAIMS_REC, cmp_claim);
	claims_checksum(buf, len - BC_HASH_BYTES, pk, buf + len - BC_HASH_BYTES);
	ret = bc_write_file_atomic(path, buf, len, 0600, err);
	sodium_free(buf);
	return ret;
}

/* ---- codes issued by an earlier run, from the notices directory ---- */

struct old_code {
	uint8_t pkey[BC_GROUP_KEY_BYTES];
	char code[BC_CLAIM_CANON_BYTES];
};

static int load_old_codes(const char *dir, struct old_code **out, size_t *n, struct bc_error *err)
{
	struct bc_notices_reader *rd;
	struct old_code *a = NULL;
	size_t cap = 0;
	json_t *line;
	int rc;

	*out = NULL;
	*n = 0;
	rc = bc_notices_reader_open(&rd, dir, err);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		const char *pk = json_string_value(json_object_get(line, "pkey"));
		const char *code = json_string_value(json_object_get(line, "code"));
		size_t klen;

		if (pk && code) {
			if (*n == cap) {
				struct old_code *na;

				cap = cap ? cap * 2 : 1024;
				na = sodium_allocarray(cap, sizeof(*na));
				if (na == NULL) {
					json_decref(line);
					rc = bc_error_set(err, bc_err_out_of_memory, "out of memory");
					break;
				}
				if (a) {
					memcpy(na, a, *n * sizeof(*na));
					sodium_free(a);
				}
				a = na;
			}
			if (sodium_hex2bin(a[*n].pkey, BC_GROUP_KEY_BYTES, pk, strlen(pk), NULL, &klen, NULL) == 0 &&
			    klen == BC_GROUP_KEY_BYTES &&
			    bc_claim_canon(code, strlen(code), a[*n].code) == BC_CLAIM_OK)
				(*n)++;
		}
		json_decref(line);
	}
	bc_notices_reader_free(rd);
	if (rc < 0) {
		if (a)
			sodium_free(a);
		*n = 0;
		return -1;
	}
	if (*n)
		qsort(a, *n, sizeof(*a), cmp_claim);
	*out = a;
	return 0;
}

/* ---- payloads ---- */

/* Published index of each lab (as aggregate.c publishes them: the entry's sorted "sources"). */
static uint16_t *source_remap(const struct ingest *g, json_t *entry)
{
	uint16_t *remap = malloc((g->nsources ? g->nsources : 1) * sizeof(*remap));
	json_t *srcs = json_object_get(entry, "sources");
	size_t i, k;

	if (remap == NULL)
		return NULL;
	for (i = 0; i < g->nsources; i++) {
		remap[i] = BC_SOURCE_NONE;
		for (k = 0; k < json_array_size(srcs); k++)
			if (!strcmp(json_string_value(json_array_get(srcs, k)), g->sources[i])) {
				remap[i] = (uint16_t)k;
				break;
			}
	}
	return remap;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Is someone born on dob (YYYYMMDD) under 18 on today (YYYY-MM-DD)? */
static int is_minor(uint32_t dob, const char *today)
{
	uint32_t t = dob_number(today);

	return dob != 0 && dob + 180000 > t;
}

/* Rows, flags, period, dob and the two labs with most rows of every patient. */
static int aggregate_patients(struct ingest *g, const uint16_t *remap, const char *today, struct bc_error *err)
{
	struct claims *c = g->claims;
	uint64_t *ps = malloc((g->nrows ? g->nrows : 1) * sizeof(*ps));
	uint32_t *cnt_a, *cnt_b;
	uint8_t *nsrc;
	size_t r, n = 0, i, j;

	if (ps == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	cnt_a = calloc(c->np ? c->np : 1, sizeof(*cnt_a));
	cnt_b = calloc(c->np ? c->np : 1, sizeof(*cnt_b));
	nsrc = calloc(c->np ? c->np : 1, 1);
	if (!cnt_a || !cnt_b || !nsrc) {
		free(ps);
		free(cnt_a);
		free(cnt_b);
		free(nsrc);
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	}
	for (i = 0; i < c->np; i++) {
		c->p[i].src_a = c->p[i].src_b = BC_SOURCE_NONE;
		c->p[i].flags = 0;
	}
	for (r = 0; r < g->nrows; r++) {
		uint32_t p = bc_group_row_patient(c->group, r);
		const struct row_info *ri = &g->rows[r];
		struct patient *pt;
		uint16_t s;

		if (p == BC_GROUP_UNLINKED)
			continue;
		pt = &c->p[p];
		pt->rows++;
		pt->flags |= ri->flags;
		if (ri->month) {
			pt->lo = !pt->lo || ri->month < pt->lo ? ri->month : pt->lo;
			pt->hi = ri->month > pt->hi ? ri->month : pt->hi;
		}
		if (!pt->dob && c->dob[r])
			pt->dob = c->dob[r];
		s = ri->source == BC_SOURCE_NONE ? BC_SOURCE_NONE : remap[ri->source];
		if (s != BC_SOURCE_NONE)
			ps[n++] = (uint64_t)p << 16 | s;
	}
	qsort(ps, n, sizeof(*ps), cmp_u64);
	for (i = 0; i < n; i = j) {
		uint32_t p = (uint32_t)(ps[i] >> 16), k;
		uint16_t s = (uint16_t)ps[i];
		struct patient *pt = &c->p[p];

		for (j = i; j < n && ps[j] == ps[i]; j++)
			;
		k = (uint32_t)(j - i);
		/* the two labs with most rows; on a tie the first in the published order */
		if (nsrc[p] < 255)
			nsrc[p]++;
		if (pt->src_a == BC_SOURCE_NONE) {
			pt->src_a = s;
			cnt_a[p] = k;
		} else if (k > cnt_a[p]) {
			pt->src_b = pt->src_a;
			cnt_b[p] = cnt_a[p];
			pt->src_a = s;
			cnt_a[p] = k;
		} else if (pt->src_b == BC_SOURCE_NONE || k > cnt_b[p]) {
			pt->src_b = s;
			cnt_b[p] = k;
		}
	}
	for (i = 0; i < c->np; i++) {
		struct patient *pt = &c->p[i];

		pt->flags &= ~(BC_BIT(BC_FLAG_SHARED) | BC_BIT(BC_FLAG_MORE_SOURCES));
		if (nsrc[i] > 2)
			pt->flags |= BC_BIT(BC_FLAG_MORE_SOURCES);
		pt->minor = (uint8_t)is_minor(pt->dob, today);
		if (pt->minor)
			pt->flags &= ~BC_MEDICAL_MASK;
	}
	free(ps);
	free(cnt_a);
	free(cnt_b);
	free(nsrc);
	return 0;
}

/* The patient's full payload (DESIGN.md §6, §10) as a token of kind `kind`. */
static void pack_patient(const struct patient *pt, int kind, uint8_t out[BC_PAYLOAD_BYTES])
{
	struct bc_payload pl = { BC_PAYLOAD_VERSION, (uint8_t)kind, 0, pt->flags, pt->lo, pt->hi,
				 pt->src_a, pt->src_b };

	pl.rows = pt->rows > UINT16_MAX ? UINT16_MAX : (uint16_t)pt->rows;
	bc_payload_pack(&pl, out);
}

int bc_ingest_patient_payload(const struct ingest *g, uint32_t p, int kind, uint8_t out[BC_PAYLOAD_BYTES],
			      uint32_t *dob)
{
	const struct claims *c = g->claims;
	const struct patient *pt;

	if (c == NULL || c->p == NULL || p >= c->np)
		return -1;
	pt = &c->p[p];
	pack_patient(pt, kind, out);
	if (dob)
		*dob = pt->dob;
	return 0;
}

/* ---- codes and their OPRF outputs ---- */

struct eval_ctx {
	struct ingest *g;
	atomic_int failed;
};

static void eval_range(void *arg, size_t b, size_t e)
{
	struct eval_ctx *x = arg;
	struct claims *c = x->g->claims;
	char nir[BC_NIR_BYTES], dob[BC_DOB_BYTES], in[BC_CLAIM_INPUT_MAX];
	size_t i;
	int len;

	for (i = b; i < e; i++) {
		struct patient *pt = &c->p[i];

		if (!pt->fresh)
			continue;
		if (bc_group_patient_ids(c->group, (uint32_t)i, nir, dob) != 0 ||
		    (len = bc_claim_oprf_input(pt->code, nir, dob, in, sizeof(in))) < 0 ||
		    oprf_evaluate(OPRF_MODE_VOPRF, x->g->key->sk_s, (const uint8_t *)in, (size_t)len, NULL, 0,
				  pt->y) != 0)
			atomic_store(&x->failed, 1);
	}
	sodium_memzero(in, sizeof(in));
	sodium_memzero(nir, sizeof(nir));
}

int bc_ingest_claims_build(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;
	struct ingest *g = r->g;
	struct claims *c = g->claims;
	uint8_t *kept = NULL;
	struct old_code *old = NULL;
	size_t n_kept = 0, n_old = 0, i;
	uint16_t *remap = NULL;
	struct eval_ctx x;
	int ret = -1, destroyed;

	r->n_own = r->n_items;
	if (c == NULL)
		return 0;
	if (bc_group_finish(c->group, err) != 0)
		return -1;
	/* every patient's payload, with or without a campaign: the verified
	 * entries carry it too (DESIGN §6, src/ingest/verified.c) */
	c->np = bc_group_patients(c->group);
	{
		const struct bc_group_stats *gs = bc_group_stats(c->group);
		size_t k;

		r->st->group_patients = c->np;
		r->st->group_unlinked = gs->rows_unlinked;
		for (k = 0; k < BC_GROUP_REASONS && k < 6; k++)
			r->st->group_unlinked_why[k] = gs->unlinked[k];
	}
	c->p = sodium_allocarray(c->np ? c->np : 1, sizeof(*c->p));
	if (c->p == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	memset(c->p, 0, (c->np ? c->np : 1) * sizeof(*c->p));
	remap = source_remap(g, r->entry);
	if (remap == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (aggregate_patients(g, remap, r->today, err) != 0) {
		free(remap);
		return -1;
	}
	if (bc_ingest_verified_build(r, err) != 0) {
		free(remap);
		return -1;
	}
	if (bc_ingest_load_claims(r->sdir, r->o->breach, g->key->pk_s, &kept, &n_kept, err) != 0) {
		free(remap);
		return -1;
	}
	c->active = o->notices_dir != NULL || n_kept > 0;
	if (!c->active) {
		ret = 0;
		goto out;
	}
	destroyed = o->notices_dir != NULL && bc_notices_destroyed(o->notices_dir);
	if (o->notices_dir != NULL && !destroyed) {
		if (bc_notices_dir_check(o->notices_dir, 1, err) != 0)
			goto out;
		if (!o->new_codes && load_old_codes(o->notices_dir, &old, &n_old, err) != 0)
			goto out;
	}
	for (i = 0; i < c->np; i++) {
		struct patient *pt = &c->p[i];
		const uint8_t *k = NULL;
		const struct old_code *oc = NULL;

		bc_group_patient_key(c->group, (uint32_t)i, pt->pkey);
		if (!o->new_codes && n_kept)
			k = bsearch(pt->pkey, kept, n_kept, CLAIMS_REC, cmp_claim);
		if (k && n_old)
			oc = bsearch(pt->pkey, old, n_old, sizeof(*old), cmp_claim);
		if (k && (oc || destroyed || o->notices_dir == NULL)) {
			/* issued earlier: the same output, so the letter's code keeps working */
			memcpy(pt->y, k + BC_GROUP_KEY_BYTES, BC_Y_BYTES);
			if (oc)
				memcpy(pt->code, oc->code, sizeof(pt->code));
			r->st->claims_kept++;
		} else {
			/* new patient, --new-codes, or a code that never reached a notices file */
			bc_claim_generate(pt->code);
			pt->fresh = 1;
		}
	}
	x.g = g;
	atomic_init(&x.failed, 0);
	bc_parallel_for(c->np, 1024, o->threads, eval_range, &x);
	if (atomic_load(&x.failed)) {
		bc_error_set(err, bc_err_internal, "a claim evaluation failed");
		goto out;
	}
	/* one claim entry per patient, after this breach's token entries */
	if (r->n_items + c->np > r->cap) {
		struct bc_build_item *ni = realloc(r->items, (r->n_items + c->np) * sizeof(*ni));

		if (ni == NULL) {
			bc_error_set(err, bc_err_out_of_memory, "out of memory");
			goto out;
		}
		r->items = ni;
		r->cap = r->n_items + c->np;
	}
	for (i = 0; i < c->np; i++) {
		const struct patient *pt = &c->p[i];
		struct bc_build_item *it = &r->items[r->n_items++];

		memcpy(it->y, pt->y, BC_Y_BYTES);
		pack_patient(pt, BC_TOKEN_CLAIM, it->payload);
		it->breach_id = r->id;
	}
	r->n_own = r->n_items;
	r->st->claims = c->np;
	json_object_set_new(r->entry, "entries", json_integer((json_int_t)r->n_own));
	ret = 0;
out:
	free(kept);
	if (old)
		sodium_free(old);
	free(remap);
	return ret;
}

/* ---- after publication: the state's claims, then the notices ---- */

static uint32_t arena_put(struct claims *c, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off;

	if (!s[0])
		return 0;
	if (c->arena_used + n > c->arena_cap) {
		size_t nc = c->arena_cap ? c->arena_cap * 2 : (size_t)1 << 20;
		char *na;

		while (nc < c->arena_used + n)
			nc *= 2;
		if (nc > UINT32_MAX)
			return 0;
		na = malloc(nc);
		if (na == NULL)
			return 0;
		if (c->arena) {
			memcpy(na, c->arena, c->arena_used);
			sodium_memzero(c->arena, c->arena_used);
			free(c->arena);
		}
		c->arena = na;
		c->arena_cap = nc;
		if (c->arena_used == 0)
			c->arena[c->arena_used++] = '\0'; /* offset 0 = none */
	}
	off = (uint32_t)c->arena_used;
	memcpy(c->arena + off, s, n);
	c->arena_used += n;
	return off;
}

static const char *arena_get(const struct claims *c, uint32_t off)
{
	return off ? c->arena + off : "";
}

/* The contact of a row for its patient: the most recent row's name and address, every email. */
static void take_contact(struct claims *c, struct patient *pt, const struct bc_record *rec)
{
	int i, k;

	if (!pt->c_set || rec->sample_month >= pt->c_month) {
		if (rec->display_last[0] || !pt->c_set) {
			pt->c_first = arena_put(c, rec->display_first);
			pt->c_last = arena_put(c, rec->display_last);
		}
		if (rec->last_names[0][0] && rec->first_name[0]) {
			pt->k_last = arena_put(c, rec->last_names[0]);
			pt->k_first = arena_put(c, rec->first_name);
		}
		if ((rec->street[0] && rec->postcode[0] && rec->city[0]) || !pt->c_set) {
			pt->c_street = arena_put(c, rec->street);
			pt->c_postcode = arena_put(c, rec->postcode);
			pt->c_city = arena_put(c, rec->city);
		}
		pt->c_month = rec->sample_month;
		pt->c_set = 1;
	}
	for (i = 0; i < rec->n_emails && i < BC_RECORD_MAX_EMAILS; i++) {
		if (!rec->emails[i][0])
			continue;
		for (k = 0; k < pt->n_email; k++)
			if (!strcmp(arena_get(c, pt->c_email[k]), rec->emails[i]))
				break;
		if (k == pt->n_email && pt->n_email < MAX_EMAILS)
			pt->c_email[pt->n_email++] = arena_put(c, rec->emails[i]);
	}
}

/* Second reading of the leak: only what the notices need (names, address, emails). */
static int read_contacts(struct ingest_run *r, struct bc_error *err)
{
	struct claims *c = r->g->claims;
	struct leak_reader rd;
	struct leak_mapping map;
	struct leak_options lo;
	struct bc_record *rec = malloc(sizeof(*rec));
	size_t row = 0;
	int rc, ret = -1;

	if (rec == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (bc_ingest_reader_options(r->o, &lo, &map, err) != 0 || leak_reader_init(&rd, r->o->input, &lo, err) != 0)
		goto out;
	while ((rc = leak_reader_next(&rd, rec, err)) == 1) {
		uint32_t p = bc_group_row_patient(c->group, row++);

		if (p != BC_GROUP_UNLINKED)
			take_contact(c, &c->p[p], rec);
	}
	leak_reader_release(&rd);
	if (rc != 0)
		goto out;
	if (row != r->g->nrows) {
		bc_error_set(err, bc_err_changed, "%s changed while ingest read it (%zu rows, then %zu): the notices "
			     "are not written; ingest again", r->o->input, r->g->nrows, row);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return ret;
}

static json_t *jstr(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* The non-medical data classes of a patient, by their JSON names. */
static json_t *public_classes(uint32_t flags)
{
	json_t *a = json_array();
	unsigned b;

	for (b = 0; b < 12; b++)
		if ((flags & BC_BIT(b)) && bc_class_name(b) != NULL)
			json_array_append_new(a, json_string(bc_class_name(b)));
	return a;
}

static json_t *notice_line(const struct ingest_run *r, uint32_t i)
{
	const struct claims *c = r->g->claims;
	const struct patient *pt = &c->p[i];
	char ref[32], pk[2 * BC_GROUP_KEY_BYTES + 1], printed[BC_CLAIM_PRINTED_BYTES];
	char nir[BC_NIR_BYTES], dob[BC_DOB_BYTES];
	json_t *o = json_object(), *addr = json_null(), *emails = json_array();
	int k;

	snprintf(ref, sizeof(ref), "%u-%06u", r->id, i + 1);
	sodium_bin2hex(pk, sizeof(pk), pt->pkey, BC_GROUP_KEY_BYTES);
	bc_group_patient_ids(c->group, i, nir, dob);
	if (pt->c_street || pt->c_postcode || pt->c_city) {
		addr = json_object();
		json_object_set_new(addr, "street", jstr(arena_get(c, pt->c_street)));
		json_object_set_new(addr, "postcode", jstr(arena_get(c, pt->c_postcode)));
		json_object_set_new(addr, "city", jstr(arena_get(c, pt->c_city)));
	}
	for (k = 0; k < pt->n_email; k++)
		json_array_append_new(emails, json_string(arena_get(c, pt->c_email[k])));
	json_object_set_new(o, "ref", json_string(ref));
	json_object_set_new(o, "pkey", json_string(pk));
	json_object_set_new(o, "breach", json_string(r->o->breach));
	json_object_set_new(o, "name", json_pack("{s:o, s:o}", "first", jstr(arena_get(c, pt->c_first)), "last",
						  jstr(arena_get(c, pt->c_last))));
	json_object_set_new(o, "address", addr);
	json_object_set_new(o, "emails", emails);
	if (pt->code[0]) {
		bc_claim_format(pt->code, printed);
		json_object_set_new(o, "code", json_string(printed));
	} else {
		json_object_set_new(o, "code", json_null());
	}
	json_object_set_new(o, "claim_with", json_string(nir[0] ? "nir" : "dob"));
	json_object_set_new(o, "classes", public_classes(pt->flags));
	json_object_set_new(o, "minor", json_boolean(pt->minor));
	json_object_set_new(o, "match", json_pack("{s:o, s:o, s:o, s:o}", "nir", jstr(nir), "dob", jstr(dob),
						   "last_name", jstr(arena_get(c, pt->k_last)),
						   "first_name", jstr(arena_get(c, pt->k_first))));
	if (!dob[0] && pt->dob) {
		char d[16];

		snprintf(d, sizeof(d), "%04u-%02u-%02u", pt->dob / 10000, pt->dob / 100 % 100, pt->dob % 100);
		json_object_set_new(json_object_get(o, "match"), "dob", json_string(d));
	}
	sodium_memzero(nir, sizeof(nir));
	sodium_memzero(printed, sizeof(printed));
	return o;
}

static int write_notices(struct ingest_run *r, struct bc_error *err)
{
	struct claims *c = r->g->claims;
	struct bc_notices_writer *w = NULL;
	uint8_t *key = sodium_malloc(BC_NOTICES_KEY_BYTES);
	uint32_t i;
	int ret = -1;

	if (key == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (bc_notices_dir_check(r->o->notices_dir, 1, err) != 0 ||
	    bc_notices_key_load(r->o->notices_dir, 1, key, err) != 0 ||
	    bc_notices_writer_open(&w, r->o->notices_dir, key, err) != 0)
		goto out;
	for (i = 0; i < c->np; i++) {
		json_t *line = notice_line(r, i);
		int rc = line ? bc_notices_writer_add(w, line, err) : bc_error_set(err, bc_err_out_of_memory, "out of memory");

		json_decref(line);
		if (rc != 0)
			goto out;
		if (c->p[i].code[0])
			r->st->notices_with_code++;
	}
	if (bc_notices_writer_commit(w, err) != 0)
		goto out;
	r->st->notices = c->np;
	ret = 0;
out:
	bc_notices_writer_free(w);
	sodium_free(key);
	return ret;
}

int bc_ingest_claims_after_publish(struct ingest_run *r, struct bc_error *err)
{
	struct claims *c = r->g->claims;

	if (c == NULL || !c->active)
		return 0;
	{
		uint8_t *recs = sodium_allocarray(c->np ? c->np : 1, CLAIMS_REC);
		size_t i;
		int rc;

		if (!recs)
			return bc_error_set(err, bc_err_out_of_memory, "out of memory");
		for (i = 0; i < c->np; i++) {
			memcpy(recs + i * CLAIMS_REC, c->p[i].pkey, BC_GROUP_KEY_BYTES);
			memcpy(recs + i * CLAIMS_REC + BC_GROUP_KEY_BYTES, c->p[i].y, BC_Y_BYTES);
		}
		rc = bc_ingest_save_claims(r->sdir, r->o->breach, r->g->key->pk_s, recs, c->np, err);
		sodium_free(recs);
		if (rc != 0)
			return -1;
	}
	if (r->o->notices_dir == NULL)
		return 0;
	if (bc_notices_destroyed(r->o->notices_dir))
		return bc_error_set(err, bc_err_destroyed, "the notices of %s were destroyed: the index and the claims "
				    "are published, no new notices were written", r->o->notices_dir);
	if (read_contacts(r, err) != 0 || write_notices(r, err) != 0)
		return -1;
	arena_wipe(c);
	return 0;
}
