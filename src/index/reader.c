#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "index/index.h"
#include "index/index_internal.h"
#include "util/base64url.h"

struct bc_index {
	char *path;
	char *json_text;
	size_t json_len;
	json_t *json;
	uint8_t salt[BC_SALT_BYTES];
	uint8_t pk_s[32];
	uint8_t pk_v[32];
	unsigned bucket_bits;
	uint32_t n_buckets;
	uint32_t bucket_entries;
	uint32_t min_real_entries;
	char index_id[BC_INDEX_ID_HEX + 1];
	uint8_t *bucket_hashes; /* n_buckets * 32 */
	uint8_t verified_hash[BC_HASH_BYTES];
	uint8_t *buckets;
	size_t buckets_len;
	uint8_t *verified;
	size_t verified_len;
	struct bc_breach *breaches;
	size_t n_breaches;
};

static int read_file_text(const char *path, char **out, size_t *outlen, struct bc_error *err)
{
	int fd = -1, ret = -1;
	struct stat st;
	char *buf = NULL;
	size_t off = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		bc_error_set(err, bc_err_io, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > (off_t)256 * 1024 * 1024) {
		bc_error_set(err, bc_err_bad_size, "%s is too large", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		bc_error_set(err, bc_err_io, "out of memory reading %s", path);
		goto out;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, (size_t)st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			bc_error_set(err, bc_err_io, "cannot read %s: %s", path,
				     r < 0 ? strerror(errno) : "short read");
			goto out;
		}
		off += (size_t)r;
	}
	buf[off] = '\0';
	*out = buf;
	*outlen = off;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int map_file(const char *path, size_t expect, uint8_t **out, struct bc_error *err)
{
	int fd = -1, ret = -1;
	struct stat st;
	void *p;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		bc_error_set(err, bc_err_io, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size != (uint64_t)expect || expect == 0) {
		bc_error_set(err, bc_err_bad_size, "%s has %lld bytes, index.json says %zu", path,
			     (long long)st.st_size, expect);
		goto out;
	}
	p = mmap(NULL, expect, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		bc_error_set(err, bc_err_io, "cannot map %s: %s", path, strerror(errno));
		goto out;
	}
	*out = p;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int get_b64(json_t *o, const char *field, uint8_t *out, size_t n, struct bc_error *err)
{
	json_t *v = json_object_get(o, field);
	const char *s;

	if (!json_is_string(v))
		return bc_error_set_field(err, bc_err_bad_field, field, "index.json: %s missing or not a string", field);
	s = json_string_value(v);
	if (bc_b64url_decode(s, strlen(s), out, n) != (int)n)
		return bc_error_set_field(err, bc_err_bad_field, field,
					  "index.json: %s is not %zu bytes of base64url", field, n);
	return 0;
}

static int get_uint(json_t *o, const char *field, uint64_t max, uint64_t *out, struct bc_error *err)
{
	json_t *v = json_object_get(o, field);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return bc_error_set_field(err, bc_err_bad_field, field,
					  "index.json: %s missing or out of range", field);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static const char *get_str(json_t *o, const char *field)
{
	json_t *v = json_object_get(o, field);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int parse_breaches(struct bc_index *idx, struct bc_error *err)
{
	json_t *arr = json_object_get(idx->json, "breaches");
	size_t i, j;

	if (!json_is_array(arr))
		return bc_error_set_field(err, bc_err_bad_field, "breaches", "index.json: breaches missing");
	idx->n_breaches = json_array_size(arr);
	idx->breaches = calloc(idx->n_breaches ? idx->n_breaches : 1, sizeof(*idx->breaches));
	if (idx->breaches == NULL)
		return bc_error_set(err, bc_err_io, "out of memory");
	for (i = 0; i < idx->n_breaches; i++) {
		json_t *b = json_array_get(arr, i), *src, *dc;
		struct bc_breach *br = &idx->breaches[i];
		const char **sources;
		uint64_t v;

		if (!json_is_object(b) || get_uint(b, "id", UINT32_MAX, &v, err))
			return bc_error_set_field(err, bc_err_bad_field, "breaches",
						  "index.json: breach %zu has no valid id", i);
		br->id = (uint32_t)v;
		br->name = get_str(b, "name");
		br->title = get_str(b, "title");
		br->breach_date = get_str(b, "breach_date");
		br->added_date = get_str(b, "added_date");
		br->description = get_str(b, "description");
		br->title_en = get_str(b, "title_en");
		br->description_en = get_str(b, "description_en");
		br->controller = get_str(b, "controller");
		br->dpo_contact = get_str(b, "dpo_contact");
		br->complaint_url = get_str(b, "complaint_url");
		br->is_sensitive = json_is_true(json_object_get(b, "is_sensitive"));
		br->public_tier = bc_public_tier_parse(json_string_value(json_object_get(b, "public_tier")));
		if (json_object_get(b, "public_tier") && br->public_tier == BC_TIER_DEFAULT)
			return bc_error_set_field(err, bc_err_bad_field, "public_tier",
						  "index.json: breach %zu has a public_tier other than full, classes, none", i);
		if (br->public_tier == BC_TIER_DEFAULT) /* an index from before the tiers */
			br->public_tier = br->is_sensitive ? BC_TIER_CLASSES : BC_TIER_FULL;
		if (json_is_integer(json_object_get(b, "pwn_count")))
			br->pwn_count = (uint64_t)json_integer_value(json_object_get(b, "pwn_count"));
		dc = json_object_get(b, "data_classes");
		for (j = 0; json_is_array(dc) && j < json_array_size(dc); j++) {
			int bit = bc_class_bit_of(json_string_value(json_array_get(dc, j)));

			if (bit >= 0)
				br->data_classes |= BC_BIT(bit);
		}
		src = json_object_get(b, "sources");
		br->n_sources = json_is_array(src) ? json_array_size(src) : 0;
		sources = calloc(br->n_sources ? br->n_sources : 1, sizeof(char *));
		if (sources == NULL)
			return bc_error_set(err, bc_err_io, "out of memory");
		br->sources = sources;
		for (j = 0; j < br->n_sources; j++) {
			const char *s = json_string_value(json_array_get(src, j));

			sources[j] = s ? s : "";
		}
	}
	return 0;
}

int bc_index_open(const char *dir, struct bc_index **out, struct bc_error *err)
{
	struct bc_index *idx = NULL;
	json_error_t jerr;
	char path[PATH_MAX + 32];
	char resolved[PATH_MAX];
	json_t *hashes, *v;
	uint64_t u;
	size_t i;
	int ret = -1;

	*out = NULL;
	if (sodium_init() < 0) {
		bc_error_set(err, bc_err_internal, "libsodium failed to initialise");
		goto out;
	}
	idx = calloc(1, sizeof(*idx));
	if (idx == NULL) {
		bc_error_set(err, bc_err_io, "out of memory");
		goto out;
	}
	if (realpath(dir, resolved) == NULL) {
		bc_error_set(err, bc_err_io, "cannot open index %s: %s", dir, strerror(errno));
		goto out;
	}
	idx->path = strdup(resolved);
	if (idx->path == NULL) {
		bc_error_set(err, bc_err_io, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/index.json", resolved);
	if (read_file_text(path, &idx->json_text, &idx->json_len, err))
		goto out;
	idx->json = json_loadb(idx->json_text, idx->json_len, 0, &jerr);
	if (idx->json == NULL || !json_is_object(idx->json)) {
		bc_error_set(err, bc_err_bad_json, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			     idx->json ? "not an object" : jerr.text);
		goto out;
	}
	if (get_uint(idx->json, "format", 1000, &u, err))
		goto out;
	if (u != BC_INDEX_FORMAT) {
		bc_error_set_field(err, bc_err_bad_field, "format", "index.json: format %llu is not supported (expected 1)",
				   (unsigned long long)u);
		goto out;
	}
	if (strcmp(get_str(idx->json, "suite"), BC_INDEX_SUITE) != 0) {
		bc_error_set_field(err, bc_err_bad_field, "suite", "index.json: suite is not %s", BC_INDEX_SUITE);
		goto out;
	}
	if (get_uint(idx->json, "entry_bytes", 1000, &u, err))
		goto out;
	if (u != BC_ENTRY_BYTES) {
		bc_error_set_field(err, bc_err_bad_field, "entry_bytes", "index.json: entry_bytes must be 48");
		goto out;
	}
	if (get_uint(idx->json, "bucket_bits", BC_INDEX_MAX_BUCKET_BITS, &u, err))
		goto out;
	idx->bucket_bits = (unsigned)u;
	idx->n_buckets = (uint32_t)1 << idx->bucket_bits;
	if (get_uint(idx->json, "bucket_entries", 1u << 24, &u, err))
		goto out;
	idx->bucket_entries = (uint32_t)u;
	if (get_uint(idx->json, "min_real_entries", UINT32_MAX, &u, err))
		goto out;
	idx->min_real_entries = (uint32_t)u;
	if (get_b64(idx->json, "salt", idx->salt, BC_SALT_BYTES, err) ||
	    get_b64(idx->json, "public_key", idx->pk_s, 32, err) ||
	    get_b64(idx->json, "verified_public_key", idx->pk_v, 32, err) ||
	    get_b64(idx->json, "verified_hash", idx->verified_hash, BC_HASH_BYTES, err))
		goto out;
	v = json_object_get(idx->json, "index_id");
	if (!json_is_string(v) || strlen(json_string_value(v)) != BC_INDEX_ID_HEX ||
	    strspn(json_string_value(v), "0123456789abcdef") != BC_INDEX_ID_HEX) {
		bc_error_set_field(err, bc_err_bad_field, "index_id", "index.json: index_id is not 32 lowercase hex digits");
		goto out;
	}
	memcpy(idx->index_id, json_string_value(v), BC_INDEX_ID_HEX + 1);
	hashes = json_object_get(idx->json, "bucket_hashes");
	if (!json_is_array(hashes) || json_array_size(hashes) != idx->n_buckets) {
		bc_error_set_field(err, bc_err_bad_field, "bucket_hashes",
				   "index.json: bucket_hashes must list 2^bucket_bits hashes");
		goto out;
	}
	idx->bucket_hashes = malloc((size_t)idx->n_buckets * BC_HASH_BYTES);
	if (idx->bucket_hashes == NULL) {
		bc_error_set(err, bc_err_io, "out of memory");
		goto out;
	}
	for (i = 0; i < idx->n_buckets; i++) {
		const char *s = json_string_value(json_array_get(hashes, i));

		if (s == NULL || bc_b64url_decode(s, strlen(s), idx->bucket_hashes + i * BC_HASH_BYTES,
						  BC_HASH_BYTES) != BC_HASH_BYTES) {
			bc_error_set_field(err, bc_err_bad_field, "bucket_hashes",
					   "index.json: bucket hash %zu is not 32 bytes of base64url", i);
			goto out;
		}
	}
	if (parse_breaches(idx, err))
		goto out;
	if (get_uint(idx->json, "verified_entries", 1u << 26, &u, err))
		goto out;
	idx->verified_len = (size_t)u * BC_ENTRY_BYTES;
	idx->buckets_len = (size_t)idx->n_buckets * idx->bucket_entries * BC_ENTRY_BYTES;
	snprintf(path, sizeof(path), "%s/buckets.bin", resolved);
	if (map_file(path, idx->buckets_len, &idx->buckets, err))
		goto out;
	snprintf(path, sizeof(path), "%s/verified.bin", resolved);
	if (map_file(path, idx->verified_len, &idx->verified, err))
		goto out;
	*out = idx;
	idx = NULL;
	ret = 0;
out:
	bc_index_free(idx);
	return ret;
}

void bc_index_free(struct bc_index *idx)
{
	size_t i;

	if (idx == NULL)
		return;
	if (idx->buckets != NULL)
		munmap(idx->buckets, idx->buckets_len);
	if (idx->verified != NULL)
		munmap(idx->verified, idx->verified_len);
	for (i = 0; idx->breaches != NULL && i < idx->n_breaches; i++)
		free((void *)idx->breaches[i].sources);
	free(idx->breaches);
	free(idx->bucket_hashes);
	if (idx->json != NULL)
		json_decref(idx->json);
	free(idx->json_text);
	free(idx->path);
	free(idx);
}

int bc_index_verify_bucket(const struct bc_index *idx, uint32_t i)
{
	size_t len;
	const uint8_t *p = bc_index_bucket_ptr(idx, i, &len);

	if (p == NULL)
		return -1;
	return bc_index_hash_check(p, len, idx->bucket_hashes + (size_t)i * BC_HASH_BYTES);
}

int bc_index_verify(const struct bc_index *idx, struct bc_error *err)
{
	char id[BC_INDEX_ID_HEX + 1];
	uint32_t i;

	for (i = 0; i < idx->n_buckets; i++)
		if (bc_index_verify_bucket(idx, i) != 0)
			return bc_error_set(err, bc_err_bad_hash, "%s: bucket %u does not match its hash in index.json",
					    idx->path, i);
	if (bc_index_hash_check(idx->verified, idx->verified_len, idx->verified_hash) != 0)
		return bc_error_set(err, bc_err_bad_hash, "%s: verified.bin does not match its hash in index.json",
				    idx->path);
	bc_index_compute_id(idx->bucket_hashes, idx->n_buckets, idx->verified_hash, idx->salt, id);
	if (strcmp(id, idx->index_id) != 0)
		return bc_error_set(err, bc_err_bad_hash, "%s: index_id does not match the hashes in index.json",
				    idx->path);
	return 0;
}

int bc_index_check_id(const struct bc_index *idx, struct bc_error *err)
{
	char id[BC_INDEX_ID_HEX + 1];

	bc_index_compute_id(idx->bucket_hashes, idx->n_buckets, idx->verified_hash, idx->salt, id);
	if (strcmp(id, idx->index_id) != 0)
		return bc_error_set(err, bc_err_bad_hash,
				    "index.json's index_id does not match the hashes it lists");
	return 0;
}

const uint8_t *bc_index_salt(const struct bc_index *idx) { return idx->salt; }
unsigned bc_index_bucket_bits(const struct bc_index *idx) { return idx->bucket_bits; }
uint32_t bc_index_n_buckets(const struct bc_index *idx) { return idx->n_buckets; }
uint32_t bc_index_bucket_entries(const struct bc_index *idx) { return idx->bucket_entries; }
uint32_t bc_index_min_real_entries(const struct bc_index *idx) { return idx->min_real_entries; }
const char *bc_index_id(const struct bc_index *idx) { return idx->index_id; }
const uint8_t *bc_index_public_key(const struct bc_index *idx) { return idx->pk_s; }
const uint8_t *bc_index_verified_public_key(const struct bc_index *idx) { return idx->pk_v; }
const char *bc_index_path(const struct bc_index *idx) { return idx->path; }
const void *bc_index_json(const struct bc_index *idx) { return idx->json; }
size_t bc_index_n_breaches(const struct bc_index *idx) { return idx->n_breaches; }
const uint8_t *bc_index_verified_hash(const struct bc_index *idx) { return idx->verified_hash; }

const char *bc_index_json_text(const struct bc_index *idx, size_t *len)
{
	if (len != NULL)
		*len = idx->json_len;
	return idx->json_text;
}

const uint8_t *bc_index_bucket_ptr(const struct bc_index *idx, uint32_t i, size_t *len)
{
	size_t blen = (size_t)idx->bucket_entries * BC_ENTRY_BYTES;

	if (i >= idx->n_buckets)
		return NULL;
	if (len != NULL)
		*len = blen;
	return idx->buckets + (size_t)i * blen;
}

const uint8_t *bc_index_bucket_hash(const struct bc_index *idx, uint32_t i)
{
	if (i >= idx->n_buckets)
		return NULL;
	return idx->bucket_hashes + (size_t)i * BC_HASH_BYTES;
}

const uint8_t *bc_index_buckets_ptr(const struct bc_index *idx, size_t *len)
{
	if (len != NULL)
		*len = idx->buckets_len;
	return idx->buckets;
}

const uint8_t *bc_index_verified_ptr(const struct bc_index *idx, size_t *len)
{
	if (len != NULL)
		*len = idx->verified_len;
	return idx->verified;
}

const struct bc_breach *bc_index_breach(const struct bc_index *idx, size_t i)
{
	return i < idx->n_breaches ? &idx->breaches[i] : NULL;
}

const struct bc_breach *bc_index_breach_by_id(const struct bc_index *idx, uint32_t id)
{
	size_t i;

	for (i = 0; i < idx->n_breaches; i++)
		if (idx->breaches[i].id == id)
			return &idx->breaches[i];
	return NULL;
}

const struct bc_breach *bc_index_breach_by_name(const struct bc_index *idx, const char *name)
{
	size_t i;

	for (i = 0; i < idx->n_breaches; i++)
		if (!strcasecmp(idx->breaches[i].name, name))
			return &idx->breaches[i];
	return NULL;
}

int bc_index_find_in(const struct bc_index *idx, const uint8_t *area, size_t n_entries,
		     const uint8_t y[64],
		     int (*cb)(size_t i, const struct bc_breach *breach, const struct bc_payload *p,
			       void *arg, struct bc_error *err),
		     void *arg, struct bc_error *err)
{
	uint8_t tag[BC_TAG_BYTES], k[BC_ENTRY_KEY_BYTES], raw[BC_PAYLOAD_BYTES];
	struct bc_payload p;
	size_t i;
	int found = 0;

	for (i = 0; i < idx->n_breaches; i++) {
		const uint8_t *e;

		bc_index_tag(y, idx->salt, idx->breaches[i].id, tag);
		e = bc_index_lookup(area, n_entries, tag);
		if (e == NULL)
			continue;
		bc_index_key(y, idx->salt, idx->breaches[i].id, k);
		if (bc_entry_open(k, e, raw) != 0 || bc_payload_unpack(raw, &p) != 0) {
			found = bc_error_set(err, bc_err_bad_entry,
					     "an entry of breach %u does not decrypt: the index is corrupt",
					     (unsigned)idx->breaches[i].id);
			break;
		}
		found++;
		if (cb != NULL && cb(i, &idx->breaches[i], &p, arg, err) != 0) {
			found = -1;
			break;
		}
	}
	sodium_memzero(k, sizeof(k));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(&p, sizeof(p));
	return found;
}

struct find_cb {
	void (*cb)(const struct bc_breach *breach, const struct bc_payload *p, void *arg);
	void *arg;
};

static int find_each(size_t i, const struct bc_breach *breach, const struct bc_payload *p,
		     void *arg, struct bc_error *err)
{
	const struct find_cb *f = arg;

	(void)i;
	(void)err;
	if (f->cb != NULL)
		f->cb(breach, p, f->arg);
	return 0;
}

int bc_index_find(const struct bc_index *idx, const uint8_t y[64], int verified,
		  void (*cb)(const struct bc_breach *breach, const struct bc_payload *p,
			     void *arg),
		  void *arg, struct bc_error *err)
{
	struct find_cb f = { cb, arg };

	if (verified)
		return bc_index_find_in(idx, idx->verified, idx->verified_len / BC_ENTRY_BYTES, y,
					find_each, &f, err);
	return bc_index_find_in(idx,
				bc_index_bucket_ptr(idx, bc_index_bucket(y, idx->salt, idx->bucket_bits), NULL),
				idx->bucket_entries, y, find_each, &f, err);
}
