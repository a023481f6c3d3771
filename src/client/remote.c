#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "client/client.h"
#include "client/internal.h"
#include "util/base64url.h"
#include "util/fs.h"

#define CONFIG_MAX (4u << 20)
#define ERROR_BODY_MAX 4096u
#define URL_MAX 2048

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

struct sink {
	uint8_t *buf;
	size_t len, cap, max;
	FILE *file;               /* when set, a 200 answer goes there instead */
	size_t flen;              /* bytes written to file */
	CURL *curl;               /* with file: to tell a 200 from an error body */
	int overflow;
	int werr;                 /* errno of a failed write to file */
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, max = s->max;
	long status = 200;
	uint8_t *nb;

	if (s->file && s->curl)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (s->file && status == 200) {
		if (s->flen + n > s->max) {
			s->overflow = 1;
			return 0;
		}
		if (fwrite(ptr, 1, n, s->file) != n) {
			s->werr = errno ? errno : EIO;
			return 0;
		}
		s->flen += n;
		return n;
	}
	/* in memory: the answer, or with a file, an error body kept for the message */
	if (s->file)
		max = ERROR_BODY_MAX;
	if (s->len + n > max) {
		s->overflow = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if (s->cap > max + 1)
			s->cap = max + 1;
		nb = realloc(s->buf, s->cap);
		if (!nb)
			return 0;
		s->buf = nb;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = 0;
	return n;
}

/* A server's text in our messages: printable ASCII only (no terminal escapes). */
static void printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; size && i + 1 < size && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (size)
		dst[i] = 0;
}

/* The route for messages: never a bucket number or anything of the query. */
static int http_error(struct remote *r, long status, const struct sink *s, const char *what,
		      struct bc_error *err)
{
	json_t *j = NULL, *e;
	const char *code = "", *msg = "";
	char pcode[48], pmsg[168];
	curl_off_t retry = -1;
	int ret;

	if (s->buf)
		j = json_loadb((const char *)s->buf, s->len, 0, NULL);
	e = json_object_get(j, "error");
	if (json_is_string(json_object_get(e, "code")))
		code = json_string_value(json_object_get(e, "code"));
	if (json_is_string(json_object_get(e, "message")))
		msg = json_string_value(json_object_get(e, "message"));
	if (status == 429) {
		curl_easy_getinfo(r->curl, CURLINFO_RETRY_AFTER, &retry);
		if (retry > 0) {
			ret = bc_error_set(err, bc_err_rate_limited,
					   "the server is rate limiting checks (HTTP 429): retry in "
					   "%ld second%s",
					   (long)retry, retry > 1 ? "s" : "");
			if (err)
				err->retry_after = (long)retry;
		} else {
			ret = bc_error_set(err, bc_err_rate_limited,
					   "the server is rate limiting checks (HTTP 429): retry later");
		}
	} else if (status == 404 && !strcmp(code, "stale_index")) {
		ret = bc_error_set(err, bc_err_stale_index,
				   "the server published a new index while checking: run the "
				   "check again");
	} else if (status == 404 && !strcmp(what, "config")) {
		ret = bc_error_set(err, bc_err_http,
				   "config: the server answered HTTP 404 to /v1/config: is --server "
				   "the base URL of a breachcheck server?");
	} else {
		printable(pcode, sizeof(pcode), code);
		printable(pmsg, sizeof(pmsg), msg);
		ret = bc_error_set(err, bc_err_http, "%s: the server answered HTTP %ld%s%.40s%s%.160s",
				   what, status, *code ? " " : "", pcode, *msg ? ": " : "", pmsg);
	}
	json_decref(j);
	return ret;
}

static int xfer_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	struct remote *r = arg;

	(void)ultotal;
	(void)ulnow;
	if (r->on_progress && r->progress_what && dlnow > 0)
		r->on_progress(r->cb_arg, r->progress_what, (uint64_t)dlnow,
			       dltotal > 0 ? (uint64_t)dltotal : 0);
	return 0;
}

/* The Retry-After of a 429 that we may wait out (1..max_wait_s), else 0. */
static long wait_for(struct remote *r, long status)
{
	curl_off_t retry = -1;

	if (status != 429 || r->max_wait_s <= 0)
		return 0;
	curl_easy_getinfo(r->curl, CURLINFO_RETRY_AFTER, &retry);
	return retry > 0 && retry <= r->max_wait_s ? (long)retry : 0;
}

static void wait_out(struct remote *r, long secs)
{
	for (; secs > 0; secs--) {
		if (r->on_wait)
			r->on_wait(r->cb_arg, secs);
		sleep(1);
	}
	if (r->on_wait)
		r->on_wait(r->cb_arg, 0);
}

/*
 * GET (body NULL) or POST a JSON body to url; the answer goes to s. A 429
 * whose Retry-After is at most r->max_wait_s is waited out and the request
 * sent once more (issue 16: a person checking several identifiers in a row).
 * Returns 0 on HTTP 200, -1 with err filled otherwise.
 */
static int http_do(struct remote *r, const char *url, const char *body, struct sink *s,
		   const char *what, struct bc_error *err)
{
	struct curl_slist *hdrs = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0, secs;
	int tries = 0;
	CURLcode rc;
	int ret = -1;

again:
	curl_slist_free_all(hdrs);
	hdrs = NULL;
	cerr[0] = 0;
	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, cerr);
	if (s->file) {
		/* a whole-file download may take minutes on a slow link: no total
		 * limit, but give up when fewer than 512 bytes/s arrive for timeout_s */
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 512L);
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, r->timeout_s);
	} else {
		curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, r->timeout_s);
	}
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, r->timeout_s < 10 ? r->timeout_s : 10L);
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(r->curl, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "breachcheck-check/1");
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	if (s->file && r->on_progress) {
		curl_easy_setopt(r->curl, CURLOPT_XFERINFOFUNCTION, xfer_progress);
		curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, r);
		curl_easy_setopt(r->curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(r->curl);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status != 200)) {
		if (s->overflow)
			bc_error_set(err, bc_err_bad_response, "%s: the server's answer is too large", what);
		else if (s->werr)
			bc_error_set(err, bc_err_io, "%s: cannot write to the cache directory: %s", what,
				     strerror(s->werr));
		else if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR)
			bc_error_set(err, bc_err_bad_response,
				     "%s: the download was cut short: run the check again", what);
		else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
			 rc == CURLE_OPERATION_TIMEDOUT)
			bc_error_set(err, bc_err_unreachable, "cannot reach the server: %s",
				     cerr[0] ? cerr : curl_easy_strerror(rc));
		else
			bc_error_set(err, bc_err_unreachable, "%s: %s", what,
				     cerr[0] ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	if (status != 200) {
		secs = tries ? 0 : wait_for(r, status);
		if (secs) {
			/* nothing of the 429 reached s->file (only a 200 does) */
			tries++;
			s->len = 0;
			s->overflow = 0;
			wait_out(r, secs);
			goto again;
		}
		http_error(r, status, s, what, err);
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hdrs);
	return ret;
}

static void sink_free(struct sink *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int get_b64_field(json_t *o, const char *field, uint8_t *out, size_t n,
			 struct bc_error *err)
{
	json_t *v = json_object_get(o, field);

	if (!json_is_string(v) ||
	    bc_b64url_decode(json_string_value(v), json_string_length(v), out, n) != (int)n)
		return bc_error_set_field(err, bc_err_bad_response, field,
					  "the server's answer has no valid %s", field);
	return 0;
}

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
	if (http_do(r, url, body, &s, "evaluate", err))
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
	if (get_b64_field(ans, "proof", proof, OPRF_PROOF_BYTES, err))
		goto out;
	ret = 0;
out:
	free(body);
	json_decref(arr);
	json_decref(req);
	json_decref(ans);
	sink_free(&s);
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
	if (http_do(r, url, NULL, &s, "bucket download", err)) {
		sink_free(&s);
		return -1;
	}
	if (s.len != want || bc_index_hash_check(s.buf, s.len, hash)) {
		sink_free(&s);
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

static int download_to(struct remote *r, const char *url, const char *path, size_t max,
		       const char *what, struct bc_error *err)
{
	struct sink s = { .max = max, .curl = r->curl };
	FILE *f;
	int ret = -1;

	f = fopen(path, "wbx");
	if (!f)
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	s.file = f;
	if (http_do(r, url, NULL, &s, what, err))
		goto out;
	if (fflush(f) || fsync(fileno(f))) {
		bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fclose(f) && !ret)
		ret = bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	sink_free(&s);
	return ret;
}

static int mkdir_p(const char *path, struct bc_error *err)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return bc_error_set(err, bc_err_io, "cache directory path too long");
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != 0)
			continue;
		tmp[i] = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return bc_error_set(err, bc_err_io, "cannot create %s: %s", tmp, strerror(errno));
		tmp[i] = path[i];
	}
	return 0;
}

/* The sizes of buckets.bin and verified.bin that the index.json in dir states. */
static int stated_sizes(const struct remote *r, const char *dir, size_t *buckets,
			size_t *verified, struct bc_error *err)
{
	char path[PATH_MAX + 16];
	json_t *j;
	json_int_t bits, entries, ventries;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	j = json_load_file(path, 0, NULL);
	bits = json_integer_value(json_object_get(j, "bucket_bits"));
	entries = json_integer_value(json_object_get(j, "bucket_entries"));
	ventries = json_integer_value(json_object_get(j, "verified_entries"));
	if (!j || bits < 0 || bits > BC_INDEX_MAX_BUCKET_BITS || entries <= 0 ||
	    entries > (1 << 24) || ventries < 0 || ventries > (1 << 26)) {
		bc_error_set(err, bc_err_bad_response,
			     "index.json: bad bucket_bits, bucket_entries or verified_entries");
		goto out;
	}
	/* bucket_entries is not covered by index_id: take the evaluator's word
	 * before downloading that many bytes */
	if ((r->bucket_bits >= 0 && bits != r->bucket_bits) ||
	    (r->bucket_entries >= 0 && entries != r->bucket_entries)) {
		bc_error_set(err, bc_err_index_mismatch,
			     "index.json's bucket geometry differs from the server's /v1/config: "
			     "refusing an altered or foreign copy");
		goto out;
	}
	*buckets = ((size_t)1 << bits) * (size_t)entries * BC_ENTRY_BYTES;
	*verified = (size_t)ventries * BC_ENTRY_BYTES;
	ret = 0;
out:
	json_decref(j);
	return ret;
}

/* An empty file of `size` bytes (sparse: nothing written, nothing read). */
static int sparse_file(const char *path, size_t size, struct bc_error *err)
{
	FILE *f = fopen(path, "wbx");

	if (!f)
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	fclose(f);
	if (truncate(path, (off_t)size))
		return bc_error_set(err, bc_err_io, "cannot size %s: %s", path, strerror(errno));
	return 0;
}

/*
 * Download index.json into dir, and buckets.bin and verified.bin when
 * `whole`. In fetch mode both are sparse files of the stated sizes, so the
 * index reader can open the directory: their bytes are never read (buckets
 * come one by one over HTTP; the verified tier is not part of check).
 */
static int download_index(struct remote *r, const char *dir, int whole, struct bc_error *err)
{
	char url[URL_MAX + 128], bpath[PATH_MAX + 16], vpath[PATH_MAX + 16];
	size_t bsize, vsize;
	int ret;

	snprintf(url, sizeof(url), "%s/v1/index/%s/index.json", r->buckets_url, r->index_id);
	snprintf(bpath, sizeof(bpath), "%s/index.json", dir);
	if (download_to(r, url, bpath, CONFIG_MAX, "index.json download", err) ||
	    stated_sizes(r, dir, &bsize, &vsize, err))
		return -1;
	snprintf(bpath, sizeof(bpath), "%s/buckets.bin", dir);
	snprintf(vpath, sizeof(vpath), "%s/verified.bin", dir);
	if (!whole)
		return sparse_file(bpath, bsize, err) || sparse_file(vpath, vsize, err) ? -1 : 0;
	snprintf(url, sizeof(url), "%s/v1/verified/%s", r->buckets_url, r->index_id);
	r->progress_what = "verified.bin";
	if (download_to(r, url, vpath, vsize, "verified.bin download", err)) {
		r->progress_what = NULL;
		return -1;
	}
	snprintf(url, sizeof(url), "%s/v1/index/%s/buckets.bin", r->buckets_url, r->index_id);
	r->progress_what = "buckets.bin";
	ret = download_to(r, url, bpath, bsize, "buckets.bin download", err);
	r->progress_what = NULL;
	return ret;
}

static int same_catalogue(const struct bc_index *idx, json_t *cfg_breaches,
			  struct bc_error *err);

static int same_as_server(const struct bc_index *idx, const struct remote *r,
			  const uint8_t pk[32], struct bc_error *err)
{
	if (strcmp(bc_index_id(idx), r->index_id))
		return bc_error_set(err, bc_err_index_mismatch,
				    "the index's index_id differs from the server's: refusing a "
				    "stale or foreign index (update the mirror copy)");
	if (sodium_memcmp(bc_index_public_key(idx), pk, 32))
		return bc_error_set(err, bc_err_index_mismatch,
				    "the index's public key differs from the server's: refusing it");
	if ((r->bucket_bits >= 0 && (json_int_t)bc_index_bucket_bits(idx) != r->bucket_bits) ||
	    (r->bucket_entries >= 0 &&
	     (json_int_t)bc_index_bucket_entries(idx) != r->bucket_entries))
		return bc_error_set(err, bc_err_index_mismatch,
				    "the index's bucket geometry differs from the server's "
				    "/v1/config: refusing an altered or foreign copy");
	return same_catalogue(idx, r->breaches, err);
}

static int same_text(json_t *o, const char *key, const char *s)
{
	json_t *v = json_object_get(o, key);

	return !strcmp(json_is_string(v) ? json_string_value(v) : "", s ? s : "");
}

/*
 * index.json may come from a mirror (buckets_url, --index): its hashes
 * authenticate the buckets and the salt, not the catalogue. The catalogue
 * shown to the person (titles, controller, complaint channel, sensitivity,
 * labs) must be the evaluator's, as in /v1/config.
 */
static int same_catalogue(const struct bc_index *idx, json_t *cfg_breaches, struct bc_error *err)
{
	const struct bc_breach *b;
	json_t *c = NULL, *v;
	size_t i, j, k, n = bc_index_n_breaches(idx);

	if (!json_is_array(cfg_breaches) || json_array_size(cfg_breaches) != n)
		goto bad;
	for (i = 0; i < n; i++) {
		b = bc_index_breach(idx, i);
		c = NULL;
		json_array_foreach(cfg_breaches, j, v) {
			if (json_is_integer(json_object_get(v, "id")) &&
			    json_integer_value(json_object_get(v, "id")) == (json_int_t)b->id)
				c = v;
		}
		if (!c || !same_text(c, "name", b->name) || !same_text(c, "title", b->title) ||
		    !same_text(c, "breach_date", b->breach_date) ||
		    !same_text(c, "description", b->description) ||
		    !same_text(c, "title_en", b->title_en) ||
		    !same_text(c, "description_en", b->description_en) ||
		    !same_text(c, "controller", b->controller) ||
		    !same_text(c, "dpo_contact", b->dpo_contact) ||
		    !same_text(c, "complaint_url", b->complaint_url) ||
		    !json_is_boolean(json_object_get(c, "is_sensitive")) ||
		    json_is_true(json_object_get(c, "is_sensitive")) != !!b->is_sensitive)
			goto bad;
		v = json_object_get(c, "sources");
		if (!json_is_array(v) || json_array_size(v) != b->n_sources)
			goto bad;
		for (k = 0; k < b->n_sources; k++)
			if (!json_is_string(json_array_get(v, k)) ||
			    strcmp(json_string_value(json_array_get(v, k)), b->sources[k]))
				goto bad;
	}
	return 0;
bad:
	return bc_error_set(err, bc_err_index_mismatch,
			    "the index's catalogue of breaches differs from the server's "
			    "/v1/config: refusing an altered or foreign copy");
}

/* A cache entry name: an index id, or a download in progress ".<index id>.<pid>". */
static int is_index_id(const char *s)
{
	return strspn(s, "0123456789abcdef") == BC_INDEX_ID_HEX;
}

/*
 * Remove the cached copies of other index ids (older versions of the index),
 * and downloads left behind by a check that was killed (their process is
 * gone): each may be as large as the index.
 */
struct prune {
	const char *keep;
};

static int is_prunable(const char *n, void *arg)
{
	const struct prune *p = arg;
	char *end;
	long pid;

	if (n[0] == '.' && is_index_id(n + 1) && n[1 + BC_INDEX_ID_HEX] == '.') {
		pid = strtol(n + 2 + BC_INDEX_ID_HEX, &end, 10);
		return !*end && pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) &&
		       errno == ESRCH;
	}
	return strlen(n) == BC_INDEX_ID_HEX && is_index_id(n) && strcmp(n, p->keep) != 0;
}

static void prune_cache(const char *cache, const char *keep)
{
	struct prune p = { keep };

	(void)bc_remove_matching(cache, is_prunable, &p);
}

static int open_cached(struct bc_client_backend *be, struct remote *r, const char *cache,
		       const uint8_t pk[32], struct bc_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/%s", cache, r->index_id) >= (int)sizeof(dir) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", cache, r->index_id, (long)getpid()) >=
		    (int)sizeof(tmp))
		return bc_error_set(err, bc_err_io, "cache directory path too long");
	/* a cached copy that does not check out is replaced by a fresh download */
	if (bc_index_open(dir, &be->idx, err) == 0 &&
	    (same_as_server(be->idx, r, pk, err) || bc_index_check_id(be->idx, err))) {
		bc_index_free(be->idx);
		be->idx = NULL;
	}
	if (!be->idx) {
		if (mkdir_p(cache, err))
			return -1;
		prune_cache(cache, r->index_id);
		bc_remove_tree(tmp);
		if (mkdir(tmp, 0700))
			return bc_error_set(err, bc_err_io, "cannot create %s: %s", tmp, strerror(errno));
		if (download_index(r, tmp, 1, err) || bc_index_open(tmp, &be->idx, err) ||
		    same_as_server(be->idx, r, pk, err) || bc_index_verify(be->idx, err)) {
			bc_index_free(be->idx);
			be->idx = NULL;
			bc_remove_tree(tmp);
			return -1;
		}
		/*
		 * Keep the verified mapping of tmp (it stays valid whatever happens
		 * to the files): a check running at the same time may store or
		 * remove the same directory without breaking this one.
		 */
		bc_remove_tree(dir);
		if (rename(tmp, dir)) {
			int e = errno;

			bc_remove_tree(tmp);
			if (e != ENOTEMPTY && e != EEXIST)
				return bc_error_set(err, bc_err_io,
						    "cannot store the index in the cache %s: %s",
						    cache, strerror(e));
		}
	}
	memcpy(r->cached, dir, sizeof(r->cached));
	bc_error_clear(err);
	return 0;
}

/*
 * Fetch mode: the session's padding key (docs/page.md "Padding") is kept in
 * the cache directory (pad.key, 32 random bytes, 0600) so that the checks
 * of one person over several runs read the same padding buckets; a key of
 * its own per run would let the bucket host intersect two runs that share
 * an identifier. The key says nothing about any identifier. When the cache
 * directory cannot be used, a key for this run only (be->pad_key_set stays 0).
 */
static void load_pad_key(struct bc_client_backend *be, const char *cache)
{
	char path[PATH_MAX];
	struct bc_error ignored = BC_ERROR_INIT;
	uint8_t k[BC_CLIENT_PAD_KEY_BYTES];
	FILE *f;
	int fd;

	if (snprintf(path, sizeof(path), "%s/pad.key", cache) >= (int)sizeof(path) ||
	    mkdir_p(cache, &ignored))
		return;
	f = fopen(path, "rb");
	if (f) {
		if (fread(k, 1, sizeof(k), f) == sizeof(k) && fgetc(f) == EOF) {
			memcpy(be->pad_key, k, sizeof(k));
			be->pad_key_set = 1;
		}
		fclose(f);
		sodium_memzero(k, sizeof(k));
		return;
	}
	randombytes_buf(k, sizeof(k));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		if (write(fd, k, sizeof(k)) == (ssize_t)sizeof(k) && fsync(fd) == 0) {
			memcpy(be->pad_key, k, sizeof(k));
			be->pad_key_set = 1;
		}
		close(fd);
		if (!be->pad_key_set)
			unlink(path);
	} else if (errno == EEXIST) {
		/* another check created it meanwhile: use theirs */
		load_pad_key(be, cache);
	}
	sodium_memzero(k, sizeof(k));
}

static int open_fetch(struct bc_client_backend *be, struct remote *r, const uint8_t pk[32],
		      struct bc_error *err)
{
	const char *t = getenv("TMPDIR");
	char tmp[PATH_MAX];
	int ret = -1;

	/* index.json only, in a directory removed at once: no cache needed */
	if (snprintf(tmp, sizeof(tmp), "%s/bc-fetch.XXXXXX", t && *t == '/' ? t : "/tmp") >=
	    (int)sizeof(tmp))
		return bc_error_set(err, bc_err_io, "TMPDIR path too long");
	if (!mkdtemp(tmp))
		return bc_error_set(err, bc_err_io, "cannot create a temporary directory in %s: %s",
				    t && *t == '/' ? t : "/tmp", strerror(errno));
	if (download_index(r, tmp, 0, err) ||
	    bc_index_open(tmp, &be->idx, err) || same_as_server(be->idx, r, pk, err) ||
	    bc_index_check_id(be->idx, err))
		goto out;
	ret = 0;
out:
	bc_remove_tree(tmp);    /* the mappings stay valid */
	return ret;
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
	if (http_do(r, url, NULL, &s, "config", err))
		goto out;
	cfg = json_loadb((const char *)s.buf, s.len, 0, NULL);
	if (!json_is_object(cfg)) {
		bc_error_set(err, bc_err_bad_response, "config: the server's answer is not JSON");
		goto out;
	}
	if (get_b64_field(cfg, "public_key", pk, 32, err))
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

		if (get_b64_field(cfg, "verified_public_key", pkv, 32, err))
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
		    same_as_server(be->idx, r, pk, err) || bc_index_check_id(be->idx, err))
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
				load_pad_key(be, cache);
			if (open_fetch(be, r, pk, err))
				goto out;
		} else {
			if (!have_cache) {
				bc_error_set(err, bc_err_io, "no cache directory: set XDG_CACHE_HOME or "
							"HOME, or give --cache-dir");
				goto out;
			}
			if (open_cached(be, r, cache, pk, err))
				goto out;
		}
	}
	if (bc_client_backend_catalogue(be, err))
		goto out;
	ret = 0;
out:
	json_decref(cfg);
	sink_free(&s);
	if (ret)
		bc_client_backend_release(be);
	return ret;
}

/* ---- email verification (DESIGN.md §6, docs/verify.md) ---- */

static int is_remote(const struct bc_client_backend *be)
{
	return be->ops == &file_ops || be->ops == &mirror_ops || be->ops == &fetch_ops;
}

/* After a failed verify call: the server's own error code when it is one of
 * the verify codes, so that the CLI can say what to do. */
static void verify_error_code(const struct sink *s, struct bc_error *err)
{
	json_t *j = s->buf ? json_loadb((const char *)s->buf, s->len, 0, NULL) : NULL;
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));

	if (c && err) {
		if (!strcmp(c, bc_err_code_invalid))
			err->code = bc_err_code_invalid;
		else if (!strcmp(c, bc_err_code_expired))
			err->code = bc_err_code_expired;
		else if (!strcmp(c, bc_err_too_many_tries))
			err->code = bc_err_too_many_tries;
		else if (!strcmp(c, bc_err_mail_failed))
			err->code = bc_err_mail_failed;
		else if (!strcmp(c, bc_err_not_implemented))
			err->code = bc_err_not_implemented;
		else if (!strcmp(c, bc_err_bad_field))
			err->code = bc_err_bad_input;
	}
	json_decref(j);
}

int bc_client_remote_verify_start(struct bc_client_backend *be, const char *email, char id[64],
				  struct bc_error *err)
{
	struct remote *r = be->ctx;
	struct sink s = { .max = 1u << 16 };
	char url[URL_MAX + 32];
	json_t *req, *ans = NULL;
	char *body = NULL;
	const char *v;
	int ret = -1;

	id[0] = '\0';
	if (!is_remote(be))
		return bc_error_set(err, bc_err_usage, "email verification needs --server");
	req = json_pack("{s:s}", "email", email);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	snprintf(url, sizeof(url), "%s/v1/verify/start", r->server);
	if (http_do(r, url, body, &s, "verify/start", err)) {
		verify_error_code(&s, err);
		goto out;
	}
	ans = json_loadb((const char *)s.buf, s.len, 0, NULL);
	v = json_string_value(json_object_get(ans, "verification_id"));
	if (!v || strlen(v) >= 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
						 strlen(v)) {
		bc_error_set(err, bc_err_bad_response, "verify/start: the server's answer has no verification_id");
		goto out;
	}
	snprintf(id, 64, "%s", v);
	ret = 0;
out:
	sodium_memzero(body, strlen(body));
	free(body);
	json_decref(ans);
	sink_free(&s);
	return ret;
}

int bc_client_remote_verify_evaluate(struct bc_client_backend *be, const char *id, const char *code,
				     const uint8_t blinded[OPRF_ELEMENT_BYTES],
				     uint8_t evaluated[OPRF_ELEMENT_BYTES], uint8_t proof[OPRF_PROOF_BYTES],
				     struct bc_error *err)
{
	struct remote *r = be->ctx;
	struct sink s = { .max = 1u << 16 };
	char url[URL_MAX + 32], b64[64];
	json_t *req, *ans = NULL;
	char *body = NULL;
	int ret = -1;

	if (!is_remote(be))
		return bc_error_set(err, bc_err_usage, "email verification needs --server");
	bc_b64url_encode(blinded, OPRF_ELEMENT_BYTES, b64);
	req = json_pack("{s:s,s:s,s:s}", "verification_id", id, "code", code, "blinded_element", b64);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	snprintf(url, sizeof(url), "%s/v1/verify/evaluate", r->server);
	/* never sent twice: a 429 here is reported, not waited out and retried */
	{
		long saved = r->max_wait_s;

		r->max_wait_s = 0;
		ret = http_do(r, url, body, &s, "verify/evaluate", err);
		r->max_wait_s = saved;
	}
	if (ret) {
		verify_error_code(&s, err);
		ret = -1;
		goto out;
	}
	ret = -1;
	ans = json_loadb((const char *)s.buf, s.len, 0, NULL);
	if (get_b64_field(ans, "evaluated_element", evaluated, OPRF_ELEMENT_BYTES, err) ||
	    get_b64_field(ans, "proof", proof, OPRF_PROOF_BYTES, err))
		goto out;
	ret = 0;
out:
	sodium_memzero(body, strlen(body));
	free(body);
	json_decref(ans);
	sink_free(&s);
	return ret;
}
