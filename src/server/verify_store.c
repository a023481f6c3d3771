/* The in-memory store of email-verification codes (verify_store.h). */

#include "server/verify_store.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct addr_count {
	uint8_t key[BC_VERIFY_HASH_BYTES];
	uint32_t day;
	unsigned starts;
	int used;
};

struct rec_slot {
	struct bc_verify_record r;
	int used;
};

struct memory_store {
	struct bc_verify_store api;
	pthread_mutex_t lock;
	struct rec_slot *recs;   /* sodium_malloc'd: addresses and hashes */
	size_t n_recs;
	struct addr_count *counts;
	size_t n_counts;
};

static void drop(struct rec_slot *s)
{
	sodium_memzero(s, sizeof(*s));
}

static int mem_start(struct bc_verify_store *api, const struct bc_verify_record *rec, const char *code,
		     uint32_t day, uint64_t now, unsigned *wait)
{
	struct memory_store *m = (struct memory_store *)api;
	struct rec_slot *free_rec = NULL;
	struct addr_count *cnt = NULL, *free_cnt = NULL, *oldest = NULL;
	size_t i;
	int st = BC_VERIFY_OK;

	(void)code;
	*wait = 0;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_recs; i++) {
		struct rec_slot *s = &m->recs[i];

		if (s->used && s->r.expires <= now)
			drop(s);
		if (!s->used) {
			if (!free_rec)
				free_rec = s;
			continue;
		}
		if (s->r.tries < BC_VERIFY_TRIES &&
		    sodium_memcmp(s->r.addr_key, rec->addr_key, BC_VERIFY_HASH_BYTES) == 0) {
			st = BC_VERIFY_LIVE_CODE;
			*wait = (unsigned)(s->r.expires - now);
		}
	}
	if (st)
		goto out;
	for (i = 0; i < m->n_counts; i++) {
		struct addr_count *c = &m->counts[i];

		if (c->used && c->day != day)
			memset(c, 0, sizeof(*c));
		if (!c->used) {
			if (!free_cnt)
				free_cnt = c;
			continue;
		}
		if (!oldest || c->starts < oldest->starts)
			oldest = c;
		if (memcmp(c->key, rec->addr_key, BC_VERIFY_HASH_BYTES) == 0)
			cnt = c;
	}
	if (cnt && cnt->starts >= BC_VERIFY_STARTS_PER_DAY) {
		st = BC_VERIFY_DAY_LIMIT;
		goto out;
	}
	if (!free_rec) {
		st = BC_VERIFY_FULL;
		goto out;
	}
	if (!cnt) {
		/* Table full: forget the address with fewest starts (only ever forgives). */
		cnt = free_cnt ? free_cnt : oldest;
		if (!cnt) {
			st = BC_VERIFY_FULL;
			goto out;
		}
		memset(cnt, 0, sizeof(*cnt));
		memcpy(cnt->key, rec->addr_key, BC_VERIFY_HASH_BYTES);
		cnt->day = day;
		cnt->used = 1;
	}
	cnt->starts++;
	free_rec->r = *rec;
	free_rec->r.tries = 0;
	free_rec->used = 1;
out:
	pthread_mutex_unlock(&m->lock);
	return st;
}

static struct rec_slot *find(struct memory_store *m, const uint8_t id[BC_VERIFY_ID_BYTES])
{
	size_t i;

	for (i = 0; i < m->n_recs; i++)
		if (m->recs[i].used && memcmp(m->recs[i].r.id, id, BC_VERIFY_ID_BYTES) == 0)
			return &m->recs[i];
	return NULL;
}

static int mem_check(struct bc_verify_store *api, const uint8_t id[BC_VERIFY_ID_BYTES], const char *code,
		     const uint8_t hash[BC_VERIFY_HASH_BYTES],
		     const uint8_t hash_prev[BC_VERIFY_HASH_BYTES], uint64_t now,
		     char email[BC_EMAIL_MAX])
{
	struct memory_store *m = (struct memory_store *)api;
	struct rec_slot *s;
	int st, a, b;

	(void)code;
	pthread_mutex_lock(&m->lock);
	s = find(m, id);
	if (!s || s->r.expires <= now) {
		if (s)
			drop(s);
		st = BC_VERIFY_CODE_EXPIRED;
		goto out;
	}
	if (s->r.tries >= BC_VERIFY_TRIES) {
		st = BC_VERIFY_TOO_MANY_TRIES;
		goto out;
	}
	/* both compared, in constant time, whatever the first gives */
	a = sodium_memcmp(s->r.code_hash, hash, BC_VERIFY_HASH_BYTES) == 0;
	b = sodium_memcmp(s->r.code_hash, hash_prev, BC_VERIFY_HASH_BYTES) == 0;
	if (a | b) {
		memcpy(email, s->r.email, BC_EMAIL_MAX);
		drop(s);
		st = BC_VERIFY_OK;
	} else {
		s->r.tries++;
		st = BC_VERIFY_CODE_INVALID;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return st;
}

static void mem_cancel(struct bc_verify_store *api, const uint8_t id[BC_VERIFY_ID_BYTES])
{
	struct memory_store *m = (struct memory_store *)api;
	struct rec_slot *s;

	pthread_mutex_lock(&m->lock);
	s = find(m, id);
	if (s)
		drop(s);
	pthread_mutex_unlock(&m->lock);
}

static void mem_free(struct bc_verify_store *api)
{
	struct memory_store *m = (struct memory_store *)api;

	if (!m)
		return;
	if (m->recs)
		sodium_free(m->recs);
	if (m->counts) {
		sodium_memzero(m->counts, m->n_counts * sizeof(*m->counts));
		free(m->counts);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct bc_verify_store *bc_verify_store_memory(size_t max_records, size_t max_addresses)
{
	struct memory_store *m = calloc(1, sizeof(*m));

	if (!m || sodium_init() < 0) {
		free(m);
		return NULL;
	}
	m->api.start = mem_start;
	m->api.check = mem_check;
	m->api.cancel = mem_cancel;
	m->api.free = mem_free;
	pthread_mutex_init(&m->lock, NULL);
	m->n_recs = max_records ? max_records : 1;
	m->n_counts = max_addresses ? max_addresses : 1;
	m->recs = sodium_allocarray(m->n_recs, sizeof(*m->recs));
	m->counts = calloc(m->n_counts, sizeof(*m->counts));
	if (!m->recs || !m->counts) {
		mem_free(&m->api);
		return NULL;
	}
	memset(m->recs, 0, m->n_recs * sizeof(*m->recs));
	return &m->api;
}
