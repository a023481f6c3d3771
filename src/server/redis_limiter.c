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
 * every 500 ms; in between, requests fail at once.
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#include "server/limiter.h"
#include "server/ratelimit.h"
#include "server/redis_limiter.h"

#define HOST_MAX 256
#define RETRY_AFTER_FAILURE 0.5 /* seconds between reconnection attempts */

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
	pthread_mutex_t lock;
	redisContext *ctx;             /* NULL while disconnected */
	double next_try;               /* monotonic seconds: no reconnection before */
	char host[HOST_MAX];           /* host name, or the socket path with is_unix */
	int port, is_unix, db;
	char password[128];
	char sha[41];                  /* SHA1 of script, once loaded */
	struct bc_server_rl_limits lim;
	uint8_t hash_key[32];
	struct bc_server_redis_stats *stats;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count(atomic_uint_fast64_t *c)
{
	if (c)
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void drop(struct redis_limiter *r)
{
	if (r->ctx)
		redisFree(r->ctx);
	r->ctx = NULL;
	r->sha[0] = '\0';
	r->next_try = now_mono() + RETRY_AFTER_FAILURE;
	count(r->stats ? &r->stats->errors : NULL);
}

/* A reply that is not an error; frees and returns NULL otherwise. */
static redisReply *ok_reply(redisReply *rep)
{
	if (rep && rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

redisContext *bc_server_redis_connect(const char *host, int port, int is_unix, int db,
				      const char *password)
{
	struct timeval ct = { 0, 300000 }, rt = { 0, 500000 };
	redisContext *ctx;
	redisReply *rep;

	ctx = is_unix ? redisConnectUnixWithTimeout(host, ct) : redisConnectWithTimeout(host, port, ct);
	if (!ctx || ctx->err || redisSetTimeout(ctx, rt) != REDIS_OK)
		goto fail;
	if (password[0]) {
		rep = ok_reply(redisCommand(ctx, "AUTH %s", password));
		if (!rep)
			goto fail;
		freeReplyObject(rep);
	}
	if (db) {
		rep = ok_reply(redisCommand(ctx, "SELECT %d", db));
		if (!rep)
			goto fail;
		freeReplyObject(rep);
	}
	return ctx;
fail:
	if (ctx)
		redisFree(ctx);
	return NULL;
}

static int connect_now(struct redis_limiter *r)
{
	redisReply *rep;

	r->ctx = bc_server_redis_connect(r->host, r->port, r->is_unix, r->db, r->password);
	if (!r->ctx)
		goto fail;
	rep = ok_reply(redisCommand(r->ctx, "SCRIPT LOAD %s", script));
	if (!rep || rep->type != REDIS_REPLY_STRING || rep->len != 40) {
		if (rep)
			freeReplyObject(rep);
		goto fail;
	}
	memcpy(r->sha, rep->str, 40);
	r->sha[40] = '\0';
	freeReplyObject(rep);
	if (r->stats)
		atomic_fetch_add_explicit(&r->stats->connects, 1, memory_order_relaxed);
	return 0;
fail:
	drop(r);
	return -1;
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

	pthread_mutex_lock(&r->lock);
	if (!r->ctx && (now_mono() < r->next_try || connect_now(r) < 0))
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
	rep = redisCommandArgv(r->ctx, 3 + nk + na, argv, argl);
	if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
		/* Redis restarted or flushed its scripts: load it again, once */
		freeReplyObject(rep);
		rep = ok_reply(redisCommand(r->ctx, "SCRIPT LOAD %s", script));
		if (rep && rep->type == REDIS_REPLY_STRING && rep->len == 40) {
			memcpy(r->sha, rep->str, 40);
			freeReplyObject(rep);
			rep = redisCommandArgv(r->ctx, 3 + nk + na, argv, argl);
		}
	}
	if (!rep || rep->type != REDIS_REPLY_INTEGER || rep->integer < 0) {
		drop(r);
		goto out;
	}
	ret = rep->integer > INT_MAX ? INT_MAX : (unsigned)rep->integer;
out:
	pthread_mutex_unlock(&r->lock);
	if (rep)
		freeReplyObject(rep);
	if (ret == BC_SERVER_LIMITER_UNAVAILABLE && r->stats)
		atomic_fetch_add_explicit(&r->stats->unavailable, 1, memory_order_relaxed);
	return ret;
}

static void redis_free(struct bc_server_limiter *l)
{
	struct redis_limiter *r = (struct redis_limiter *)l;

	if (!r)
		return;
	if (r->ctx)
		redisFree(r->ctx);
	pthread_mutex_destroy(&r->lock);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

int bc_server_redis_url_parse(const char *url, char *host, size_t host_size, int *port,
			      int *is_unix, int *db, char *password, size_t password_size)
{
	const char *p, *at, *end, *colon;
	size_t n;

	*port = 6379;
	*is_unix = 0;
	*db = 0;
	password[0] = '\0';
	if (!strncmp(url, "unix://", 7)) {
		n = strlen(url + 7);
		if (n == 0 || n >= host_size || url[7] != '/')
			return -1;
		memcpy(host, url + 7, n + 1);
		*is_unix = 1;
		return 0;
	}
	if (strncmp(url, "redis://", 8))
		return -1;
	p = url + 8;
	end = p + strcspn(p, "/");
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		/* redis://:password@host or redis://user:password@host (user ignored) */
		colon = memchr(p, ':', (size_t)(at - p));
		if (!colon)
			return -1;
		n = (size_t)(at - colon - 1);
		if (n >= password_size)
			return -1;
		memcpy(password, colon + 1, n);
		password[n] = '\0';
		p = at + 1;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	n = (size_t)((colon ? colon : end) - p);
	if (n == 0 || n >= host_size)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon) {
		char *e;
		long v = strtol(colon + 1, &e, 10);

		if (e != end || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	}
	if (*end == '/' && end[1]) {
		char *e;
		long v = strtol(end + 1, &e, 10);

		if (*e || v < 0 || v > 1000)
			return -1;
		*db = (int)v;
	}
	return 0;
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
	if (bc_server_redis_url_parse(url, r->host, sizeof(r->host), &r->port, &r->is_unix, &r->db,
				      r->password, sizeof(r->password))) {
		free(r);
		bc_error_set_field(err, bc_err_bad_field, "--redis",
				   "--redis: give redis://HOST[:PORT][/DB] (optionally "
				   "redis://:PASSWORD@HOST...) or unix:///PATH");
		return NULL;
	}
	r->base.take = redis_take;
	r->base.free = redis_free;
	r->lim = *lim;
	r->stats = stats;
	crypto_generichash(r->hash_key, sizeof(r->hash_key), (const uint8_t *)"bc redis keys", 13,
			   secret, 32);
	pthread_mutex_init(&r->lock, NULL);
	/* unreachable now is not fatal: requests fail closed until it answers */
	pthread_mutex_lock(&r->lock);
	connect_now(r);
	r->next_try = 0;
	pthread_mutex_unlock(&r->lock);
	return &r->base;
}

int bc_server_limiter_redis_ok(struct bc_server_limiter *l)
{
	struct redis_limiter *r = (struct redis_limiter *)l;
	int ok;

	pthread_mutex_lock(&r->lock);
	ok = r->ctx != NULL;
	pthread_mutex_unlock(&r->lock);
	return ok;
}
