/*
 * The remote backend (DESIGN.md §7): opened from the server's /v1/config,
 * it evaluates blinded elements over HTTP and reads buckets from the cached
 * index (file mode), a mirror (--index) or one by one (fetch mode).
 * The transport is remote_http.c, the index copy remote_cache.c.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "client/remote_internal.h"
#include "util/base64url.h"
#include "util/fs.h"

static int remote_evaluate(struct bc_client_backend *be, const uint8_t *blinded, size_t n,
			   uint8_t *evaluated, uint8_t proof[OPRF_PROOF_BYTES], struct bc_error *err)
{
	struct remote *r = be->ctx;
	struct sink s = { .max = 1u << 20 };
	char url[URL_MAX + 32], b64[64];
	json_t *req = json_object(), *arr = json_array(), *ans = NULL, *ev;
	char *body = NULL;
	size_t i;
	int ret = -1;

	if (!req || !arr) {
		bc_error_set(err, bc_err_io, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		bc_b64url_encode(blinded + i * OPRF_ELEMENT_BYTES, OPRF_ELEMENT_BYTES, b64);
		json_array_append_new(arr, json_string(b64));
	}
	json_object_set(req, "blinded_elements", arr);
	body = json_dumps(req, JSON_COMPACT);
	if (!body) {
		bc_error_set(err, bc_err_io, "out of memory");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/v1/evaluate", r->server);
	if (bc_client_http_do(r, url, body, &s, "evaluate", err))
		goto out;
	ans = json_loadb((const char *)s.buf, s.len, 0, NULL);
	if (!json_is_object(ans)) {
		bc_error_set(err, bc_err_bad_response,
			     "evaluate: the server's answer is not JSON (a proxy's page?)");
		goto out;
	}
	ev = json_object_get(ans, "evaluated_elements");
	if (!json_is_array(ev) || json_array_size(ev) != n) {
		bc_error_set(err, bc_err_bad_response,
			     "evaluate: the server did not return one evaluated element per "
			     "blinded element");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(ev, i);

		if (!json_is_string(e) ||
		    bc_b64url_decode(json_string_value(e), json_string_length(e),
				     evaluated + i * OPRF_ELEMENT_BYTES,
				     OPRF_ELEMENT_BYTES) != OPRF_ELEMENT_BYTES) {
			bc_error_set(err, bc_err_bad_response, "evaluate: an evaluated element is not valid");
			goto out;
		}
	}
	if (bc_client_b64_field(ans, "proof", proof, OPRF_PROOF_BYTES, err))
		goto out;
	ret = 0;
out:
	free(body);
	json_decref(arr);
	json_decref(req);
	json_decref(ans);
	bc_client_sink_free(&s);
	return ret;
}

static int fetch_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			struct bc_error *err)
{
	struct remote *r = be->ctx;
	size_t want = (size_t)bc_index_bucket_entries(be->idx) * BC_ENTRY_BYTES;
	const uint8_t *hash = bc_index_bucket_hash(be->idx, i);
	struct sink s = { .max = want };
	char url[URL_MAX + 128];

	if (!hash)
		return bc_error_set(err, bc_err_bad_index, "bucket out of range");
	snprintf(url, sizeof(url), "%s/v1/buckets/%s/%u", r->buckets_url, r->index_id, (unsigned)i);
	if (bc_client_http_do(r, url, NULL, &s, "bucket download", err)) {
		bc_client_sink_free(&s);
		return -1;
	}
	if (s.len != want || bc_index_hash_check(s.buf, s.len, hash)) {
		bc_client_sink_free(&s);
		return bc_error_set(err, bc_err_bad_hash,
				    "a downloaded bucket does not match its hash in index.json: "
				    "the server or mirror sent tampered data");
	}
	free(r->bucket);
	r->bucket = s.buf;
	r->bucket_len = s.len;
	*data = r->bucket;
	return 0;
}

static void remote_release(struct bc_client_backend *be)
{
	struct remote *r = be->ctx;

	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	json_decref(r->breaches);
	free(r->bucket);
	free(r);
	be->ctx = NULL;
}

/*
 * File mode: a bucket of the cached buckets.bin that no longer matches its
 * hash (disk error, a program writing into the cache) would fail every later
 * check; remove the cached copy so that the next run downloads it afresh.
 */
static int cached_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			 struct bc_error *err)
{
	struct remote *r = be->ctx;

	if (bc_client_index_bucket(be, i, data, err) == 0)
		return 0;
	if (!strcmp(err->code, bc_err_bad_hash) && r->cached[0]) {
		bc_remove_tree(r->cached);
		return bc_error_set(err, bc_err_bad_cache,
				    "the cached copy of the index does not match its hashes (damaged "
				    "on disk?): it has been removed, run the check again to download "
				    "it afresh");
	}
	return -1;
}

static const struct bc_client_ops file_ops = { remote_evaluate, cached_bucket, remote_release,
					       0 };
static const struct bc_client_ops mirror_ops = { remote_evaluate, bc_client_index_bucket,
						 remote_release, 0 };
static const struct bc_client_ops fetch_ops = { remote_evaluate, fetch_bucket, remote_release,
						BC_CLIENT_PAD_READS };

/* Copy a URL without its trailing slashes. */
static int set_base(char *dst, size_t size, const char *url, struct bc_error *err)
{
	size_t n = strlen(url);

	while (n && url[n - 1] == '/')
		n--;
	if (n == 0 || n >= size || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
		return bc_error_set_field(err, bc_err_bad_input, "--server",
					  "--server: give an http:// or https:// URL");
	memcpy(dst, url, n);
	dst[n] = 0;
	return 0;
}


int bc_client_open_remote(struct bc_client_backend *be, const struct bc_remote_options *o,
			  struct bc_error *err)
{
	struct remote *r;
	struct sink s = { .max = CONFIG_MAX };
	char url[URL_MAX + 32], cache[PATH_MAX];
	uint8_t pk[32];
	json_t *cfg = NULL, *v;
	const char *bu;
	int ret = -1;

	memset(be, 0, sizeof(*be));
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT))
		return bc_error_set(err, bc_err_internal, "cannot initialise libsodium or libcurl");
	r = calloc(1, sizeof(*r));
	if (!r)
		return bc_error_set(err, bc_err_io, "out of memory");
	be->ctx = r;
	be->ops = o->index_dir ? &mirror_ops : o->mode == BC_BUCKETS_FETCH ? &fetch_ops : &file_ops;
	r->timeout_s = o->timeout_s > 0 ? o->timeout_s : 30;
	r->max_wait_s = o->max_wait_s > 0 ? o->max_wait_s : 0;
	r->on_wait = o->on_wait;
	r->on_progress = o->on_progress;
	r->cb_arg = o->cb_arg;
	r->curl = curl_easy_init();
	if (!r->curl) {
		bc_error_set(err, bc_err_internal, "cannot initialise libcurl");
		goto out;
	}
	if (set_base(r->server, sizeof(r->server), o->server, err))
		goto out;
	snprintf(url, sizeof(url), "%s/v1/config", r->server);
	if (bc_client_http_do(r, url, NULL, &s, "config", err))
		goto out;
	cfg = json_loadb((const char *)s.buf, s.len, 0, NULL);
	if (!json_is_object(cfg)) {
		bc_error_set(err, bc_err_bad_response, "config: the server's answer is not JSON");
		goto out;
	}
	if (bc_client_b64_field(cfg, "public_key", pk, 32, err))
		goto out;
	if (o->pin_pk_s && sodium_memcmp(pk, o->pin_pk_s, 32)) {
		bc_error_set(err, bc_err_key_pinned,
			     "the server's public key is not the one given with --public-key: "
			     "refusing it (a server giving each person a key of its own could "
			     "recognise them later)");
		goto out;
	}
	if (o->pin_pk_v) {
		uint8_t pkv[32];

		if (bc_client_b64_field(cfg, "verified_public_key", pkv, 32, err))
			goto out;
		if (sodium_memcmp(pkv, o->pin_pk_v, 32)) {
			bc_error_set(err, bc_err_key_pinned,
				     "the server's verified public key is not the one given with "
				     "--verified-public-key: refusing it");
			goto out;
		}
	}
	v = json_object_get(cfg, "index_id");
	if (!json_is_string(v) || json_string_length(v) != BC_INDEX_ID_HEX ||
	    strspn(json_string_value(v), "0123456789abcdef") != BC_INDEX_ID_HEX) {
		bc_error_set_field(err, bc_err_bad_response, "index_id",
				   "config: index_id is not 32 lowercase hex digits");
		goto out;
	}
	memcpy(r->index_id, json_string_value(v), BC_INDEX_ID_HEX + 1);
	r->breaches = json_incref(json_object_get(cfg, "breaches"));
	v = json_object_get(cfg, "bucket_bits");
	r->bucket_bits = json_is_integer(v) ? json_integer_value(v) : -1;
	v = json_object_get(cfg, "bucket_entries");
	r->bucket_entries = json_is_integer(v) ? json_integer_value(v) : -1;
	if (!json_is_array(r->breaches)) {
		bc_error_set_field(err, bc_err_bad_response, "breaches",
				   "config: no breaches catalogue");
		goto out;
	}
	v = json_object_get(cfg, "max_batch");
	be->max_batch = json_is_integer(v) && json_integer_value(v) > 0
				? (size_t)json_integer_value(v) : 1;
	if (be->max_batch > OPRF_MAX_BATCH)
		be->max_batch = OPRF_MAX_BATCH;
	bu = json_string_value(json_object_get(cfg, "buckets_url"));
	/* a relative or missing buckets_url means this server */
	if (bu && (!strncmp(bu, "http://", 7) || !strncmp(bu, "https://", 8))) {
		if (set_base(r->buckets_url, sizeof(r->buckets_url), bu, err))
			goto out;
	} else {
		memcpy(r->buckets_url, r->server, sizeof(r->server));
	}
	memcpy(be->pk_s, pk, 32);
	if (o->index_dir) {
		if (bc_index_open(o->index_dir, &be->idx, err) ||
		    bc_client_same_as_server(be->idx, r, pk, err) || bc_index_check_id(be->idx, err))
			goto out;
	} else {
		int have_cache = 1;

		if (o->cache_dir && *o->cache_dir) {
			if (snprintf(cache, sizeof(cache), "%s", o->cache_dir) >= (int)sizeof(cache)) {
				bc_error_set(err, bc_err_io, "cache directory path too long");
				goto out;
			}
		} else if (bc_client_default_cache_dir(cache, sizeof(cache))) {
			have_cache = 0;
		}
		if (o->mode == BC_BUCKETS_FETCH) {
			if (have_cache)
				bc_client_load_pad_key(be, cache);
			if (bc_client_open_fetch(be, r, pk, err))
				goto out;
		} else {
			if (!have_cache) {
				bc_error_set(err, bc_err_io, "no cache directory: set XDG_CACHE_HOME or "
							"HOME, or give --cache-dir");
				goto out;
			}
			if (bc_client_open_cached(be, r, cache, pk, err))
				goto out;
		}
	}
	if (bc_client_backend_catalogue(be, err))
		goto out;
	ret = 0;
out:
	json_decref(cfg);
	bc_client_sink_free(&s);
	if (ret)
		bc_client_backend_release(be);
	return ret;
}

/* 1 if be was opened by bc_client_open_remote (email verification needs a server). */
int bc_client_is_remote(const struct bc_client_backend *be)
{
	return be->ops == &file_ops || be->ops == &mirror_ops || be->ops == &fetch_ops;
}
