/*
 * POST /v1/verify/start and /v1/verify/evaluate (DESIGN.md §6, §8;
 * docs/verify.md). Start reads no index or state: it draws a code, keeps
 * its keyed hash, and mails it (src/mail). Evaluate checks the code and
 * evaluates exactly one element with the POPRF under skV, the address the
 * server itself verified as info. The address is never logged, counted by
 * value, or put in an error message.
 */

#include "server/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "mail/mail.h"
#include "server/internal.h"
#include "server/redis_verify_store.h"
#include "util/error.h"

#define LIMIT_SLOTS 4096

/* ------------------------------------------------------------ start limits */

/* Token buckets for starts, per hour (mail bombing): per client, per network
 * (IPv4 /24, IPv6 /48) and in total. A small table scanned in full: starts
 * are few, and the global limit bounds them. */
struct start_bucket {
	uint8_t key[17]; /* level byte, then the masked address */
	double tokens, last;
	int used;
};

struct bc_server_verify {
	struct bc_verify_store *store;
	struct bc_mail_config mail;
	const char *service;
	pthread_mutex_t lock;
	uint8_t *keys;          /* sodium_malloc: code-hash keys, [0] today's, [1] the previous day's */
	uint32_t key_day;
	uint8_t addr_secret[32];
	double rate[3], burst[3]; /* starts per second and capacity: client, network, global */
	struct start_bucket buckets[LIMIT_SLOTS];
	double global_tokens, global_last;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double refill(double tokens, double last, double now, double rate, double burst)
{
	tokens += (now - last) * rate;
	return tokens > burst ? burst : tokens;
}

/* Takes one start for addr at every level, or none; returns the wait in seconds (0 = allowed). */
static unsigned take_start(struct bc_server_verify *v, const uint8_t addr[16])
{
	uint8_t keys[2][17];
	struct start_bucket *b[2] = { NULL, NULL };
	double now = now_mono(), need = 0;
	int v4 = !memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12), lvl;
	size_t i;

	memset(keys, 0, sizeof(keys));
	keys[0][0] = 1;
	keys[1][0] = 2;
	memcpy(keys[0] + 1, addr, v4 ? 16 : 8);       /* client: IPv4 address, IPv6 /64 */
	memcpy(keys[1] + 1, addr, v4 ? 15 : 6);       /* network: IPv4 /24, IPv6 /48 */
	pthread_mutex_lock(&v->lock);
	for (lvl = 0; lvl < 2; lvl++) {
		struct start_bucket *victim = NULL;

		if (v->rate[lvl] <= 0)
			continue;
		for (i = 0; i < LIMIT_SLOTS; i++) {
			struct start_bucket *s = &v->buckets[i];

			if (s->used && !memcmp(s->key, keys[lvl], 17)) {
				b[lvl] = s;
				break;
			}
			if (!s->used) {
				if (!victim || victim->used)
					victim = s;
			} else if (!victim || (victim->used &&
					       refill(s->tokens, s->last, now, v->rate[s->key[0] - 1],
						      v->burst[s->key[0] - 1]) >
						       refill(victim->tokens, victim->last, now,
							      v->rate[victim->key[0] - 1],
							      v->burst[victim->key[0] - 1]))) {
				victim = s; /* evict the fullest: only ever forgives */
			}
		}
		if (!b[lvl]) {
			b[lvl] = victim;
			memcpy(b[lvl]->key, keys[lvl], 17);
			b[lvl]->tokens = v->burst[lvl];
			b[lvl]->last = now;
			b[lvl]->used = 1;
		}
		b[lvl]->tokens = refill(b[lvl]->tokens, b[lvl]->last, now, v->rate[lvl], v->burst[lvl]);
		b[lvl]->last = now;
		if (b[lvl]->tokens < 1 && (1 - b[lvl]->tokens) / v->rate[lvl] > need)
			need = (1 - b[lvl]->tokens) / v->rate[lvl];
	}
	if (v->rate[2] > 0) {
		v->global_tokens = refill(v->global_tokens, v->global_last, now, v->rate[2], v->burst[2]);
		v->global_last = now;
		if (v->global_tokens < 1 && (1 - v->global_tokens) / v->rate[2] > need)
			need = (1 - v->global_tokens) / v->rate[2];
	}
	if (need == 0) {
		for (lvl = 0; lvl < 2; lvl++)
			if (b[lvl])
				b[lvl]->tokens -= 1;
		if (v->rate[2] > 0)
			v->global_tokens -= 1;
	}
	pthread_mutex_unlock(&v->lock);
	return need == 0 ? 0 : (unsigned)need + 1;
}

/* ---------------------------------------------------------------- codes */

static uint32_t utc_day(void)
{
	return (uint32_t)(time(NULL) / 86400);
}

/* The code-hash keys: a fresh random key each UTC day (never derived from
 * the seed); yesterday's is kept so that a code sent at 23:55 still works.
 * With a shared store (--redis) the store keeps them, the same for every
 * evaluator. Returns BC_VERIFY_OK or BC_VERIFY_UNAVAILABLE. */
static int current_keys(struct bc_server_verify *v, uint8_t cur[32], uint8_t prev[32])
{
	uint32_t day = utc_day();

	if (v->store->day_keys)
		return v->store->day_keys(v->store, day, cur, prev);
	pthread_mutex_lock(&v->lock);
	if (day != v->key_day) {
		if (day == v->key_day + 1)
			memcpy(v->keys + 32, v->keys, 32);
		else
			randombytes_buf(v->keys + 32, 32);
		randombytes_buf(v->keys, 32);
		v->key_day = day;
	}
	memcpy(cur, v->keys, 32);
	memcpy(prev, v->keys + 32, 32);
	pthread_mutex_unlock(&v->lock);
	return BC_VERIFY_OK;
}

static void code_hash(const uint8_t key[32], const uint8_t id[BC_VERIFY_ID_BYTES], const char *code,
		      uint8_t out[BC_VERIFY_HASH_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, 32, BC_VERIFY_HASH_BYTES);
	crypto_generichash_update(&st, id, BC_VERIFY_ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)code, BC_VERIFY_CODE_DIGITS);
	crypto_generichash_final(&st, out, BC_VERIFY_HASH_BYTES);
}

int bc_server_verify_new(struct bc_server *srv, struct bc_error *err)
{
	const struct bc_server_options *o = &srv->opt;
	struct bc_server_verify *v;

	if (!o->verify_mail)
		return 0;
	if (bc_mail_config_check(o->verify_mail, err))
		return -1;
	v = calloc(1, sizeof(*v));
	if (!v)
		return bc_error_set(err, bc_err_internal, "out of memory");
	if (o->verify_store)
		v->store = o->verify_store;
	else if (o->redis_url && *o->redis_url) {
		/* --redis: codes started on one evaluator verify on another (issue #15) */
		v->store = bc_verify_store_redis(o->redis_url, o->key->sk_s, &srv->metrics.redis, err);
		if (!v->store) {
			free(v);
			return -1;
		}
	} else
		v->store = bc_verify_store_memory(4096, 65536);
	v->keys = sodium_malloc(64);
	if (!v->store || !v->keys) {
		if (v->store && !o->verify_store)
			v->store->free(v->store);
		if (v->keys)
			sodium_free(v->keys);
		free(v);
		return bc_error_set(err, bc_err_internal, "out of memory");
	}
	v->mail = *o->verify_mail;
	v->service = o->service_name && *o->service_name ? o->service_name : "breachcheck";
	pthread_mutex_init(&v->lock, NULL);
	randombytes_buf(v->keys, 64);
	v->key_day = utc_day();
	if (o->redis_url && *o->redis_url && !o->verify_store)
		/* shared: every evaluator of one key names an address's counts alike
		 * (a keyed hash; Redis never sees the address) */
		crypto_generichash(v->addr_secret, sizeof v->addr_secret, (const uint8_t *)"bc verify addr_key",
				   18, o->key->sk_s, 32);
	else
		randombytes_buf(v->addr_secret, sizeof v->addr_secret);
	v->rate[0] = o->verify_starts_per_client / 3600.0;
	v->burst[0] = o->verify_starts_per_client;
	v->rate[1] = o->verify_starts_per_net / 3600.0;
	v->burst[1] = o->verify_starts_per_net;
	v->rate[2] = o->verify_starts_global / 3600.0;
	v->burst[2] = o->verify_starts_global;
	v->global_tokens = v->burst[2];
	v->global_last = now_mono();
	srv->verify = v;
	return 0;
}

void bc_server_verify_free(struct bc_server *srv)
{
	struct bc_server_verify *v = srv->verify;

	if (!v)
		return;
	if (!srv->opt.verify_store)
		v->store->free(v->store);
	sodium_free(v->keys);
	sodium_memzero(v->addr_secret, sizeof v->addr_secret);
	pthread_mutex_destroy(&v->lock);
	free(v);
	srv->verify = NULL;
}

/* The mail: the code and the service's name, in French and English, and
 * nothing about any breach (the mailbox may be shared or read by others). */
static int send_code(struct bc_server_verify *v, const char *to, const char *code, struct bc_error *err)
{
	char text[2048];
	struct bc_mail_message m = { 0 };
	struct bc_mail_result res;
	int rc;

	snprintf(text, sizeof text,
		 "Bonjour,\n\n"
		 "Voici votre code de vérification pour %s :\n\n"
		 "    %s\n\n"
		 "Il est valable 20 minutes et ne sert qu'une fois. Si vous n'avez rien demandé,\n"
		 "ignorez ce message : sans ce code, personne ne peut rien faire.\n\n"
		 "--\n\n"
		 "Hello,\n\n"
		 "Here is your verification code for %s:\n\n"
		 "    %s\n\n"
		 "It is valid for 20 minutes and works once. If you did not ask for it, ignore\n"
		 "this message: without the code nobody can do anything.\n",
		 v->service, code, v->service, code);
	m.to = to;
	m.subject = "Votre code de vérification / Your verification code";
	m.text = text;
	rc = bc_mail_send(&v->mail, &m, &res, err);
	sodium_memzero(text, sizeof text);
	return rc;
}

static enum MHD_Result start_refused(struct MHD_Connection *c, struct bc_server_request *r, const char *why,
				     unsigned wait)
{
	char msg[200];

	snprintf(msg, sizeof msg, "%s: retry after %u seconds", why, wait ? wait : 1);
	return bc_server_error(c, r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited", msg, NULL, wait ? wait : 1);
}

/* The shared store (--redis) does not answer: fail closed, as /v1/evaluate
 * does, counted in breachcheck_redis_unavailable_total (docs/deploy.md). */
static enum MHD_Result store_unavailable(struct MHD_Connection *c, struct bc_server_request *r)
{
	return bc_server_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
			       "the shared store (--redis) does not answer: retry in a moment",
			       NULL, 5);
}

/* What both routes check first: verification is set up, and the body is JSON.
 * Returns 1 with *ret the answer sent when the request stops there, else 0. */
static int refused_early(struct MHD_Connection *c, struct bc_server_request *r, enum MHD_Result *ret)
{
	if (!r->srv->verify) {
		*ret = bc_server_error(c, r, MHD_HTTP_NOT_IMPLEMENTED, "not_implemented",
				       "email verification is not set up on this server (serve --smtp-url or --mail-dir)",
				       NULL, 0);
		return 1;
	}
	if (!bc_server_is_json_request(c)) {
		*ret = bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_json",
				       "the request must have Content-Type: application/json", NULL, 0);
		return 1;
	}
	return 0;
}

enum MHD_Result bc_server_handle_verify_start(struct MHD_Connection *c, struct bc_server_request *r,
					      const struct bc_server_params *p)
{
	struct bc_server *srv = r->srv;
	struct bc_server_verify *v = srv->verify;
	struct bc_server_body_error e;
	struct bc_verify_record *rec = NULL;
	struct bc_error err = BC_ERROR_INIT;
	uint8_t addr[16], cur[32], prev[32];
	char code[BC_VERIFY_CODE_DIGITS + 1], out[96], id64[32], mbk[BC_EMAIL_MAX];
	size_t mbk_len;
	unsigned wait;
	enum MHD_Result ret;
	int st;
	uint64_t now = (uint64_t)time(NULL);

	(void)p;
	if (refused_early(c, r, &ret))
		return ret;
	rec = sodium_malloc(sizeof(*rec));
	if (!rec)
		return bc_server_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory", NULL, 0);
	memset(rec, 0, sizeof(*rec));
	if (bc_server_verify_start_parse(r->body, r->body_len, rec->email, &e) < 0) {
		ret = bc_server_error(c, r, e.status, e.code, e.message, NULL, 0);
		goto out;
	}
	bc_server_client_address(c, srv, addr);
	wait = take_start(v, addr);
	if (wait) {
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_requests, 1, memory_order_relaxed);
		ret = start_refused(c, r, "too many verification starts from this network", wait);
		goto out;
	}
	/* the per-address limits (one live code, 3 starts a day) count mailboxes, not spellings:
	 * victim+1@, v.ictim@gmail... reach one mailbox (DESIGN.md §6, shared-mailbox rule) */
	mbk_len = bc_norm_mailbox_key(rec->email, strlen(rec->email), mbk);
	crypto_generichash(rec->addr_key, sizeof rec->addr_key, (const uint8_t *)mbk, mbk_len,
			   v->addr_secret, sizeof v->addr_secret);
	sodium_memzero(mbk, sizeof mbk);
	randombytes_buf(rec->id, sizeof rec->id);
	snprintf(code, sizeof code, "%06u", (unsigned)randombytes_uniform(1000000));
	st = current_keys(v, cur, prev);
	if (st == BC_VERIFY_OK) {
		code_hash(cur, rec->id, code, rec->code_hash);
		rec->expires = now + (srv->opt.verify_ttl ? srv->opt.verify_ttl : BC_VERIFY_TTL);
		st = v->store->start(v->store, rec, code, (uint32_t)(now / 86400), now, &wait);
	}
	if (st == BC_VERIFY_UNAVAILABLE) {
		ret = store_unavailable(c, r);
		goto out;
	}
	if (st == BC_VERIFY_LIVE_CODE) {
		ret = start_refused(c, r, "a code was sent to this address less than 20 minutes ago: use it", wait);
		goto out;
	}
	if (st == BC_VERIFY_DAY_LIMIT) {
		ret = start_refused(c, r, "3 codes were sent to this address today",
				    (unsigned)(86400 - now % 86400));
		goto out;
	}
	if (st != BC_VERIFY_OK) {
		ret = start_refused(c, r, "too many verifications under way", 60);
		goto out;
	}
	if (send_code(v, rec->email, code, &err)) {
		char msg[300];

		atomic_fetch_add_explicit(&srv->metrics.verify_mail_failures, 1, memory_order_relaxed);
		v->store->cancel(v->store, rec->id);
		snprintf(msg, sizeof msg, "the code could not be mailed: %s", err.msg);
		ret = bc_server_error(c, r, MHD_HTTP_BAD_GATEWAY, "mail_failed", msg, NULL, 0);
		goto out;
	}
	atomic_fetch_add_explicit(&srv->metrics.verify_codes_sent, 1, memory_order_relaxed);
	bc_b64url_encode(rec->id, sizeof rec->id, id64);
	snprintf(out, sizeof out, "{\"verification_id\":\"%s\",\"expires_in\":%u}", id64,
		 srv->opt.verify_ttl ? srv->opt.verify_ttl : BC_VERIFY_TTL);
	{
		struct MHD_Response *resp = bc_server_copied(srv, out, strlen(out), BC_SERVER_JSON_TYPE, "no-store");

		if (!resp) {
			ret = MHD_NO;
			goto out;
		}
		ret = bc_server_queue(c, r, MHD_HTTP_OK, resp, strlen(out));
		MHD_destroy_response(resp);
	}
out:
	sodium_memzero(code, sizeof code);
	sodium_memzero(cur, sizeof cur);
	sodium_memzero(prev, sizeof prev);
	if (rec)
		sodium_free(rec);
	return ret;
}

enum MHD_Result bc_server_handle_verify_evaluate(struct MHD_Connection *c, struct bc_server_request *r,
						 const struct bc_server_params *p)
{
	struct bc_server *srv = r->srv;
	struct bc_server_verify *v = srv->verify;
	struct bc_server_body_error e;
	uint8_t id[BC_VERIFY_ID_BYTES], blinded[OPRF_ELEMENT_BYTES], evaluated[OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES], addr[16], cur[32], prev[32], h[32], hp[32];
	char code[BC_VERIFY_CODE_DIGITS + 1], *email = NULL, out[256], msg[160];
	enum MHD_Result ret;
	unsigned wait;
	size_t len;
	int st;

	(void)p;
	if (refused_early(c, r, &ret))
		return ret;
	if (bc_server_verify_evaluate_parse(r->body, r->body_len, id, code, blinded, &e) < 0)
		return bc_server_error(c, r, e.status, e.code, e.message, NULL, 0);
	if (!oprf_element_is_valid(blinded))
		return bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "invalid_element",
				       "blinded_element is not a valid ristretto255 element (non-canonical or identity)",
				       NULL, 0);
	/* one element of the evaluator's own budget, like /v1/evaluate */
	bc_server_client_address(c, srv, addr);
	wait = srv->limiter->take(srv->limiter, addr, 1);
	if (wait == BC_SERVER_LIMITER_UNAVAILABLE)
		return store_unavailable(c, r);
	if (wait) {
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_requests, 1, memory_order_relaxed);
		snprintf(msg, sizeof(msg), "too many evaluations: retry after %u seconds", wait);
		return bc_server_error(c, r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited", msg, NULL, wait);
	}
	email = sodium_malloc(BC_EMAIL_MAX);
	if (!email)
		return bc_server_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory", NULL, 0);
	st = current_keys(v, cur, prev);
	if (st == BC_VERIFY_OK) {
		code_hash(cur, id, code, h);
		code_hash(prev, id, code, hp);
		st = v->store->check(v->store, id, code, h, hp, (uint64_t)time(NULL), email);
	}
	if (st == BC_VERIFY_UNAVAILABLE) {
		ret = store_unavailable(c, r);
		goto out;
	}
	if (st == BC_VERIFY_CODE_INVALID) {
		ret = bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "code_invalid",
				      "the code does not match the one mailed: check it and try again", NULL, 0);
		goto out;
	}
	if (st == BC_VERIFY_TOO_MANY_TRIES) {
		ret = bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "too_many_tries",
				      "5 wrong codes were given: start again for a new code", NULL, 0);
		goto out;
	}
	if (st != BC_VERIFY_OK) {
		ret = bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "code_expired",
				      "this code has expired or was used already: start again for a new code", NULL, 0);
		goto out;
	}
	if (oprf_blind_evaluate(OPRF_MODE_POPRF, srv->opt.key->sk_v, srv->opt.key->pk_v,
				(const uint8_t *)email, strlen(email), blinded, 1, evaluated, proof, NULL) < 0) {
		ret = bc_server_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "the evaluation failed",
				      NULL, 0);
		goto out;
	}
	atomic_fetch_add_explicit(&srv->metrics.evaluated_elements, 1, memory_order_relaxed);
	memcpy(out, "{\"evaluated_element\":\"", 22);
	len = 22;
	bc_b64url_encode(evaluated, OPRF_ELEMENT_BYTES, out + len);
	len += bc_b64url_len(OPRF_ELEMENT_BYTES);
	memcpy(out + len, "\",\"proof\":\"", 11);
	len += 11;
	bc_b64url_encode(proof, OPRF_PROOF_BYTES, out + len);
	len += bc_b64url_len(OPRF_PROOF_BYTES);
	memcpy(out + len, "\"}", 3);
	len += 2;
	{
		struct MHD_Response *resp = bc_server_copied(srv, out, len, BC_SERVER_JSON_TYPE, "no-store");

		if (!resp) {
			ret = MHD_NO;
			goto out;
		}
		ret = bc_server_queue(c, r, MHD_HTTP_OK, resp, len);
		MHD_destroy_response(resp);
	}
out:
	sodium_memzero(code, sizeof code);
	sodium_memzero(cur, sizeof cur);
	sodium_memzero(prev, sizeof prev);
	sodium_free(email);
	return ret;
}
