/*
 * A misbehaving breachcheck server for the remote client's e2e tests: it
 * serves a real index with the real key over the API of DESIGN.md §8, but
 *
 *   --mode tamper-bucket   flips one byte in every bucket it serves (single
 *                          buckets and buckets.bin)
 *   --mode bad-proof       returns the right evaluations with a wrong proof
 *   --mode rate-limit      answers /v1/evaluate with 429 and Retry-After: 7
 *   --mode rate-limit-once answers the first /v1/evaluate with 429 and
 *                          Retry-After: 2, and the next ones honestly only
 *                          when at least 2 s have passed (else 429 again)
 *   --mode foreign-index   announces an index_id other than its index's
 *   --mode foreign-key     announces a public key other than its index's
 *   --mode catalogue       serves an index.json whose catalogue differs from
 *                          /v1/config's (a mirror pointing to a phishing
 *                          complaint URL); hashes and index_id untouched
 *   --mode stale           answers every index download with 404 stale_index
 *                          (the server reloaded between /v1/config and them)
 *   --mode html            answers /v1/evaluate with a proxy's HTML page (200)
 *   --mode escape          answers /v1/evaluate with a 500 whose JSON message
 *                          holds terminal escape sequences
 *   --mode geometry        serves an index.json stating 1000 times more entries
 *                          per bucket than /v1/config (a multi-GB buckets.bin)
 *   --mode slow            serves buckets.bin slowly but steadily (about 3.5 s)
 *   --mode stall           answers /v1/config only after 6 s
 *   --mode honest          nothing wrong (control)
 *
 *   e2e_fake --index DIR --key KEYFILE --mode MODE
 *
 * Listens on a free loopback port, prints "port N" on stdout, and serves
 * until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "index/index.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "util/base64url.h"

struct fake {
	struct bc_index *idx;
	struct bc_key *key;
	const char *mode;
	uint8_t *buckets;           /* copy of buckets.bin, tampered in tamper-bucket mode */
	size_t buckets_len;
	char *config;
	char *index_text;           /* catalogue mode: the altered index.json */
	char announced[33];         /* the index_id of /v1/config and of the routes */
};

struct upload {
	char buf[16384];
	size_t len;
};

static const char *retry_after = "7";

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const void *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	if (status == 429)
		MHD_add_response_header(r, "Retry-After", retry_after);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

struct slow {
	const uint8_t *data;
	size_t len;
};

static ssize_t slow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct slow *sl = cls;
	size_t n = sl->len / 24 + 1;

	if (pos >= sl->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n > max)
		n = max;
	if (n > sl->len - pos)
		n = sl->len - (size_t)pos;
	usleep(150000);
	memcpy(buf, sl->data + pos, n);
	return (ssize_t)n;
}

static enum MHD_Result reply_slowly(struct MHD_Connection *c, const uint8_t *data, size_t len)
{
	static struct slow sl;
	struct MHD_Response *r;
	enum MHD_Result ret;

	sl.data = data;
	sl.len = len;
	r = MHD_create_response_from_callback(len, 64 * 1024, slow_read, &sl, NULL);
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned status, const char *code)
{
	char body[160];

	snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, code);
	return reply(c, status, body, strlen(body), "application/json");
}

static enum MHD_Result evaluate(struct fake *f, struct MHD_Connection *c, const struct upload *u)
{
	uint8_t blinded[OPRF_MAX_BATCH * 32], evaluated[OPRF_MAX_BATCH * 32], proof[64];
	char b64[128];
	json_t *req = json_loadb(u->buf, u->len, 0, NULL), *arr, *v, *ans, *out;
	size_t i, n;
	char *text;
	enum MHD_Result ret;

	if (!strcmp(f->mode, "rate-limit")) {
		json_decref(req);
		return error(c, 429, "rate_limited");
	}
	if (!strcmp(f->mode, "rate-limit-once")) {
		static struct timespec first;
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!first.tv_sec || now.tv_sec - first.tv_sec < 2 ||
		    (now.tv_sec - first.tv_sec == 2 && now.tv_nsec < first.tv_nsec)) {
			if (!first.tv_sec)
				first = now;
			retry_after = "2";
			json_decref(req);
			return error(c, 429, "rate_limited");
		}
	}
	if (!strcmp(f->mode, "html")) {
		json_decref(req);
		return reply(c, 200, "<html><body>Proxy login</body></html>", 38, "text/html");
	}
	if (!strcmp(f->mode, "escape")) {
		static const char esc[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"\\u001b[2J\\u001b]0;pwned\\u0007\"}}";

		json_decref(req);
		return reply(c, 500, esc, strlen(esc), "application/json");
	}
	arr = json_object_get(req, "blinded_elements");
	n = json_array_size(arr);
	if (!n || n > OPRF_MAX_BATCH) {
		json_decref(req);
		return error(c, 400, "bad_field");
	}
	json_array_foreach(arr, i, v)
		if (bc_b64url_decode(json_string_value(v), json_string_length(v), blinded + 32 * i, 32) != 32) {
			json_decref(req);
			return error(c, 400, "invalid_element");
		}
	json_decref(req);
	if (oprf_blind_evaluate(OPRF_MODE_VOPRF, f->key->sk_s, f->key->pk_s, NULL, 0, blinded, n,
				evaluated, proof, NULL))
		return error(c, 400, "invalid_element");
	if (!strcmp(f->mode, "bad-proof"))
		proof[40] ^= 1;
	out = json_array();
	for (i = 0; i < n; i++) {
		bc_b64url_encode(evaluated + 32 * i, 32, b64);
		json_array_append_new(out, json_string(b64));
	}
	bc_b64url_encode(proof, 64, b64);
	ans = json_pack("{s:o,s:s}", "evaluated_elements", out, "proof", b64);
	text = json_dumps(ans, JSON_COMPACT);
	ret = reply(c, 200, text, strlen(text), "application/json");
	free(text);
	json_decref(ans);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_size, void **con_cls)
{
	struct fake *f = cls;
	struct upload *u = *con_cls;
	const char *id = f->announced;
	char path[256];
	size_t len, blen = (size_t)bc_index_bucket_entries(f->idx) * BC_ENTRY_BYTES;
	unsigned b;
	const uint8_t *p;

	(void)version;
	if (!strcmp(method, "POST")) {
		if (!u) {
			*con_cls = u = calloc(1, sizeof(*u));
			return u ? MHD_YES : MHD_NO;
		}
		if (*data_size) {
			if (u->len + *data_size > sizeof(u->buf))
				return MHD_NO;
			memcpy(u->buf + u->len, data, *data_size);
			u->len += *data_size;
			*data_size = 0;
			return MHD_YES;
		}
		if (strcmp(url, "/v1/evaluate"))
			return error(c, 404, "not_found");
		return evaluate(f, c, u);
	}
	if (!strcmp(url, "/v1/config")) {
		if (!strcmp(f->mode, "stall"))
			sleep(6);
		return reply(c, 200, f->config, strlen(f->config), "application/json");
	}
	if (!strcmp(f->mode, "stale") && (!strncmp(url, "/v1/index/", 10) ||
					  !strncmp(url, "/v1/verified/", 13) ||
					  !strncmp(url, "/v1/buckets/", 12)))
		return error(c, 404, "stale_index");
	snprintf(path, sizeof(path), "/v1/index/%s/index.json", id);
	if (!strcmp(url, path)) {
		p = (const uint8_t *)bc_index_json_text(f->idx, &len);
		if (f->index_text)
			return reply(c, 200, f->index_text, strlen(f->index_text),
				     "application/json");
		return reply(c, 200, p, len, "application/json");
	}
	snprintf(path, sizeof(path), "/v1/index/%s/buckets.bin", id);
	if (!strcmp(url, path) && !strcmp(f->mode, "slow"))
		return reply_slowly(c, f->buckets, f->buckets_len);
	if (!strcmp(url, path))
		return reply(c, 200, f->buckets, f->buckets_len, "application/octet-stream");
	snprintf(path, sizeof(path), "/v1/verified/%s", id);
	if (!strcmp(url, path)) {
		p = bc_index_verified_ptr(f->idx, &len);
		return reply(c, 200, p, len, "application/octet-stream");
	}
	snprintf(path, sizeof(path), "/v1/buckets/%s/", id);
	if (!strncmp(url, path, strlen(path)) && sscanf(url + strlen(path), "%u", &b) == 1 &&
	    b < bc_index_n_buckets(f->idx))
		return reply(c, 200, f->buckets + (size_t)b * blen, blen, "application/octet-stream");
	return error(c, 404, "not_found");
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct bc_error err = BC_ERROR_INIT;
	struct fake f = { 0 };
	struct MHD_Daemon *d;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	const char *index = NULL, *keyfile = NULL;
	char b64[64], idbuf[33];
	json_t *cfg, *ij;
	size_t i, blen;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--index"))
			index = argv[a + 1];
		else if (!strcmp(argv[a], "--key"))
			keyfile = argv[a + 1];
		else if (!strcmp(argv[a], "--mode"))
			f.mode = argv[a + 1];
	}
	if (!index || !keyfile || !f.mode) {
		fputs("usage: e2e_fake --index DIR --key KEYFILE --mode MODE\n", stderr);
		return 2;
	}
	if (bc_index_open(index, &f.idx, &err) || bc_key_load(keyfile, &f.key, &err)) {
		fprintf(stderr, "e2e_fake: %s\n", err.msg);
		return 1;
	}
	{
		const uint8_t *src = bc_index_buckets_ptr(f.idx, &f.buckets_len);

		f.buckets = malloc(f.buckets_len);
		memcpy(f.buckets, src, f.buckets_len);
	}
	blen = (size_t)bc_index_bucket_entries(f.idx) * BC_ENTRY_BYTES;
	if (!strcmp(f.mode, "tamper-bucket"))
		for (i = 0; i < bc_index_n_buckets(f.idx); i++)
			f.buckets[i * blen + 20] ^= 0x01;   /* inside the first entry's ciphertext */
	ij = (json_t *)bc_index_json(f.idx);
	snprintf(idbuf, sizeof(idbuf), "%s", bc_index_id(f.idx));
	if (!strcmp(f.mode, "foreign-index"))
		idbuf[0] = idbuf[0] == 'a' ? 'b' : 'a';
	memcpy(f.announced, idbuf, sizeof(f.announced));
	bc_b64url_encode(f.key->pk_s, 32, b64);
	if (!strcmp(f.mode, "foreign-key")) {
		uint8_t seed[32], sk[32], pk[32];

		randombytes_buf(seed, sizeof(seed));
		oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)BC_KEY_INFO_STANDARD,
				    strlen(BC_KEY_INFO_STANDARD), sk, pk);
		bc_b64url_encode(pk, 32, b64);
	}
	cfg = json_pack("{s:i,s:s,s:s,s:O,s:O,s:O,s:i,s:s,s:i,s:s,s:O}", "format", 1, "suite",
			BC_INDEX_SUITE, "public_key", b64, "bucket_bits",
			json_object_get(ij, "bucket_bits"), "bucket_entries",
			json_object_get(ij, "bucket_entries"), "salt", json_object_get(ij, "salt"),
			"entry_bytes", 48, "index_id", idbuf, "max_batch", 16, "buckets_url", "",
			"breaches", json_object_get(ij, "breaches"));
	f.config = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	if (!strcmp(f.mode, "catalogue")) {
		json_t *alt = json_deep_copy(ij);

		json_object_set_new(json_array_get(json_object_get(alt, "breaches"), 0),
				    "complaint_url", json_string("https://evil.example.net/pay"));
		f.index_text = json_dumps(alt, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(alt);
	}
	if (!strcmp(f.mode, "geometry")) {
		json_t *alt = json_deep_copy(ij);

		json_object_set_new(alt, "bucket_entries",
				    json_integer(1000 * (json_int_t)bc_index_bucket_entries(f.idx)));
		f.index_text = json_dumps(alt, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(alt);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     handle, &f, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (!d) {
		fputs("e2e_fake: cannot listen\n", stderr);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", (unsigned)info->port);
	fflush(stdout);
	for (;;)
		pause();
}
