/*
 * The rate limiter shared by several evaluators through Redis (issue #15,
 * DESIGN.md §9, docs/deploy.md "Shared state"): the same token buckets as
 * the in-memory backend (ratelimit.h: per client, per IPv6 /56 and /48 and
 * IPv4 /24, global), kept in Redis hashes and updated by one Lua script per
 * request, so that every limit is checked and charged atomically across
 * all evaluators, with Redis's clock. Each hash expires once its bucket
 * would be full again.
 *
 * Keys never hold an address: "bc:rl:<level>:<32 hex>" where the hex is a
 * keyed BLAKE2b-128 of the level and the masked address, keyed by a value
 * derived from the evaluator's secret key (every evaluator of one key
 * computes the same names; Redis, its dumps and its MONITOR see none).
 *
 * Redis unreachable, or answering an error: take() returns
 * BC_SERVER_LIMITER_UNAVAILABLE and the evaluator answers 503 (fail
 * closed: no evaluation without limits). Reconnection is tried at most
 * every 500 ms; in between, requests fail at once (redis_conn.h: the
 * connection, shared in form with redis_verify_store.c).
 */

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#include "server/limiter.h"
#include "server/ratelimit.h"
#include "server/redis_conn.h"
#include "server/redis_limiter.h"


static const char script[] =
	"local cost = tonumber(ARGV[1])\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"
	"local tok = {}\n"
	"local wait = 0\n"
	"for i = 1, #KEYS do\n"
	"  local rate = tonumber(ARGV[2 * i]); local burst = tonumber(ARGV[2 * i + 1])\n"
	"  local v = redis.call('HMGET', KEYS[i], 't', 'l')\n"
	"  local tk = burst\n"
	"  if v[1] and v[2] then\n"
	"    tk = math.min(burst, tonumber(v[1]) + math.max(0, now - tonumber(v[2])) * rate)\n"
	"  end\n"
	"  tok[i] = tk\n"
	"  if tk < cost then\n"
	"    local need = cost - tk\n"
	"    if cost > burst then need = burst - tk end\n"
	"    local w = math.ceil(need / rate)\n"
	"    if w < 1 then w = 1 end\n"
	"    if w > wait then wait = w end\n"
	"  end\n"
	"end\n"
	"if wait > 0 then return wait end\n"
	"for i = 1, #KEYS do\n"
	"  local rate = tonumber(ARGV[2 * i]); local burst = tonumber(ARGV[2 * i + 1])\n"
	"  redis.call('HSET', KEYS[i], 't', tostring(tok[i] - cost), 'l', tostring(now))\n"
	"  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000) + 1000)\n"
	"end\n"
	"return 0\n";

struct redis_limiter {
	struct bc_server_limiter base; /* first: the limiter is the struct */
	struct bc_server_redis_conn conn;
	char sha[41];                  /* SHA1 of script, once loaded */
	struct bc_server_rl_limits lim;
	uint8_t hash_key[32];
};

static int load_script(struct bc_server_redis_conn *c)
{
	struct redis_limiter *r = c->owner;

	return bc_server_redis_load_script(c->ctx, script, r->sha);
}

/* The keyed name of one bucket: level tag and the masked address bytes. */
static void key_name(const struct redis_limiter *r, const char *level, const uint8_t *bytes,
		     size_t n, char out[64])
{
	uint8_t h[16];
	char hex[33];
	crypto_generichash_state st;

	crypto_generichash_init(&st, r->hash_key, sizeof(r->hash_key), sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)level, strlen(level) + 1);
	crypto_generichash_update(&st, bytes, n);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, 64, "bc:rl:%s:%s", level, hex);
}

static int is_v4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, mapped, sizeof(mapped));
}

static unsigned redis_take(struct bc_server_limiter *l, const uint8_t addr[16], unsigned cost)
{
	struct redis_limiter *r = (struct redis_limiter *)l;
	char names[5][64], nums[11][32];
	const char *argv[3 + 5 + 11];
	size_t argl[3 + 5 + 11];
	int nk = 0, na = 0, i, v4 = is_v4(addr);
	unsigned ret = BC_SERVER_LIMITER_UNAVAILABLE;
	redisReply *rep = NULL;
	struct {
		const char *tag;
		int level;
		size_t bytes; /* of addr that name the key; 0: not for this family */
	} lv[] = {
		{ "c", BC_SERVER_RL_CLIENT, v4 ? 16 : 8 },
		{ "56", BC_SERVER_RL_NET56, v4 ? 0 : 7 },
		{ "48", BC_SERVER_RL_NET48, v4 ? 0 : 6 },
		{ "24", BC_SERVER_RL_NET24, v4 ? 15 : 0 },
	};

	snprintf(nums[na++], sizeof(nums[0]), "%u", cost);
	for (i = 0; i < 4; i++) {
		unsigned per_min = r->lim.per_min[lv[i].level];

		if (!per_min || !lv[i].bytes)
			continue;
		key_name(r, lv[i].tag, addr, lv[i].bytes, names[nk++]);
		snprintf(nums[na++], sizeof(nums[0]), "%.9g", per_min / 60.0);
		snprintf(nums[na++], sizeof(nums[0]), "%u", per_min);
	}
	if (r->lim.global_per_sec) {
		snprintf(names[nk++], sizeof(names[0]), "bc:rl:g");
		snprintf(nums[na++], sizeof(nums[0]), "%u", r->lim.global_per_sec);
		snprintf(nums[na++], sizeof(nums[0]), "%u", r->lim.global_per_sec);
	}
	if (nk == 0)
		return 0;

	pthread_mutex_lock(&r->conn.lock);
	if (bc_server_redis_conn_ready(&r->conn) < 0)
		goto out;
	argv[0] = "EVALSHA";
	argv[1] = r->sha;
	snprintf(nums[na], sizeof(nums[0]), "%d", nk);
	argv[2] = nums[na];
	for (i = 0; i < nk; i++)
		argv[3 + i] = names[i];
	for (i = 0; i < na; i++)
		argv[3 + nk + i] = nums[i];
	for (i = 0; i < 3 + nk + na; i++)
		argl[i] = strlen(argv[i]);
	rep = bc_server_redis_conn_command(&r->conn, 3 + nk + na, argv, argl);
	if (!rep || rep->type != REDIS_REPLY_INTEGER || rep->integer < 0) {
		bc_server_redis_conn_drop(&r->conn);
		goto out;
	}
	ret = rep->integer > INT_MAX ? INT_MAX : (unsigned)rep->integer;
out:
	pthread_mutex_unlock(&r->conn.lock);
	if (rep)
		freeReplyObject(rep);
	if (ret == BC_SERVER_LIMITER_UNAVAILABLE)
		bc_server_redis_conn_unavailable(&r->conn);
	return ret;
}

static void redis_free(struct bc_server_limiter *l)
{
	struct redis_limiter *r = (struct redis_limiter *)l;

	if (!r)
		return;
	bc_server_redis_conn_close(&r->conn);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

struct bc_server_limiter *bc_server_limiter_redis(const char *url,
						  const struct bc_server_rl_limits *lim,
						  const uint8_t secret[32],
						  struct bc_server_redis_stats *stats,
						  struct bc_error *err)
{
	struct redis_limiter *r = calloc(1, sizeof(*r));

	if (!r) {
		bc_error_set(err, bc_err_internal, "out of memory");
		return NULL;
	}
	r->base.take = redis_take;
	r->base.free = redis_free;
	r->lim = *lim;
	crypto_generichash(r->hash_key, sizeof(r->hash_key), (const uint8_t *)"bc redis keys", 13,
			   secret, 32);
	if (bc_server_redis_conn_open(&r->conn, url, stats, load_script, r, err) < 0) {
		sodium_memzero(r, sizeof(*r));
		free(r);
		return NULL;
	}
	return &r->base;
}

int bc_server_limiter_redis_ok(struct bc_server_limiter *l)
{
	struct redis_limiter *r = (struct redis_limiter *)l;
	int ok;

	pthread_mutex_lock(&r->conn.lock);
	ok = r->conn.ctx != NULL;
	pthread_mutex_unlock(&r->conn.lock);
	return ok;
}
