/*
 * The one-time codes of the proof tier in Redis (redis_verify_store.h;
 * issue #15, DESIGN.md §6, docs/verify.md "Several evaluators").
 *
 * Keys (ids and address keys in hex; nothing names an address):
 *   bc:vc:r:<id>          hash {h: code hash, e: encrypted address, t: wrong
 *                         tries}, expiring with the code (20 minutes);
 *   bc:vc:live:<addr_key> the id of the address's latest code, same expiry;
 *   bc:vc:n:<day>:<addr_key> starts of the address that UTC day, expiring
 *                         an hour after the day ends;
 *   bc:vc:k:<day>         that day's code-hash key (32 random bytes), set
 *                         once (SET NX) by the first evaluator that needs
 *                         it, expiring two days later.
 * Every change is one Lua script (atomic across evaluators); expiries use
 * Redis's clock.
 *
 * The address is stored encrypted (crypto_secretbox) under BLAKE2b(key =
 * secret from the evaluator's key, "bc verify addr" | id | code): Redis,
 * its dumps and its replicas alone cannot read it back; an evaluator can
 * only once it is given the code. The code hash is compared inside the
 * script (so that a code is used once, whatever evaluator sees it); that
 * comparison is not constant-time, but the hash is keyed by a key the
 * client never sees, so its timing tells nothing about the code.
 *
 * Redis unreachable or answering an error: UNAVAILABLE (503, fail closed),
 * counted in breachcheck_redis_unavailable_total / _errors_total.
 * Reconnection is tried at most every 500 ms (redis_conn.h: the
 * connection, shared with redis_limiter.c).
 */

#include "server/redis_verify_store.h"
#include "server/redis_conn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#define BOX_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + BC_EMAIL_MAX)

enum { S_START, S_CHECK, S_KEYS, N_SCRIPTS };

static const char *const scripts[N_SCRIPTS] = {
	/* start: KEYS r, live, n; ARGV hash, box, ttl, day ttl, max starts, id
	 * -> {0} ok, {1, wait} live code, {2} day limit */
	("local live = redis.call('GET', KEYS[2])\n"
	"if live then\n"
	"  local rk = 'bc:vc:r:' .. live\n"
	"  local t = redis.call('HGET', rk, 't')\n"
	"  if t and tonumber(t) < 5 then\n"
	"    local w = redis.call('TTL', rk)\n"
	"    if w < 1 then w = 1 end\n"
	"    return {1, w}\n"
	"  end\n"
	"end\n"
	"local n = tonumber(redis.call('GET', KEYS[3]) or '0')\n"
	"if n >= tonumber(ARGV[5]) then return {2, 0} end\n"
	"redis.call('INCR', KEYS[3])\n"
	"redis.call('EXPIRE', KEYS[3], ARGV[4])\n"
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], 'h', ARGV[1], 'e', ARGV[2], 't', 0)\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
	"redis.call('SET', KEYS[2], ARGV[6], 'EX', ARGV[3])\n"
	"return {0, 0}\n"),
	/* check: KEYS r; ARGV hash, hash_prev, tries
	 * -> {5} expired/used, {6} too many tries, {4} wrong, {0, box} ok (consumed) */
	("local v = redis.call('HMGET', KEYS[1], 'h', 'e', 't')\n"
	"if not v[1] then return {5} end\n"
	"if tonumber(v[3]) >= tonumber(ARGV[3]) then return {6} end\n"
	"if v[1] == ARGV[1] or v[1] == ARGV[2] then\n"
	"  redis.call('DEL', KEYS[1])\n"
	"  return {0, v[2]}\n"
	"end\n"
	"redis.call('HINCRBY', KEYS[1], 't', 1)\n"
	"return {4}\n"),
	/* day keys: KEYS day, day - 1; ARGV fresh random key, ttl -> {cur, prev or false} */
	("redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])\n"
	"return redis.call('MGET', KEYS[1], KEYS[2])\n"),
};

struct redis_store {
	struct bc_verify_store api; /* first: the store is the struct */
	struct bc_server_redis_conn conn;
	char sha[N_SCRIPTS][41];
	uint8_t box_key[32];
};

static int load_scripts(struct bc_server_redis_conn *c)
{
	struct redis_store *r = c->owner;
	int i;

	for (i = 0; i < N_SCRIPTS; i++)
		if (bc_server_redis_load_script(c->ctx, scripts[i], r->sha[i]) < 0)
			return -1;
	return 0;
}

/* EVALSHA of script s with nk keys and na arguments (binary-safe), under
 * r->conn.lock. Returns the reply (an array), or NULL with the connection
 * dropped. */
static redisReply *eval(struct redis_store *r, int s, int nk, const char **keys, int na,
			const char **args, const size_t *arglen)
{
	const char *argv[16];
	size_t argl[16];
	char nkeys[8];
	redisReply *rep;
	int i, n = 0;

	if (bc_server_redis_conn_ready(&r->conn) < 0)
		return NULL;
	snprintf(nkeys, sizeof nkeys, "%d", nk);
	argv[n] = "EVALSHA";
	argl[n++] = 7;
	argv[n] = r->sha[s];
	argl[n++] = 40;
	argv[n] = nkeys;
	argl[n++] = strlen(nkeys);
	for (i = 0; i < nk; i++, n++) {
		argv[n] = keys[i];
		argl[n] = strlen(keys[i]);
	}
	for (i = 0; i < na; i++, n++) {
		argv[n] = args[i];
		argl[n] = arglen ? arglen[i] : strlen(args[i]);
	}
	rep = bc_server_redis_conn_command(&r->conn, n, argv, argl);
	if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    (rep->element[0]->type != REDIS_REPLY_INTEGER && s != S_KEYS)) {
		if (rep)
			freeReplyObject(rep);
		bc_server_redis_conn_drop(&r->conn);
		return NULL;
	}
	return rep;
}

static void box_key(const struct redis_store *r, const uint8_t id[BC_VERIFY_ID_BYTES], const char *code,
		    uint8_t key[crypto_secretbox_KEYBYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, r->box_key, sizeof r->box_key, crypto_secretbox_KEYBYTES);
	crypto_generichash_update(&st, (const uint8_t *)"bc verify addr", 14);
	crypto_generichash_update(&st, id, BC_VERIFY_ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)code, strlen(code));
	crypto_generichash_final(&st, key, crypto_secretbox_KEYBYTES);
}

static void rec_name(const uint8_t id[BC_VERIFY_ID_BYTES], char out[64])
{
	char hex[2 * BC_VERIFY_ID_BYTES + 1];

	sodium_bin2hex(hex, sizeof hex, id, BC_VERIFY_ID_BYTES);
	snprintf(out, 64, "bc:vc:r:%s", hex);
}

static int redis_start(struct bc_verify_store *api, const struct bc_verify_record *rec, const char *code,
		       uint32_t day, uint64_t now, unsigned *wait)
{
	struct redis_store *r = (struct redis_store *)api;
	char k_rec[64], k_live[128], k_n[128], ak[2 * BC_VERIFY_HASH_BYTES + 1], idhex[2 * BC_VERIFY_ID_BYTES + 1];
	char ttl[24], dttl[24], maxs[8];
	uint8_t box[BOX_BYTES], key[crypto_secretbox_KEYBYTES];
	const char *keys[3] = { k_rec, k_live, k_n }, *args[6];
	size_t argl[6];
	redisReply *rep;
	int st = BC_VERIFY_UNAVAILABLE;

	*wait = 0;
	rec_name(rec->id, k_rec);
	sodium_bin2hex(ak, sizeof ak, rec->addr_key, BC_VERIFY_HASH_BYTES);
	sodium_bin2hex(idhex, sizeof idhex, rec->id, BC_VERIFY_ID_BYTES);
	snprintf(k_live, sizeof k_live, "bc:vc:live:%s", ak);
	snprintf(k_n, sizeof k_n, "bc:vc:n:%u:%s", (unsigned)day, ak);
	snprintf(ttl, sizeof ttl, "%llu",
		 (unsigned long long)(rec->expires > now ? rec->expires - now : 1));
	snprintf(dttl, sizeof dttl, "%llu", (unsigned long long)((uint64_t)(day + 1) * 86400 - now + 3600));
	snprintf(maxs, sizeof maxs, "%d", BC_VERIFY_STARTS_PER_DAY);
	/* the whole fixed-size buffer, so that the length tells nothing of the address */
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	box_key(r, rec->id, code, key);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const uint8_t *)rec->email, BC_EMAIL_MAX,
			      box, key);
	sodium_memzero(key, sizeof key);
	args[0] = (const char *)rec->code_hash;
	argl[0] = BC_VERIFY_HASH_BYTES;
	args[1] = (const char *)box;
	argl[1] = sizeof box;
	args[2] = ttl;
	args[3] = dttl;
	args[4] = maxs;
	args[5] = idhex;
	argl[2] = strlen(ttl);
	argl[3] = strlen(dttl);
	argl[4] = strlen(maxs);
	argl[5] = strlen(idhex);
	pthread_mutex_lock(&r->conn.lock);
	rep = eval(r, S_START, 3, keys, 6, args, argl);
	pthread_mutex_unlock(&r->conn.lock);
	if (rep) {
		st = (int)rep->element[0]->integer;
		if (st == BC_VERIFY_LIVE_CODE && rep->elements > 1 && rep->element[1]->type == REDIS_REPLY_INTEGER)
			*wait = (unsigned)rep->element[1]->integer;
		else if (st != BC_VERIFY_OK && st != BC_VERIFY_DAY_LIMIT && st != BC_VERIFY_LIVE_CODE)
			st = BC_VERIFY_UNAVAILABLE;
		freeReplyObject(rep);
	}
	if (st == BC_VERIFY_UNAVAILABLE)
		bc_server_redis_conn_unavailable(&r->conn);
	return st;
}

static int redis_check(struct bc_verify_store *api, const uint8_t id[BC_VERIFY_ID_BYTES], const char *code,
		       const uint8_t hash[BC_VERIFY_HASH_BYTES],
		       const uint8_t hash_prev[BC_VERIFY_HASH_BYTES], uint64_t now,
		       char email[BC_EMAIL_MAX])
{
	struct redis_store *r = (struct redis_store *)api;
	char k_rec[64], tries[8];
	const char *keys[1] = { k_rec }, *args[3];
	size_t argl[3];
	uint8_t key[crypto_secretbox_KEYBYTES];
	redisReply *rep;
	int st = BC_VERIFY_UNAVAILABLE;

	(void)now;
	rec_name(id, k_rec);
	snprintf(tries, sizeof tries, "%d", BC_VERIFY_TRIES);
	args[0] = (const char *)hash;
	argl[0] = BC_VERIFY_HASH_BYTES;
	args[1] = (const char *)hash_prev;
	argl[1] = BC_VERIFY_HASH_BYTES;
	args[2] = tries;
	argl[2] = strlen(tries);
	pthread_mutex_lock(&r->conn.lock);
	rep = eval(r, S_CHECK, 1, keys, 3, args, argl);
	pthread_mutex_unlock(&r->conn.lock);
	if (!rep) {
		bc_server_redis_conn_unavailable(&r->conn);
		return st;
	}
	st = (int)rep->element[0]->integer;
	if (st == BC_VERIFY_OK) {
		redisReply *b = rep->elements > 1 ? rep->element[1] : NULL;

		box_key(r, id, code, key);
		if (!b || b->type != REDIS_REPLY_STRING || b->len != BOX_BYTES ||
		    crypto_secretbox_open_easy((uint8_t *)email, (const uint8_t *)b->str + crypto_secretbox_NONCEBYTES,
					       BOX_BYTES - crypto_secretbox_NONCEBYTES, (const uint8_t *)b->str,
					       key) != 0 ||
		    memchr(email, '\0', BC_EMAIL_MAX) == NULL) {
			/* a record this key did not write: consumed, but no evaluation */
			sodium_memzero(email, BC_EMAIL_MAX);
			st = BC_VERIFY_CODE_EXPIRED;
		}
		sodium_memzero(key, sizeof key);
	} else if (st != BC_VERIFY_CODE_INVALID && st != BC_VERIFY_CODE_EXPIRED && st != BC_VERIFY_TOO_MANY_TRIES) {
		st = BC_VERIFY_UNAVAILABLE;
		bc_server_redis_conn_unavailable(&r->conn);
	}
	freeReplyObject(rep);
	return st;
}

static void redis_cancel(struct bc_verify_store *api, const uint8_t id[BC_VERIFY_ID_BYTES])
{
	struct redis_store *r = (struct redis_store *)api;
	char k_rec[64];
	redisReply *rep = NULL;

	rec_name(id, k_rec);
	pthread_mutex_lock(&r->conn.lock);
	if (bc_server_redis_conn_ready(&r->conn) == 0) {
		rep = redisCommand(r->conn.ctx, "DEL %s", k_rec);
		if (!rep || rep->type == REDIS_REPLY_ERROR)
			bc_server_redis_conn_drop(&r->conn);
	}
	pthread_mutex_unlock(&r->conn.lock);
	if (rep)
		freeReplyObject(rep);
	/* not answered: the record expires with its code (20 minutes) */
}

static int redis_day_keys(struct bc_verify_store *api, uint32_t day, uint8_t cur[32], uint8_t prev[32])
{
	struct redis_store *r = (struct redis_store *)api;
	char k0[32], k1[32], ttl[16];
	uint8_t fresh[32];
	const char *keys[2] = { k0, k1 }, *args[2];
	size_t argl[2];
	redisReply *rep;
	int st = BC_VERIFY_UNAVAILABLE;

	snprintf(k0, sizeof k0, "bc:vc:k:%u", (unsigned)day);
	snprintf(k1, sizeof k1, "bc:vc:k:%u", (unsigned)(day - 1));
	snprintf(ttl, sizeof ttl, "%u", 3 * 86400);
	randombytes_buf(fresh, sizeof fresh);
	args[0] = (const char *)fresh;
	argl[0] = sizeof fresh;
	args[1] = ttl;
	argl[1] = strlen(ttl);
	pthread_mutex_lock(&r->conn.lock);
	rep = eval(r, S_KEYS, 2, keys, 2, args, argl);
	pthread_mutex_unlock(&r->conn.lock);
	sodium_memzero(fresh, sizeof fresh);
	if (rep && rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING && rep->element[0]->len == 32) {
		memcpy(cur, rep->element[0]->str, 32);
		if (rep->element[1]->type == REDIS_REPLY_STRING && rep->element[1]->len == 32)
			memcpy(prev, rep->element[1]->str, 32);
		else
			memcpy(prev, cur, 32);
		st = BC_VERIFY_OK;
	}
	if (rep)
		freeReplyObject(rep);
	if (st != BC_VERIFY_OK)
		bc_server_redis_conn_unavailable(&r->conn);
	return st;
}

static void redis_free(struct bc_verify_store *api)
{
	struct redis_store *r = (struct redis_store *)api;

	if (!r)
		return;
	bc_server_redis_conn_close(&r->conn);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

struct bc_verify_store *bc_verify_store_redis(const char *url, const uint8_t secret[32],
					      struct bc_server_redis_stats *stats, struct bc_error *err)
{
	struct redis_store *r = calloc(1, sizeof(*r));

	if (!r || sodium_init() < 0) {
		free(r);
		bc_error_set(err, bc_err_internal, "out of memory");
		return NULL;
	}
	r->api.start = redis_start;
	r->api.check = redis_check;
	r->api.cancel = redis_cancel;
	r->api.day_keys = redis_day_keys;
	r->api.free = redis_free;
	crypto_generichash(r->box_key, sizeof r->box_key, (const uint8_t *)"bc verify box key", 17, secret, 32);
	if (bc_server_redis_conn_open(&r->conn, url, stats, load_scripts, r, err) < 0) {
		sodium_memzero(r, sizeof(*r));
		free(r);
		return NULL;
	}
	return &r->api;
}
