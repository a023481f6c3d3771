#ifndef BC_SERVER_REDIS_VERIFY_STORE_H
#define BC_SERVER_REDIS_VERIFY_STORE_H

/*
 * The one-time codes of the proof tier shared by several evaluators through
 * Redis (issue #15, DESIGN.md §6 and §9, docs/verify.md "Several
 * evaluators"): the bc_verify_store of verify_store.h, kept in Redis and
 * updated by Lua scripts, so that a code started on one evaluator verifies
 * on another. See redis_verify_store.c for the keys and what they hold.
 */

#include <stdint.h>

#include "server/redis_limiter.h"
#include "server/verify_store.h"
#include "util/error.h"

/*
 * The Redis backend. url: as bc_server_redis_url_parse. secret: 32 bytes
 * from the evaluator's key (the same on every evaluator of one key), which
 * keys the encryption of the stored address together with the code.
 * stats: the counters of --redis (metrics.c; may be NULL). Connects at once;
 * an unreachable Redis is not an error here: the functions then answer
 * BC_VERIFY_UNAVAILABLE until it answers (fail closed). Returns the store
 * (free with s->free), or NULL with err filled ("bad_field" for a bad URL,
 * "internal").
 */
struct bc_verify_store *bc_verify_store_redis(const char *url, const uint8_t secret[32],
					      struct bc_server_redis_stats *stats, struct bc_error *err);

#endif
