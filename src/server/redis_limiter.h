#ifndef BC_SERVER_REDIS_LIMITER_H
#define BC_SERVER_REDIS_LIMITER_H

/*
 * The rate limiter shared by several evaluators through Redis (issue #15,
 * docs/deploy.md "Shared state"), behind the limiter interface of
 * limiter.h. See redis_limiter.c for the keys and the Lua script.
 */

#include <stdint.h>

#include "server/limiter.h"
#include "server/ratelimit.h"
#include "server/redis_conn.h" /* struct bc_server_redis_stats, the URL */
#include "util/error.h"

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
