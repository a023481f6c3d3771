#ifndef BC_SERVER_REDIS_CONN_H
#define BC_SERVER_REDIS_CONN_H

/*
 * One evaluator's connection to the shared Redis (issue #15, DESIGN.md §9,
 * docs/deploy.md "Shared state"), as used by the rate limiter
 * (redis_limiter.c) and the proof tier's code store (redis_verify_store.c):
 * the URL, connecting (AUTH, SELECT), the owner's Lua scripts loaded on
 * every (re)connection and again on NOSCRIPT, reconnection at most every
 * 500 ms, and the counters of /metrics. Fail closed: while Redis does not
 * answer, bc_server_redis_conn_ready() says so at once and the owner answers
 * "unavailable" (503).
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "util/error.h"

struct redisContext;
struct redisReply;

/* Counters of the shared store, exported by /metrics (metrics.c). */
struct bc_server_redis_stats {
	int enabled;                       /* --redis given */
	atomic_uint_fast64_t errors;       /* failed connections, commands, replies */
	atomic_uint_fast64_t unavailable;  /* requests refused (503) because of them */
	atomic_uint_fast64_t connects;     /* successful (re)connections */
};

#define BC_SERVER_REDIS_HOST_MAX 256

/*
 * One connection, embedded in its owner's struct. The owner holds lock
 * around every call below but bc_server_redis_conn_open/_close, and around
 * every use of ctx. load: the owner's function that loads its scripts on
 * c->ctx (bc_server_redis_load_script) and keeps their SHA1s; returns 0, or
 * -1 if one failed. owner: the owner's struct, for load.
 */
struct bc_server_redis_conn {
	pthread_mutex_t lock;
	struct redisContext *ctx;          /* NULL while disconnected */
	double next_try;                   /* monotonic seconds: no reconnection before */
	char host[BC_SERVER_REDIS_HOST_MAX]; /* host name, or the socket path with is_unix */
	int port, is_unix, db;
	char password[128];
	struct bc_server_redis_stats *stats; /* may be NULL */
	int (*load)(struct bc_server_redis_conn *c);
	void *owner;
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
 * Fill c (zeroed by the caller) from url (as bc_server_redis_url_parse),
 * stats (may be NULL), load and owner, initialise c->lock and connect once.
 * An unreachable Redis is not an error here (counted in stats->errors;
 * bc_server_redis_conn_ready() tries again). Returns 0, or -1 with err set
 * ("bad_field" on --redis) if url is not of that form; then c holds nothing
 * to close.
 */
int bc_server_redis_conn_open(struct bc_server_redis_conn *c, const char *url,
			      struct bc_server_redis_stats *stats,
			      int (*load)(struct bc_server_redis_conn *c), void *owner,
			      struct bc_error *err);

/*
 * Under c->lock: 0 if c->ctx is connected, now or by a reconnection tried
 * here (counted in stats->connects); -1 if not (the last failure is less
 * than 500 ms old, or this attempt failed and is counted in stats->errors).
 */
int bc_server_redis_conn_ready(struct bc_server_redis_conn *c);

/*
 * Under c->lock: forget a connection that failed or answered nonsense
 * (freed; c->ctx NULL), count it in stats->errors, and try again no sooner
 * than 500 ms from now.
 */
void bc_server_redis_conn_drop(struct bc_server_redis_conn *c);

/* Count one request refused because Redis did not answer (stats->unavailable). */
void bc_server_redis_conn_unavailable(struct bc_server_redis_conn *c);

/*
 * Under c->lock, with c->ctx connected: run the command argv[0..argc-1]
 * (argl: their lengths; binary-safe), normally an EVALSHA of one of the
 * owner's scripts. On NOSCRIPT (Redis restarted or flushed its scripts),
 * reload them with c->load, once, and run it again. Returns the reply (the
 * caller frees it with freeReplyObject and checks its type), or NULL if
 * there was none or the scripts did not load (the caller then drops c).
 */
struct redisReply *bc_server_redis_conn_command(struct bc_server_redis_conn *c, int argc,
						const char **argv, const size_t *argl);

/*
 * SCRIPT LOAD script on ctx; sha: 41 bytes, receives its SHA1 in hex with a
 * NUL. Returns 0, or -1 if Redis did not answer with one (sha unchanged).
 */
int bc_server_redis_load_script(struct redisContext *ctx, const char *script, char sha[41]);

/* Free c->ctx if connected and destroy c->lock (c itself is the owner's). */
void bc_server_redis_conn_close(struct bc_server_redis_conn *c);

#endif
