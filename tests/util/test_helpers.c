/*
 * util/: files (atomic replace, writes at offsets, removing matching entries), UTF-8 (RFC 3629
 * §3 and §4 examples of ill-formed sequences), base64url (RFC 4648 §10
 * vectors, re-spelled in the URL alphabet), parallel_for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/base64url.h"
#include "util/fs.h"
#include "util/parallel.h"
#include "util/table.h"
#include "util/utf8.h"
#include "testlib.h"

static int starts_with_x(const char *name, void *arg)
{
	(void)arg;
	return name[0] == 'x';
}

/* The first size bytes of the file at p into buf (bc_test_read_file); their count. */
static size_t read_into(const char *p, char *buf, size_t size)
{
	size_t n = 0;
	char *all = bc_test_read_file(p, &n);

	assert_non_null(all);
	n = n < size ? n : size;
	memcpy(buf, all, n);
	free(all);
	return n;
}

static int is_temporary(const char *name, void *arg)
{
	(void)arg;
	return strstr(name, ".tmp-") != NULL;
}

static void test_fs(void **state)
{
	char *dir = bc_test_tmpdir("util"), p[256], buf[16];
	struct bc_error err = BC_ERROR_INIT;
	size_t n;

	(void)state;
	assert_non_null(dir);
	snprintf(p, sizeof(p), "%s/a", dir);
	assert_int_equal(bc_write_file_atomic(p, "one", 3, 0600, &err), 0);
	assert_int_equal(bc_write_file_atomic(p, "second", 6, 0600, &err), 0);
	n = read_into(p, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "second", 6);
	/* in parts: two writes then commit replace the file; an abort leaves
	 * it as it was and no temporary behind */
	{
		struct bc_atomic_file af;

		assert_int_equal(bc_atomic_file_open(&af, p, 0600, &err), 0);
		assert_int_equal(bc_atomic_file_write(&af, "thi", 3, &err), 0);
		assert_int_equal(bc_atomic_file_write(&af, "rd", 2, &err), 0);
		assert_int_equal(bc_atomic_file_commit(&af, &err), 0);
		assert_int_equal(bc_atomic_file_open(&af, p, 0600, &err), 0);
		assert_int_equal(bc_atomic_file_write(&af, "lost", 4, &err), 0);
		bc_atomic_file_abort(&af);
		bc_atomic_file_abort(&af); /* twice is harmless */
		n = read_into(p, buf, sizeof(buf));
		assert_int_equal(n, 5);
		assert_memory_equal(buf, "third", 5);
		assert_int_equal(bc_remove_matching(dir, is_temporary, NULL), 0);
	}
	/* pwrite at offsets, the end first (a hole filled after), then the
	 * write-back hint: "abcdef"; a negative offset is refused */
	{
		int fd;

		snprintf(p, sizeof(p), "%s/pw", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(bc_pwrite_all(fd, "def", 3, 3), 0);
		assert_int_equal(bc_pwrite_all(fd, "abc", 3, 0), 0);
		bc_start_writeback(fd, 0, 6);
		assert_int_equal(bc_pwrite_all(fd, "x", 1, -1), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(close(fd), 0);
		n = read_into(p, buf, sizeof(buf));
		assert_int_equal(n, 6);
		assert_memory_equal(buf, "abcdef", 6);
		assert_int_equal(unlink(p), 0);
	}
	/* a directory in the way: io error, nothing left behind */
	snprintf(p, sizeof(p), "%s/xd", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(bc_write_file_atomic(p, "z", 1, 0600, &err), -1);
	assert_string_equal(err.code, "io");
	snprintf(p, sizeof(p), "%s/xd/f", dir);
	assert_int_equal(bc_write_file_atomic(p, "z", 1, 0600, &err), 0);
	snprintf(p, sizeof(p), "%s/x1", dir);
	assert_int_equal(bc_write_file_atomic(p, "z", 1, 0600, &err), 0);
	/* x1 (file) and xd (directory with a file) match; a stays */
	assert_int_equal(bc_remove_matching(dir, starts_with_x, NULL), 2);
	snprintf(p, sizeof(p), "%s/a", dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/xd", dir);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(bc_remove_tree(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(bc_remove_tree(dir), 0);
	assert_int_equal(bc_remove_matching(dir, starts_with_x, NULL), 0);
	free(dir);
	bc_dir_of("a/b/c", p, sizeof(p));
	assert_string_equal(p, "a/b");
	bc_dir_of("c", p, sizeof(p));
	assert_string_equal(p, ".");
	bc_dir_of("/c", p, sizeof(p));
	assert_string_equal(p, "/");
}

static void test_utf8(void **state)
{
	unsigned char out[4];
	char clean[16];
	int32_t cp;

	(void)state;
	assert_int_equal(bc_utf8_encode(0x41, out), 1);
	assert_int_equal(bc_utf8_encode(0xE9, out), 2);
	assert_memory_equal(out, "\xC3\xA9", 2);
	assert_int_equal(bc_utf8_encode(0x20AC, out), 3);
	assert_memory_equal(out, "\xE2\x82\xAC", 3);
	assert_int_equal(bc_utf8_encode(0x1F600, out), 4);
	assert_memory_equal(out, "\xF0\x9F\x98\x80", 4);
	assert_int_equal(bc_utf8_decode(out, 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(bc_utf8_decode(out, 3, &cp), 0);            /* truncated */
	assert_int_equal(bc_utf8_seq((const unsigned char *)"\xC0\x80", 2), 0);     /* overlong */
	assert_int_equal(bc_utf8_seq((const unsigned char *)"\xE0\x9F\xBF", 3), 0); /* overlong */
	assert_int_equal(bc_utf8_seq((const unsigned char *)"\xED\xA0\x80", 3), 0); /* surrogate */
	assert_int_equal(bc_utf8_seq((const unsigned char *)"\xF4\x90\x80\x80", 4), 0); /* > 10FFFF */
	assert_int_equal(bc_utf8_seq((const unsigned char *)"\xF4\x8F\xBF\xBF", 4), 4);
	assert_true(bc_utf8_valid((const unsigned char *)"plain ASCII text, long", 22));
	assert_true(bc_utf8_valid((const unsigned char *)"Dupont \xC3\xA9pouse Martin", 22));
	assert_false(bc_utf8_valid((const unsigned char *)"Dupont \xE9pouse Martin ", 22));
	assert_true(bc_utf8_valid((const unsigned char *)"", 0));
	bc_utf8_sanitize(clean, sizeof(clean), "a\xE9" "b\xC3\xA9");
	assert_string_equal(clean, "a?b\xC3\xA9");
	bc_utf8_sanitize(clean, 5, "abc\xC3\xA9");  /* é does not fit: left out */
	assert_string_equal(clean, "abc");
}

static void test_base64url(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {   /* RFC 4648 §10, without padding */
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t bin[8] = { 0xfb, 0xff, 0xfe }, back[8];
	char enc[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		bc_b64url_encode((const uint8_t *)v[i].in, strlen(v[i].in), enc);
		assert_string_equal(enc, v[i].out);
		assert_int_equal(bc_b64url_len(strlen(v[i].in)), strlen(v[i].out));
		assert_int_equal(bc_b64url_decode(enc, strlen(enc), back, sizeof(back)),
				 (int)strlen(v[i].in));
		assert_memory_equal(back, v[i].in, strlen(v[i].in));
	}
	bc_b64url_encode(bin, 3, enc);
	assert_string_equal(enc, "-__-");        /* the URL alphabet */
	assert_int_equal(bc_b64url_decode("Zh", 2, back, sizeof(back)), -1);  /* trailing bits */
	assert_int_equal(bc_b64url_decode("Zm9v+A", 6, back, sizeof(back)), -1);
	assert_int_equal(bc_b64url_decode("Z", 1, back, sizeof(back)), -1);
	assert_int_equal(bc_b64url_decode("Zm9vYmFy", 8, back, 5), -1);
}

static void add_range(void *arg, size_t begin, size_t end)
{
	unsigned char *seen = arg;
	size_t i;

	for (i = begin; i < end; i++)
		seen[i]++;
}

/* bc_realloc_wiped: contents kept up to old_bytes, from a NULL start. */
static void test_realloc_wiped(void **state)
{
	uint32_t *a, *b;
	size_t i;

	(void)state;
	a = bc_realloc_wiped(NULL, 0, 4 * sizeof(*a));
	assert_non_null(a);
	for (i = 0; i < 4; i++)
		a[i] = 19700101u + (uint32_t)i;
	b = bc_realloc_wiped(a, 4 * sizeof(*a), 1000 * sizeof(*b));
	assert_non_null(b);
	for (i = 0; i < 4; i++)
		assert_int_equal(b[i], 19700101u + (uint32_t)i);
	free(b);
}

static void test_parallel_for(void **state)
{
	unsigned char seen[10007];
	size_t i;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(bc_parallel_for(sizeof(seen), 64, 4, add_range, seen), 0);
	for (i = 0; i < sizeof(seen); i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(bc_parallel_for(0, 0, 0, add_range, seen), 0);
	assert_true(bc_ncpu() >= 1 && bc_ncpu() <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_base64url),
		cmocka_unit_test(test_parallel_for),
		cmocka_unit_test(test_realloc_wiped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
