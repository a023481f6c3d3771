#ifndef BC_CLIENT_REMOTE_INTERNAL_H
#define BC_CLIENT_REMOTE_INTERNAL_H

/*
 * What the remote backend's files share (remote.c: open and the backend's
 * operations; remote_http.c: the transport; remote_cache.c: the index copy;
 * remote_verify.c: email verification). Not public.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client/client.h"
#include "client/internal.h"

#define CONFIG_MAX (4u << 20)
#define ERROR_BODY_MAX 4096u
#define URL_MAX 2048

/* The remote backend's state (be->ctx); owned by it, freed by its release. */
struct remote {
	CURL *curl;
	char server[URL_MAX];
	char buckets_url[URL_MAX];
	char index_id[BC_INDEX_ID_HEX + 1];
	long timeout_s;
	int fetch;
	uint8_t *bucket;          /* fetch mode: the last bucket read */
	size_t bucket_len;
	char cached[PATH_MAX];    /* file mode: the cache directory of this index id */
	json_t *breaches;         /* /v1/config's catalogue, the reference for index.json's */
	json_int_t bucket_bits;   /* /v1/config's, or -1 when absent */
	json_int_t bucket_entries;
	long max_wait_s;          /* Retry-After honoured up to this, 0 = never */
	void (*on_wait)(void *arg, long seconds_left);
	void (*on_progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *cb_arg;
	const char *progress_what; /* the download on_progress reports, or NULL */
};

/* Where an answer goes: buf (malloc'd, NUL-terminated, up to max bytes), or file. */
struct sink {
	uint8_t *buf;
	size_t len, cap, max;
	FILE *file;               /* when set, a 200 answer goes there instead */
	size_t flen;              /* bytes written to file */
	CURL *curl;               /* with file: to tell a 200 from an error body */
	int overflow;
	int werr;                 /* errno of a failed write to file */
};

/*
 * GET (body NULL) or POST a JSON body to url; the answer goes to s. A 429
 * whose Retry-After is at most r->max_wait_s is waited out and the request
 * sent once more. `what` names the route in messages. Returns 0 on HTTP 200,
 * -1 with err filled otherwise (s may hold the server's error body).
 */
int bc_client_http_do(struct remote *r, const char *url, const char *body, struct sink *s,
		      const char *what, struct bc_error *err);

/* Frees s's buffer and zeroes s. */
void bc_client_sink_free(struct sink *s);

/* Decodes the base64url string member `field` of o into out[n]; -1 with
 * bc_err_bad_response naming field when absent or not n bytes. */
int bc_client_b64_field(json_t *o, const char *field, uint8_t *out, size_t n,
			struct bc_error *err);

/* -1 with bc_err_index_mismatch unless idx has the server's index_id, public
 * key pk[32], bucket geometry and catalogue. */
int bc_client_same_as_server(const struct bc_index *idx, const struct remote *r,
			     const uint8_t pk[32], struct bc_error *err);

/* File mode: opens be->idx from cache/<index_id>, downloading and verifying
 * it first when missing or not matching the server. 0, or -1 with err. */
int bc_client_open_cached(struct bc_client_backend *be, struct remote *r, const char *cache,
			  const uint8_t pk[32], struct bc_error *err);

/* Fetch mode: opens be->idx from index.json alone (buckets come one by one).
 * 0, or -1 with err. */
int bc_client_open_fetch(struct bc_client_backend *be, struct remote *r, const uint8_t pk[32],
			 struct bc_error *err);

/* Fetch mode: the session's padding key from cache/pad.key (created when
 * absent); leaves be->pad_key_set 0 when the cache cannot be used. */
void bc_client_load_pad_key(struct bc_client_backend *be, const char *cache);

/* 1 if be was opened by bc_client_open_remote, else 0. */
int bc_client_is_remote(const struct bc_client_backend *be);

#endif
