/*
 * The remote client's copy of the index (DESIGN.md §7): index.json and the
 * bucket files downloaded into the cache directory, or index.json alone in
 * fetch mode; checked against the evaluator's /v1/config before use; older
 * copies pruned; the fetch mode's padding key. See client/remote_internal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "client/remote_internal.h"
#include "util/fs.h"

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
	if (bc_client_http_do(r, url, NULL, &s, what, err))
		goto out;
	if (fflush(f) || fsync(fileno(f))) {
		bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fclose(f) && !ret)
		ret = bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	bc_client_sink_free(&s);
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

int bc_client_same_as_server(const struct bc_index *idx, const struct remote *r,
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

int bc_client_open_cached(struct bc_client_backend *be, struct remote *r, const char *cache,
		       const uint8_t pk[32], struct bc_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/%s", cache, r->index_id) >= (int)sizeof(dir) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", cache, r->index_id, (long)getpid()) >=
		    (int)sizeof(tmp))
		return bc_error_set(err, bc_err_io, "cache directory path too long");
	/* a cached copy that does not check out is replaced by a fresh download */
	if (bc_index_open(dir, &be->idx, err) == 0 &&
	    (bc_client_same_as_server(be->idx, r, pk, err) || bc_index_check_id(be->idx, err))) {
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
		    bc_client_same_as_server(be->idx, r, pk, err) || bc_index_verify(be->idx, err)) {
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
void bc_client_load_pad_key(struct bc_client_backend *be, const char *cache)
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
		bc_client_load_pad_key(be, cache);
	}
	sodium_memzero(k, sizeof(k));
}

int bc_client_open_fetch(struct bc_client_backend *be, struct remote *r, const uint8_t pk[32],
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
	    bc_index_open(tmp, &be->idx, err) || bc_client_same_as_server(be->idx, r, pk, err) ||
	    bc_index_check_id(be->idx, err))
		goto out;
	ret = 0;
out:
	bc_remove_tree(tmp);    /* the mappings stay valid */
	return ret;
}
