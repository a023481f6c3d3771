/* Building, reading and publishing format-v1 indexes (no OPRF, no leak file). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "index/build.h"
#include "index/index.h"
#include "testutil.h"
#include "index/index_internal.h"

static const char breaches[] =
	"[{\"id\":3,\"name\":\"lab-a\",\"title\":\"Lab A\",\"breach_date\":\"2020-01-02\","
	"\"added_date\":\"2026-01-01\",\"pwn_count\":10,\"data_classes\":[\"name\",\"nir\",\"hiv\"],"
	"\"is_sensitive\":true,\"description\":\"d\",\"sources\":[\"L1\",\"L2\"],"
	"\"controller\":\"C\",\"dpo_contact\":\"dpo@example.org\",\"complaint_url\":\"https://example.org/c\"},"
	"{\"id\":9,\"name\":\"Other\",\"title\":\"O\",\"sources\":[]}]";

static char tmproot[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmproot, sizeof(tmproot), "/tmp/bc-test-index-XXXXXX");
	return mkdtemp(tmproot) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	test_rm_rf(tmproot);
	return 0;
}

static void make_items(struct bc_build_item *items, size_t n, size_t n_verified)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct bc_payload p = { 1, (uint8_t)(1 + i % 4), (uint16_t)i, (uint32_t)i * 7, 1, 2, 0, 1 };

		if (i < n_verified)
			p.kind = BC_TOKEN_VERIFIED;
		randombytes_buf(items[i].y, BC_Y_BYTES);
		bc_payload_pack(&p, items[i].payload);
		items[i].breach_id = i % 3 == 0 ? 9 : 3;
	}
}

static void test_choose_bits(void **state)
{
	uint32_t v[8192], lo, hi;
	unsigned bits;
	size_t i;

	(void)state;
	/* 1024 values in each quarter: 2 bits with K = 1024, not 3. */
	for (i = 0; i < 4096; i++)
		v[i] = ((uint32_t)(i / 1024) << 30) | ((uint32_t)(i * 2654435761u) >> 2);
	assert_int_equal(bc_index_choose_bits(v, 4096, 1024, &bits, &lo, &hi), 0);
	assert_int_equal(bits, 2);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 1024);
	/* One value moved from quarter 0 to quarter 1: quarters fail, halves hold. */
	v[0] = 0x40000000u;
	assert_int_equal(bc_index_choose_bits(v, 4096, 1024, &bits, &lo, &hi), 0);
	assert_int_equal(bits, 1);
	assert_int_equal(lo, 2048);
	assert_int_equal(hi, 2048);
	/* Fewer than K values: 0 bits, one bucket. */
	assert_int_equal(bc_index_choose_bits(v, 1000, 1024, &bits, &lo, &hi), 0);
	assert_int_equal(bits, 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(bc_index_choose_bits(v, 0, 1024, &bits, &lo, &hi), 0);
	assert_int_equal(bits, 0);
	assert_int_equal(hi, 0);
	/* Uniform random: the largest b whose buckets all hold >= K, checked by brute force. */
	randombytes_buf(v, sizeof(v));
	assert_int_equal(bc_index_choose_bits(v, 8192, 100, &bits, &lo, &hi), 0);
	{
		unsigned b;
		unsigned best = 0;

		for (b = 0; b <= 8; b++) {
			uint32_t h[256] = { 0 }, m = UINT32_MAX;

			for (i = 0; i < 8192; i++)
				h[bc_index_bucket_of(v[i], b)]++;
			for (i = 0; i < ((size_t)1 << b); i++)
				m = h[i] < m ? h[i] : m;
			if (m >= 100)
				best = b;
		}
		assert_int_equal(bits, best);
		assert_true(bits >= 5 && bits <= 6);
	}
}

struct found {
	int n;
	uint32_t breach;
	struct bc_payload p;
};

static void on_found(const struct bc_breach *b, const struct bc_payload *p, void *arg)
{
	struct found *f = arg;

	f->n++;
	f->breach = b->id;
	f->p = *p;
}

/* bc_index_find_in callback: counts calls; *arg < 0 asks it to fail. */
/* A code of the test's own (a const char[], as util/error.h asks). */
static const char stop_code[] = "stop";

static int count_or_fail(size_t i, const struct bc_breach *breach, const struct bc_payload *p,
			 void *arg, struct bc_error *err)
{
	int *calls = arg;

	(void)i;
	(void)breach;
	(void)p;
	if (*calls < 0)
		return bc_error_set(err, stop_code, "stopped by the callback");
	(*calls)++;
	return 0;
}

/* bc_index_find_in over a caller's copy of the bucket of a public item: one
 * match; a callback's error stops the search; a corrupt ciphertext is
 * "bad_entry". */
static void check_find_in(const struct bc_index *idx, const struct bc_build_item *it)
{
	const uint8_t *salt = bc_index_salt(idx);
	uint32_t bk = bc_index_bucket(it->y, salt, bc_index_bucket_bits(idx));
	size_t len;
	const uint8_t *src = bc_index_bucket_ptr(idx, bk, &len);
	uint8_t *copy = malloc(len), tag[16], *e;
	struct bc_error err = BC_ERROR_INIT;
	int calls = 0;

	assert_non_null(src);
	assert_non_null(copy);
	memcpy(copy, src, len);
	assert_int_equal(bc_index_find_in(idx, copy, len / 48, it->y, count_or_fail, &calls, &err), 1);
	assert_int_equal(calls, 1);
	calls = -1;
	assert_int_equal(bc_index_find_in(idx, copy, len / 48, it->y, count_or_fail, &calls, &err), -1);
	assert_ptr_equal(err.code, stop_code);
	bc_index_tag(it->y, salt, it->breach_id, tag);
	e = (uint8_t *)bc_index_lookup(copy, len / 48, tag);
	assert_non_null(e);
	e[20] ^= 1;
	calls = 0;
	assert_int_equal(bc_index_find_in(idx, copy, len / 48, it->y, count_or_fail, &calls, &err), -1);
	assert_string_equal(err.code, "bad_entry");
	assert_int_equal(calls, 0);
	free(copy);
}

static void test_write_read_roundtrip(void **state)
{
	enum { N = 3000, NV = 100 };
	struct bc_build_item *items = calloc(N, sizeof(*items));
	uint8_t salt[32], pk[32], pkv[32];
	struct bc_build_params bp = { salt, 64, pk, pkv, breaches, 2, NULL, NULL, 0 };
	struct bc_build_result res;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_index *idx = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	size_t i, len, padding = 0, real = 0;
	uint32_t b;
	const struct bc_breach *br;

	(void)state;
	assert_non_null(items);
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(pk, sizeof(pk));
	randombytes_buf(pkv, sizeof(pkv));
	make_items(items, N, NV);
	snprintf(dir, sizeof(dir), "%s/rt", tmproot);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bc_index_write_files(dir, items, N, &bp, &res, &err), 0);
	assert_int_equal(res.public_entries, N - NV);
	assert_int_equal(res.verified_entries, NV);
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_index_verify(idx, &err), 0);
	assert_string_equal(bc_index_id(idx), res.index_id);
	assert_memory_equal(bc_index_salt(idx), salt, 32);
	assert_memory_equal(bc_index_public_key(idx), pk, 32);
	assert_memory_equal(bc_index_verified_public_key(idx), pkv, 32);
	assert_int_equal(bc_index_bucket_bits(idx), res.bucket_bits);
	assert_true(res.bucket_bits >= 4); /* 2900 entries, K = 64 */
	assert_true(bc_index_min_real_entries(idx) >= 64);
	assert_int_equal(bc_index_min_real_entries(idx), res.min_real_entries);
	/* Every bucket: sorted by tag, real entries + random padding = bucket_entries. */
	for (b = 0; b < bc_index_n_buckets(idx); b++) {
		const uint8_t *p = bc_index_bucket_ptr(idx, b, &len);

		assert_int_equal(len, (size_t)bc_index_bucket_entries(idx) * 48);
		for (i = 1; i < bc_index_bucket_entries(idx); i++)
			assert_true(memcmp(p + (i - 1) * 48, p + i * 48, 16) < 0);
		assert_int_equal(bc_index_verify_bucket(idx, b), 0);
	}
	assert_null(bc_index_bucket_ptr(idx, bc_index_n_buckets(idx), &len));
	/* Each item found in its breach with its payload, in its bucket or verified.bin. */
	for (i = 0; i < N; i++) {
		struct found f = { 0, 0, { 0 } };
		struct bc_payload want;

		assert_int_equal(bc_index_find(idx, items[i].y, i < NV, on_found, &f, &err), 1);
		assert_int_equal(f.breach, items[i].breach_id);
		assert_int_equal(bc_payload_unpack(items[i].payload, &want), 0);
		assert_memory_equal(&f.p, &want, sizeof(want));
		/* Not found on the other side. */
		assert_int_equal(bc_index_find(idx, items[i].y, i >= NV, NULL, NULL, &err), 0);
		real++;
	}
	check_find_in(idx, &items[NV]);
	assert_int_equal(bc_index_check_id(idx, &err), 0);
	padding = (size_t)bc_index_n_buckets(idx) * bc_index_bucket_entries(idx) - (N - NV);
	assert_int_equal(real, N);
	assert_true(padding > 0);
	bc_index_verified_ptr(idx, &len);
	assert_int_equal(len, 128 * 48); /* 100 padded to a multiple of 64 */
	/* Catalogue. */
	assert_int_equal(bc_index_n_breaches(idx), 2);
	br = bc_index_breach_by_name(idx, "LAB-A");
	assert_non_null(br);
	assert_int_equal(br->id, 3);
	assert_string_equal(br->title, "Lab A");
	assert_int_equal(br->is_sensitive, 1);
	assert_int_equal(br->pwn_count, 10);
	assert_int_equal(br->data_classes, (1u << 0) | (1u << 1) | (1u << 17));
	assert_int_equal(br->n_sources, 2);
	assert_string_equal(br->sources[1], "L2");
	assert_string_equal(br->dpo_contact, "dpo@example.org");
	assert_ptr_equal(bc_index_breach_by_id(idx, 9), bc_index_breach(idx, 1));
	assert_string_equal(bc_index_breach(idx, 1)->breach_date, "");
	assert_null(bc_index_breach_by_id(idx, 4));
	{
		size_t jl;
		const char *txt = bc_index_json_text(idx, &jl);

		assert_int_equal(strlen(txt), jl);
		assert_non_null(strstr(txt, res.index_id));
		assert_non_null(json_object_get((const json_t *)bc_index_json(idx), "bucket_hashes"));
	}
	bc_index_free(idx);

	/* A flipped byte in a bucket: open works, verify names the failure. */
	snprintf(path, sizeof(path), "%s/buckets.bin", dir);
	{
		FILE *f = fopen(path, "r+b");
		int c;

		assert_non_null(f);
		fseek(f, 100, SEEK_SET);
		c = fgetc(f);
		fseek(f, 100, SEEK_SET);
		fputc(c ^ 1, f);
		fclose(f);
	}
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_index_verify(idx, &err), -1);
	assert_string_equal(err.code, "bad_hash");
	assert_int_equal(bc_index_verify_bucket(idx, 0), -1);
	/* index_id still matches the hashes index.json lists (the bucket is
	 * checked when read)... */
	assert_int_equal(bc_index_check_id(idx, &err), 0);
	bc_index_free(idx);
	/* ...but not once index.json names another index_id. */
	{
		char jpath[PATH_MAX + 32], *text, *at;
		FILE *f;
		long n;

		snprintf(jpath, sizeof(jpath), "%s/index.json", dir);
		f = fopen(jpath, "r+b");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		text = calloc(1, (size_t)n + 1);
		assert_non_null(text);
		fseek(f, 0, SEEK_SET);
		assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
		at = strstr(text, res.index_id);
		assert_non_null(at);
		at[0] = at[0] == '0' ? '1' : '0';
		fseek(f, 0, SEEK_SET);
		assert_int_equal(fwrite(text, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		free(text);
	}
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_index_check_id(idx, &err), -1);
	assert_string_equal(err.code, "bad_hash");
	bc_index_free(idx);
	/* A truncated file is refused at open. */
	assert_int_equal(truncate(path, 48), 0);
	assert_int_equal(bc_index_open(dir, &idx, &err), -1);
	assert_string_equal(err.code, "bad_size");
	free(items);
}

static void test_index_id(void **state)
{
	uint8_t h[3 * 32], v[32], salt[32];
	char id1[33], id2[33];
	crypto_generichash_state st;
	uint8_t want[16];
	char wanthex[33];

	(void)state;
	randombytes_buf(h, sizeof(h));
	randombytes_buf(v, sizeof(v));
	randombytes_buf(salt, sizeof(salt));
	bc_index_compute_id(h, 3, v, salt, id1);
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, h, sizeof(h));
	crypto_generichash_update(&st, v, sizeof(v));
	crypto_generichash_update(&st, salt, sizeof(salt));
	crypto_generichash_final(&st, want, 16);
	sodium_bin2hex(wanthex, sizeof(wanthex), want, 16);
	assert_string_equal(id1, wanthex);
	salt[0] ^= 1;
	bc_index_compute_id(h, 3, v, salt, id2);
	assert_string_not_equal(id1, id2);
}

/* bc_dir_check_writable: a probe is created and removed; a directory under
 * a regular file and a name longer than NAME_MAX fail, for root too. */
static void test_dir_check_writable(void **state)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], under[PATH_MAX + 32];
	struct bc_error err = BC_ERROR_INIT;
	DIR *d;
	struct dirent *de;
	int entries = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/probe", tmproot);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bc_dir_check_writable(dir, "x", 40, "test", &err), 0);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		entries += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 0); /* the probe is gone */
	assert_int_equal(bc_dir_check_writable(dir, "x", 300, "test", &err), -1);
	assert_string_equal(err.code, "not_writable");
	assert_non_null(strstr(err.msg, "File name too long"));
	snprintf(file, sizeof(file), "%s/f", dir);
	assert_int_equal(close(open(file, O_WRONLY | O_CREAT, 0600)), 0);
	snprintf(under, sizeof(under), "%s/sub", file);
	assert_int_equal(bc_dir_check_writable(file, "x", 10, "test", &err), -1);
	assert_string_equal(err.code, "not_writable");
	assert_non_null(strstr(err.msg, "test"));
	assert_int_equal(bc_index_check_writable(under, &err), -1);
	assert_string_equal(err.code, "not_writable");
}

static int count_versions(const char *parent, const char *base)
{
	DIR *d = opendir(parent);
	struct dirent *de;
	int n = 0;
	size_t bl = strlen(base);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, base, bl) && de->d_name[bl] == '.' &&
		    strcmp(de->d_name + bl, ".lock") != 0) /* the publication lock is no version */
			n++;
	closedir(d);
	return n;
}

static void test_publish(void **state)
{
	enum { N = 500 };
	struct bc_build_item *items = calloc(N, sizeof(*items));
	uint8_t pk[32] = { 1 }, pkv[32] = { 2 };
	struct bc_build_params bp = { NULL, 16, pk, pkv, breaches, 0, NULL, NULL, 0 };
	struct bc_build_result r1, r2, r3;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_index *idx = NULL, *old = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 64], link[PATH_MAX];
	ssize_t l;
	uint32_t b;
	struct stat st;

	(void)state;
	make_items(items, N, 10);
	snprintf(dir, sizeof(dir), "%s/pub", tmproot);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), 0);
	l = readlink(dir, link, sizeof(link) - 1);
	assert_true(l > 0);
	link[l] = '\0';
	assert_string_equal(link + 4, r1.index_id);
	assert_int_equal(strncmp(link, "pub.", 4), 0);
	assert_int_equal(bc_index_open(dir, &old, &err), 0);
	assert_int_equal(stat(r1.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);

	/* Same items again: fresh salt, so no common tag or bucket hash. */
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r2, &err), 0);
	assert_string_not_equal(r1.index_id, r2.index_id);
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_string_equal(bc_index_id(idx), r2.index_id);
	assert_int_equal(bc_index_verify(idx, &err), 0);
	assert_int_equal(bc_index_verify(old, &err), 0); /* the opened old version still reads */
	for (b = 0; b < bc_index_n_buckets(idx); b++) {
		uint32_t c;

		for (c = 0; c < bc_index_n_buckets(old); c++)
			assert_memory_not_equal(bc_index_bucket_hash(idx, b), bc_index_bucket_hash(old, c), 32);
	}
	{
		size_t la, lb, i, j;
		const uint8_t *a = bc_index_buckets_ptr(idx, &la), *bb = bc_index_buckets_ptr(old, &lb);

		for (i = 0; i < la; i += 48)
			for (j = 0; j < lb; j += 48)
				assert_memory_not_equal(a + i, bb + j, 16);
	}
	bc_index_free(idx);
	bc_index_free(old);
	assert_int_equal(count_versions(tmproot, "pub"), 2); /* 2 versions beside the link */

	/* A third: the oldest goes, the previous stays. */
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r3, &err), 0);
	assert_int_equal(count_versions(tmproot, "pub"), 2);
	snprintf(path, sizeof(path), "%s/pub.%s", tmproot, r1.index_id);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/pub.%s", tmproot, r2.index_id);
	assert_int_equal(access(path, F_OK), 0);

	/* Another publisher holds DIR.lock: refused as busy, DIR unchanged,
	 * nothing left beside it; once released, publication works. (Without
	 * the lock, two publishers delete each other's new version.) */
	{
		char lockp[PATH_MAX + 8], before[PATH_MAX];
		int lfd;

		snprintf(lockp, sizeof(lockp), "%s.lock", dir);
		lfd = open(lockp, O_RDWR | O_CREAT, 0644);
		assert_true(lfd >= 0);
		assert_int_equal(flock(lfd, LOCK_EX | LOCK_NB), 0);
		l = readlink(dir, before, sizeof(before) - 1);
		assert_true(l > 0);
		before[l] = '\0';
		assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), -1);
		assert_string_equal(err.code, "busy");
		l = readlink(dir, link, sizeof(link) - 1);
		assert_true(l > 0);
		link[l] = '\0';
		assert_string_equal(link, before);
		assert_int_equal(count_versions(tmproot, "pub"), 2);
		bp.dir_locked = 1; /* the caller says it holds the lock: no check */
		assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), 0);
		bp.dir_locked = 0;
		close(lfd);
		assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), 0);
		/* bc_index_lock itself: taken, then busy for a second taker. */
		assert_int_equal(bc_index_lock(dir, &lfd, &err), 0);
		{
			int l2;

			assert_int_equal(bc_index_lock(dir, &l2, &err), -1);
			assert_string_equal(err.code, "busy");
			assert_int_equal(l2, -1);
		}
		close(lfd);
	}

	/* A symlink ingest did not make (dangling or to another directory) is
	 * refused and left alone; a dangling one to a version name is replaced. */
	snprintf(dir, sizeof(dir), "%s/foreign", tmproot);
	assert_int_equal(symlink("/nonexistent/zzz", dir), 0);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), -1);
	assert_string_equal(err.code, "exists");
	l = readlink(dir, link, sizeof(link) - 1);
	assert_true(l > 0);
	link[l] = '\0';
	assert_string_equal(link, "/nonexistent/zzz");
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(symlink(tmproot, dir), 0);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), -1);
	assert_string_equal(err.code, "exists");
	snprintf(dir, sizeof(dir), "%s/mine", tmproot);
	assert_int_equal(symlink("mine.0123456789abcdef0123456789abcdef", dir), 0);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), 0);
	assert_int_equal(count_versions(tmproot, "mine"), 1);

	/* A real directory at DIR is refused; nothing is created beside it. */
	snprintf(dir, sizeof(dir), "%s/real", tmproot);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), -1);
	assert_string_equal(err.code, "exists");
	assert_int_equal(count_versions(tmproot, "real"), 0);
	/* A parent that does not exist: clear error, nothing left. */
	snprintf(dir, sizeof(dir), "%s/missing/idx", tmproot);
	assert_int_equal(bc_index_publish(dir, items, N, &bp, &r1, &err), -1);
	assert_string_equal(err.code, "io");
	assert_non_null(strstr(err.msg, "missing"));
	free(items);
}

static int cmp_tag(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* bc_index_sort_entries gives qsort's order by tag: uniform tags, a crowded
 * bin (more than 32 entries with the same first bytes: the qsort fallback),
 * equal tags kept in their order in small bins, tiny and empty arrays, and
 * without scratch. */
static void test_sort_entries(void **state)
{
	enum { N = 3001 };
	uint8_t *e = malloc(N * 48), *want = malloc(N * 48), *tmp = malloc(N * 48);
	size_t sizes[] = { 0, 1, 2, 5, 64, 1515, N }, k, i;
	int round;

	(void)state;
	assert_non_null(e);
	assert_non_null(want);
	assert_non_null(tmp);
	for (round = 0; round < 3; round++) {
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			size_t n = sizes[k];

			randombytes_buf(e, N * 48);
			if (round == 1) /* 200 entries in one bin of every split: qsort inside it */
				for (i = 0; i < n && i < 200; i++)
					memset(e + i * 48, 0xa5, 3);
			memcpy(want, e, n * 48);
			qsort(want, n, 48, cmp_tag);
			bc_index_sort_entries(e, n, round == 2 ? NULL : tmp);
			assert_memory_equal(e, want, n * 48);
		}
	}
	/* Equal tags, different ciphertexts: in their first order. */
	randombytes_buf(e, 40 * 48);
	for (i = 0; i < 40; i += 2) {
		memcpy(e + (i + 1) * 48, e + i * 48, 16);
		e[i * 48 + 47] = 1;
		e[(i + 1) * 48 + 47] = 2;
	}
	bc_index_sort_entries(e, 40, tmp);
	for (i = 0; i < 40; i += 2) {
		assert_memory_equal(e + i * 48, e + (i + 1) * 48, 16);
		assert_int_equal(e[i * 48 + 47], 1);
		assert_int_equal(e[(i + 1) * 48 + 47], 2);
		if (i > 0)
			assert_true(memcmp(e + (i - 1) * 48, e + i * 48, 16) < 0);
	}
	free(e);
	free(want);
	free(tmp);
}

/* An expected public entry and its bucket (sorted by the entry's bytes). */
struct placed {
	uint8_t e[48];
	uint32_t bucket;
};

static int cmp_placed(const void *a, const void *b)
{
	return memcmp(a, b, 48);
}

/* Position of the 48-byte entry want in area (n entries), or -1. */
static long find_entry(const uint8_t *area, size_t n, const uint8_t *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(area + i * 48, want, 48))
			return (long)i;
	return -1;
}

/*
 * With a fixed salt, the real entries are fixed: each item's entry (tag,
 * key and seal of DESIGN.md §5, computed here one by one) is in the bucket
 * its bucket32 names at the bucket_bits bc_index_choose_bits gives for the
 * public items, or in verified.bin; each bucket holds exactly its real
 * entries plus padding; bucket_entries and min_real_entries are the largest
 * and smallest loads. Shapes: verified and public, many small buckets
 * (K = 1), only verified entries, fewer public entries than K.
 */
static void test_entries_in_place(void **state)
{
	static const struct { size_t n, nv; unsigned k; int threads; } shapes[] = {
		{ 3000, 100, 64, 2 }, { 5000, 0, 1, 2 }, { 300, 300, 1024, 1 }, { 100, 7, 1000, 3 },
	};
	size_t sh;

	(void)state;
	for (sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++) {
		size_t n = shapes[sh].n, nv = shapes[sh].nv, i, len, vlen, n_pub = n - nv, total = 0;
		struct bc_build_item *items = calloc(n, sizeof(*items));
		uint32_t *b32 = calloc(n, sizeof(*b32)), *load, bits_lo, bits_hi, lo = UINT32_MAX, hi = 0;
		uint8_t salt[32], pk[32] = { 4 }, pkv[32] = { 5 }, *entries = malloc(n * 48);
		struct bc_build_params bp = { salt, shapes[sh].k, pk, pkv, breaches, shapes[sh].threads,
					      NULL, NULL, 0 };
		struct bc_build_result res;
		struct bc_error err = BC_ERROR_INIT;
		struct bc_index *idx = NULL;
		char dir[PATH_MAX];
		unsigned bits;
		uint32_t b;
		const uint8_t *ver;
		struct placed *pub;

		assert_non_null(items);
		assert_non_null(b32);
		assert_non_null(entries);
		randombytes_buf(salt, sizeof(salt));
		make_items(items, n, nv);
		for (i = 0; i < n; i++) {
			uint8_t tag[16], key[32];

			bc_index_tag(items[i].y, salt, items[i].breach_id, tag);
			bc_index_key(items[i].y, salt, items[i].breach_id, key);
			bc_entry_seal(key, items[i].payload, tag, entries + i * 48);
			if (i >= nv)
				b32[i - nv] = bc_index_bucket32(items[i].y, salt);
		}
		assert_int_equal(bc_index_choose_bits(b32, n_pub, shapes[sh].k, &bits, &bits_lo, &bits_hi), 0);
		snprintf(dir, sizeof(dir), "%s/place%zu", tmproot, sh);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(bc_index_write_files(dir, items, n, &bp, &res, &err), 0);
		assert_int_equal(res.bucket_bits, bits);
		assert_int_equal(res.min_real_entries, bits_lo);
		assert_int_equal(res.bucket_entries, bits_hi ? bits_hi : 1);
		assert_int_equal(res.public_entries, n_pub);
		assert_int_equal(res.verified_entries, nv);
		assert_int_equal(bc_index_open(dir, &idx, &err), 0);
		assert_int_equal(bc_index_verify(idx, &err), 0);
		assert_int_equal(bc_index_check_id(idx, &err), 0);
		assert_int_equal(bc_index_n_buckets(idx), 1u << bits);
		load = calloc(bc_index_n_buckets(idx), sizeof(*load));
		assert_non_null(load);
		pub = calloc(n_pub ? n_pub : 1, sizeof(*pub));
		assert_non_null(pub);
		for (i = nv; i < n; i++) {
			const uint8_t *area;

			b = bc_index_bucket_of(b32[i - nv], bits);
			area = bc_index_bucket_ptr(idx, b, &len);
			assert_non_null(area);
			assert_true(find_entry(area, len / 48, entries + i * 48) >= 0);
			load[b]++;
			memcpy(pub[i - nv].e, entries + i * 48, 48);
			pub[i - nv].bucket = b;
		}
		qsort(pub, n_pub, sizeof(*pub), cmp_placed);
		ver = bc_index_verified_ptr(idx, &vlen);
		assert_int_equal(vlen, (nv + 63) / 64 * 64 * 48 + (nv == 0 ? 64 * 48 : 0));
		for (i = 0; i < nv; i++)
			assert_true(find_entry(ver, vlen / 48, entries + i * 48) >= 0);
		for (b = 0; b < bc_index_n_buckets(idx); b++) {
			const uint8_t *area = bc_index_bucket_ptr(idx, b, &len);
			size_t x, real = 0;

			/* every entry of the bucket is one of its real ones, or padding */
			for (x = 0; x < len / 48; x++) {
				const struct placed *f = n_pub ? bsearch(area + x * 48, pub, n_pub, sizeof(*pub),
									  cmp_placed) : NULL;

				if (f != NULL) {
					assert_int_equal(f->bucket, b);
					real++;
				}
			}
			assert_int_equal(real, load[b]);
			lo = load[b] < lo ? load[b] : lo;
			hi = load[b] > hi ? load[b] : hi;
			total += real;
		}
		assert_int_equal(total, n_pub);
		assert_int_equal(lo, res.min_real_entries);
		assert_int_equal(hi ? hi : 1, res.bucket_entries);
		bc_index_free(idx);
		free(pub);
		free(load);
		free(items);
		free(b32);
		free(entries);
	}
}

/* A write that fails (here a file-size limit, as a full disk would) while
 * the buckets are written from the worker threads: "io" naming the file and
 * the cause, nothing published by the caller (bc_index_publish removes the
 * directory). */
static void test_write_fails(void **state)
{
	enum { N = 3000, NV = 100 };
	struct bc_build_item *items = calloc(N, sizeof(*items));
	uint8_t pk[32] = { 2 }, pkv[32] = { 3 };
	struct bc_build_params bp = { NULL, 8, pk, pkv, breaches, 2, NULL, NULL, 0 };
	struct bc_build_result res;
	struct bc_error err = BC_ERROR_INIT;
	struct rlimit old, lim;
	char dir[PATH_MAX];
	void (*prev)(int);

	(void)state;
	assert_non_null(items);
	make_items(items, N, NV);
	snprintf(dir, sizeof(dir), "%s/full", tmproot);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 20000; /* buckets.bin is 3000 x 48 bytes and more */
	prev = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(bc_index_write_files(dir, items, N, &bp, &res, &err), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_string_equal(err.code, "io");
	assert_non_null(strstr(err.msg, "buckets.bin"));
	assert_non_null(strstr(err.msg, "size limit"));
	/* the same items and directory name publish once the limit is gone */
	test_rm_rf(dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bc_index_write_files(dir, items, N, &bp, &res, &err), 0);
	free(items);
}

/*
 * An item whose y is all zeros was never evaluated (an OPRF output is a
 * hash: all zeros does not happen): publishing it would tell its person
 * "not found" and put an entry where anyone can compute the bucket. The
 * build refuses it, public or verified, and writes nothing.
 */
static void test_zero_y_refused(void **state)
{
	enum { N = 200, NV = 20 };
	struct bc_build_item *items = calloc(N, sizeof(*items));
	uint8_t salt[32] = { 1 }, pk[32] = { 2 }, pkv[32] = { 3 };
	struct bc_build_params bp = { salt, 4, pk, pkv, breaches, 2, NULL, NULL, 0 };
	struct bc_build_result res;
	struct bc_error err = BC_ERROR_INIT;
	char dir[PATH_MAX];
	size_t k, which[2] = { N - 3, 7 }; /* a public item, a verified one */

	(void)state;
	assert_non_null(items);
	make_items(items, N, NV);
	assert_int_not_equal(items[which[0]].payload[1], BC_TOKEN_VERIFIED);
	assert_int_equal(items[which[1]].payload[1], BC_TOKEN_VERIFIED);
	for (k = 0; k < 2; k++) {
		uint8_t saved[BC_Y_BYTES];

		memcpy(saved, items[which[k]].y, BC_Y_BYTES);
		memset(items[which[k]].y, 0, BC_Y_BYTES);
		snprintf(dir, sizeof(dir), "%s/zero%zu", tmproot, k);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(bc_index_write_files(dir, items, N, &bp, &res, &err), -1);
		assert_string_equal(err.code, "internal");
		assert_non_null(strstr(err.msg, "never evaluated"));
		assert_int_equal(rmdir(dir), 0); /* nothing written in it */
		memcpy(items[which[k]].y, saved, BC_Y_BYTES);
	}
	snprintf(dir, sizeof(dir), "%s/zero-none", tmproot);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bc_index_write_files(dir, items, N, &bp, &res, &err), 0);
	free(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose_bits),
		cmocka_unit_test(test_index_id),
		cmocka_unit_test_setup_teardown(test_write_read_roundtrip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_publish, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_zero_y_refused, setup_dir, teardown_dir),
		cmocka_unit_test(test_sort_entries),
		cmocka_unit_test_setup_teardown(test_write_fails, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_entries_in_place, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_dir_check_writable, setup_dir, teardown_dir),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
