#ifndef BC_SERVER_REDIS_LIMITER_H
#define BC_SERVER_REDIS_LIMITER_H

/*
 * The rate limiter shared by several evaluators through Redis (issue #15,
 * docs/deploy.md "Shared state"), behind the limiter interface of
 * limiter.h. See redis_limiter.c for the keys and the Lua script.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "server/limiter.h"
#include "server/ratelimit.h"
#include "util/error.h"

/* Counters of the shared store, exported by /metrics (metrics.c). */
struct bc_server_redis_stats {
	int enabled;                       /* --redis given */
	atomic_uint_fast64_t errors;       /* failed connections, commands, replies */
	atomic_uint_fast64_t unavailable;  /* requests refused (503) because of them */
	atomic_uint_fast64_t connects;     /* successful (re)connections */
};

/*
 * Parse url: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH.
 * host: the host name or the socket path (host_size bytes); port 6379 by
 * default; db 0 by default; password "" if none. Returns 0, or -1 if url
 * is not of that form (or a part does not fit).
 */
int bc_server_redis_url_parse(const char *url, char *host, size_t host_size, int *port,
			      int *is_unix, int *db, char *password, size_t password_size);

/*
 * One connection to Redis (hiredis): 300 ms to connect, 500 ms per command
 * afterwards, AUTH with password if not "", SELECT db if not 0. Returns the
 * context (the caller frees it with redisFree), or NULL if any step failed.
 */
struct redisContext *bc_server_redis_connect(const char *host, int port, int is_unix, int db,
					     const char *password);

/*
 * The Redis backend: the same limits as the in-memory one (lim), kept in
 * Redis and updated atomically by one Lua script per request (Redis's
 * clock, expiring keys). secret: 32 bytes from the evaluator's key, which
 * keys the hash that names the buckets (no address is stored). stats: the
 * counters to update (may be NULL). Connects at once; an unreachable Redis
 * is not an error here: take() then returns BC_SERVER_LIMITER_UNAVAILABLE
 * until it answers (fail closed). Returns the limiter (free with l->free),
 * or NULL with err filled ("bad_field" for a bad URL, "internal").
 */
struct bc_server_limiter *bc_server_limiter_redis(const char *url,
						  const struct bc_server_rl_limits *lim,
						  const uint8_t secret[32],
						  struct bc_server_redis_stats *stats,
						  struct bc_error *err);

/* 1 if the limiter is connected to Redis now (for health), else 0. */
int bc_server_limiter_redis_ok(struct bc_server_limiter *l);

#endif
