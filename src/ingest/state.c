/*
 * Ingest, state (docs/ingest.md "The state directory"): KEYFILE.state/ holds
 * the catalogue (catalogue.json: next_id, breaches with their private
 * fields) and one breach-<id>.bin per breach (payload and OPRF output of
 * each token, checksum keyed with pkS). As secret as the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/internal.h"
#include "util/base64url.h"
#include "util/fs.h"

#define STATE_MAGIC "BCSTATE2"
#define STATE_MAGIC_V1 "BCSTATE1"
#define STATE_REC (BC_PAYLOAD_BYTES + BC_Y_BYTES)

int bc_ingest_state_dir(const char *key_path, char *out, size_t outsize)
{
	int r = snprintf(out, outsize, "%s.state", key_path);

	return r < 0 || (size_t)r >= outsize ? -1 : 0;
}

static int too_long_path(int r, size_t size)
{
	return r < 0 || (size_t)r >= size;
}

static int is_temp(const char *name, void *arg)
{
	(void)arg;
	return strstr(name, ".tmp-") != NULL;
}

/* Temporaries of runs that died (we hold the lock: nobody else writes). */
static void remove_stale_temps(const char *dir)
{
	(void)bc_remove_matching(dir, is_temp, NULL);
}

static int open_state(const char *dir, int *lock_fd, int shared, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return bc_error_set(err, bc_err_state, "cannot create state directory %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0)
		return bc_error_set(err, bc_err_state, "cannot use state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, bc_err_state, "%s is not a directory (the state directory of the key)", dir);
	if (st.st_mode & 077)
		return bc_error_set(err, bc_err_state, "state directory %s is accessible by others; it is as secret "
				    "as the key: chmod 700 %s", dir, dir);
	if (st.st_uid != geteuid())
		return bc_error_set(err, bc_err_state, "state directory %s belongs to another user", dir);
	snprintf(path, sizeof(path), "%s/lock", dir);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0)
		return bc_error_set(err, bc_err_state, "cannot open %s: %s", path, strerror(errno));
	if (flock(*lock_fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			return bc_error_set(err, bc_err_state, "cannot lock %s: %s (a file system without flock(2)? "
					    "docs/deploy.md \"Ingest on several machines\")", path, strerror(errno));
		if (shared)
			return bc_error_set(err, bc_err_busy, "an ingest or publish is running with this key (%s is "
					    "locked); run the shard when it has finished", path);
		return bc_error_set(err, bc_err_busy, "another ingest, publish or shard is running with this key "
				    "(%s is locked)", path);
	}
	if (shared)
		return 0;
	remove_stale_temps(dir);
	return 0;
}

int bc_ingest_open_state(const char *dir, int *lock_fd, struct bc_error *err)
{
	return open_state(dir, lock_fd, 0, err);
}

int bc_ingest_open_state_shared(const char *dir, int *lock_fd, struct bc_error *err)
{
	return open_state(dir, lock_fd, 1, err);
}


json_t *bc_ingest_load_catalogue(const char *dir, const uint8_t pk[32], struct bc_error *err)
{
	char path[PATH_MAX + 32], pkb[64];
	json_error_t jerr;
	json_t *c;

	bc_b64url_encode(pk, 32, pkb);
	snprintf(path, sizeof(path), "%s/catalogue.json", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		c = json_pack("{s:i, s:s, s:i, s:[]}", "format", 1, "public_key", pkb, "next_id", 1,
			      "breaches");
		if (c == NULL)
			bc_error_set(err, bc_err_out_of_memory, "out of memory");
		return c;
	}
	c = json_load_file(path, 0, &jerr);
	if (c == NULL || !json_is_object(c) || !json_is_integer(json_object_get(c, "next_id")) ||
	    json_integer_value(json_object_get(c, "next_id")) < 1 ||
	    json_integer_value(json_object_get(c, "next_id")) >= UINT32_MAX ||
	    !json_is_array(json_object_get(c, "breaches"))) {
		bc_error_set(err, bc_err_state, "%s:%d:%d: not a valid state catalogue", path, jerr.line, jerr.column);
		json_decref(c);
		return NULL;
	}
	if (!json_is_string(json_object_get(c, "public_key")) ||
	    strcmp(json_string_value(json_object_get(c, "public_key")), pkb) != 0) {
		bc_error_set(err, bc_err_state, "%s was made with another key; use the key file it sits beside", path);
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Ids are never reused, even when the state directory was lost: next_id
 * also passes every id of the index published at DIR (public data). */
void bc_ingest_next_id_past_published(json_t *cat, const char *index_dir)
{
	char path[PATH_MAX + 32];
	json_t *pub, *b;
	json_int_t next = json_integer_value(json_object_get(cat, "next_id"));
	size_t i;

	if (too_long_path(snprintf(path, sizeof(path), "%s/index.json", index_dir), sizeof(path)))
		return;
	pub = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(pub, "breaches"), i, b) {
		json_int_t id = json_integer_value(json_object_get(b, "id"));

		if (id >= next && id < UINT32_MAX)
			next = id + 1;
	}
	json_decref(pub);
	json_object_set_new(cat, "next_id", json_integer(next));
}

/* breach-<id>.bin of a breach that the catalogue (arg) does not list. */
static int is_orphan_state(const char *name, void *arg)
{
	json_t *cat = arg, *b;
	unsigned long id;
	char *end;
	size_t i;

	if (strncmp(name, "breach-", 7) != 0)
		return 0;
	id = strtoul(name + 7, &end, 10);
	if (strcmp(end, ".bin") != 0)
		return 0;
	json_array_foreach(json_object_get(cat, "breaches"), i, b)
		if ((unsigned long)json_integer_value(json_object_get(b, "id")) == id)
			return 0;
	return 1;
}

/* State files of breaches the catalogue does not list (runs killed midway). */
void bc_ingest_remove_orphan_states(const char *dir, json_t *cat)
{
	(void)bc_remove_matching(dir, is_orphan_state, cat);
}

int bc_ingest_save_catalogue(const char *dir, json_t *c, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	char *text = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int ret;

	if (text == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	snprintf(path, sizeof(path), "%s/catalogue.json", dir);
	ret = bc_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return ret;
}

/* The checksum is keyed with pkS, so a state file of another key is refused
 * (BCSTATE1 files, unkeyed, are still read; their id is checked). */
static void state_checksum(const uint8_t *buf, size_t len, const uint8_t *pk, uint8_t out[BC_HASH_BYTES])
{
	crypto_generichash(out, BC_HASH_BYTES, buf, len, pk, pk != NULL ? 32 : 0);
}

/* Records per write of the state file: 640 KB buffered, hashed, written
 * and its write-back started, while the next part is filled. */
#define STATE_CHUNK 8192

int bc_ingest_save_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
				const struct bc_build_item *items, size_t n, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	uint8_t head[24], sum[BC_HASH_BYTES], *buf = malloc(STATE_CHUNK * STATE_REC), *p;
	crypto_generichash_state hs;
	struct bc_atomic_file f;
	size_t i, done;
	int ret = -1;

	if (buf == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory writing the state");
	memcpy(head, STATE_MAGIC, 8);
	for (i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)(id >> (8 * i));
	memset(head + 12, 0, 4);
	for (i = 0; i < 8; i++)
		head[16 + i] = (uint8_t)((uint64_t)n >> (8 * i));
	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	/* the checksum as state_checksum computes it, over the parts in turn */
	crypto_generichash_init(&hs, pk, 32, BC_HASH_BYTES);
	crypto_generichash_update(&hs, head, sizeof(head));
	if (bc_atomic_file_open(&f, path, 0600, err) != 0)
		goto out;
	if (bc_atomic_file_write(&f, head, sizeof(head), err) != 0)
		goto out;
	for (done = 0; done < n; done += i) {
		for (i = 0, p = buf; i < STATE_CHUNK && done + i < n; i++, p += STATE_REC) {
			memcpy(p, items[done + i].payload, BC_PAYLOAD_BYTES);
			memcpy(p + BC_PAYLOAD_BYTES, items[done + i].y, BC_Y_BYTES);
		}
		crypto_generichash_update(&hs, buf, i * STATE_REC);
		if (bc_atomic_file_write(&f, buf, i * STATE_REC, err) != 0)
			goto out;
	}
	crypto_generichash_final(&hs, sum, sizeof(sum));
	if (bc_atomic_file_write(&f, sum, sizeof(sum), err) != 0)
		goto out;
	ret = bc_atomic_file_commit(&f, err);
out:
	if (ret != 0)
		bc_atomic_file_abort(&f);
	sodium_memzero(buf, STATE_CHUNK * STATE_REC);
	sodium_memzero(&hs, sizeof(hs));
	free(buf);
	return ret;
}

/* Append the entries of breach id from the state to *items. */
int bc_ingest_load_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
				struct bc_build_item **items, size_t *n, size_t *cap, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	uint8_t h[BC_HASH_BYTES], *buf = NULL;
	size_t len = 0, cnt = 0, i;
	const uint8_t *p;
	uint32_t fid = 0;
	int v1;
	FILE *f;
	int ret = -1;
	struct stat st;

	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		bc_error_set(err, bc_err_state, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (buf == NULL || fread(buf, 1, len, f) != len) {
		bc_error_set(err, bc_err_state, "cannot read %s", path);
		goto out;
	}
	for (i = 0; len >= 24 && i < 8; i++)
		cnt |= (size_t)buf[16 + i] << (8 * i);
	v1 = len >= 8 && memcmp(buf, STATE_MAGIC_V1, 8) == 0;
	if (len < 24 + BC_HASH_BYTES || (memcmp(buf, STATE_MAGIC, 8) != 0 && !v1) ||
	    cnt != (len - 24 - BC_HASH_BYTES) / STATE_REC || len != 24 + cnt * STATE_REC + BC_HASH_BYTES) {
		bc_error_set(err, bc_err_state, "%s is not a breach state file (truncated?)", path);
		goto out;
	}
	state_checksum(buf, len - BC_HASH_BYTES, v1 ? NULL : pk, h);
	if (memcmp(h, buf + len - BC_HASH_BYTES, BC_HASH_BYTES) != 0) {
		bc_error_set(err, bc_err_state, "%s is corrupt or was made with another key (checksum mismatch)",
			     path);
		goto out;
	}
	for (i = 0; i < 4; i++)
		fid |= (uint32_t)buf[8 + i] << (8 * i);
	if (fid != id) {
		bc_error_set(err, bc_err_state, "%s holds breach %u, not %u (renamed or copied from elsewhere)",
			     path, fid, id);
		goto out;
	}
	if (*n + cnt > *cap) {
		size_t nc = *n + cnt;
		struct bc_build_item *ni = realloc(*items, (nc ? nc : 1) * sizeof(*ni));

		if (ni == NULL) {
			bc_error_set(err, bc_err_out_of_memory, "out of memory loading %s", path);
			goto out;
		}
		*items = ni;
		*cap = nc;
	}
	for (i = 0, p = buf + 24; i < cnt; i++, p += STATE_REC) {
		struct bc_build_item *it = &(*items)[*n + i];

		memcpy(it->payload, p, BC_PAYLOAD_BYTES);
		memcpy(it->y, p + BC_PAYLOAD_BYTES, BC_Y_BYTES);
		it->breach_id = id;
	}
	*n += cnt;
	ret = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	if (f != NULL)
		fclose(f);
	return ret;
}

void bc_ingest_remove_breach_state(const char *dir, uint32_t id)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/breach-%u.bin", dir, id);
	unlink(path);
}

