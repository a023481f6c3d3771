/*
 * One evaluator's connection to the shared Redis (redis_conn.h; issue #15,
 * docs/deploy.md "Shared state"): what the rate limiter and the proof
 * tier's code store both need. Reconnection is tried at most every 500 ms;
 * in between, bc_server_redis_conn_ready() fails at once (fail closed).
 */

#include "server/redis_conn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#define RETRY_AFTER_FAILURE 0.5 /* seconds between reconnection attempts */

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
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

int bc_server_redis_load_script(redisContext *ctx, const char *script, char sha[41])
{
	redisReply *rep = ok_reply(redisCommand(ctx, "SCRIPT LOAD %s", script));

	if (!rep || rep->type != REDIS_REPLY_STRING || rep->len != 40) {
		if (rep)
			freeReplyObject(rep);
		return -1;
	}
	memcpy(sha, rep->str, 40);
	sha[40] = '\0';
	freeReplyObject(rep);
	return 0;
}

void bc_server_redis_conn_drop(struct bc_server_redis_conn *c)
{
	if (c->ctx)
		redisFree(c->ctx);
	c->ctx = NULL;
	c->next_try = now_mono() + RETRY_AFTER_FAILURE;
	if (c->stats)
		count(&c->stats->errors);
}

void bc_server_redis_conn_unavailable(struct bc_server_redis_conn *c)
{
	if (c->stats)
		count(&c->stats->unavailable);
}

/* Connect and load the owner's scripts; drops (and counts) on failure. */
static int connect_now(struct bc_server_redis_conn *c)
{
	c->ctx = bc_server_redis_connect(c->host, c->port, c->is_unix, c->db, c->password);
	if (!c->ctx || c->load(c) < 0) {
		bc_server_redis_conn_drop(c);
		return -1;
	}
	if (c->stats)
		count(&c->stats->connects);
	return 0;
}

int bc_server_redis_conn_ready(struct bc_server_redis_conn *c)
{
	if (!c->ctx && (now_mono() < c->next_try || connect_now(c) < 0))
		return -1;
	return 0;
}

redisReply *bc_server_redis_conn_command(struct bc_server_redis_conn *c, int argc,
					 const char **argv, const size_t *argl)
{
	redisReply *rep = redisCommandArgv(c->ctx, argc, argv, argl);

	if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
		/* Redis restarted or flushed its scripts: load them again, once */
		freeReplyObject(rep);
		rep = c->load(c) == 0 ? redisCommandArgv(c->ctx, argc, argv, argl) : NULL;
	}
	return rep;
}

int bc_server_redis_conn_open(struct bc_server_redis_conn *c, const char *url,
			      struct bc_server_redis_stats *stats,
			      int (*load)(struct bc_server_redis_conn *c), void *owner,
			      struct bc_error *err)
{
	if (bc_server_redis_url_parse(url, c->host, sizeof(c->host), &c->port, &c->is_unix, &c->db,
				      c->password, sizeof(c->password))) {
		bc_error_set_field(err, bc_err_bad_field, "--redis",
				   "--redis: give redis://HOST[:PORT][/DB] (optionally "
				   "redis://:PASSWORD@HOST...) or unix:///PATH");
		return -1;
	}
	c->stats = stats;
	c->load = load;
	c->owner = owner;
	pthread_mutex_init(&c->lock, NULL);
	/* unreachable now is not fatal: requests fail closed until it answers */
	pthread_mutex_lock(&c->lock);
	connect_now(c);
	c->next_try = 0;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void bc_server_redis_conn_close(struct bc_server_redis_conn *c)
{
	if (c->ctx)
		redisFree(c->ctx);
	c->ctx = NULL;
	pthread_mutex_destroy(&c->lock);
}
