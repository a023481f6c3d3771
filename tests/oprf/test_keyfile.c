/* Key file: generate, load, permissions, strict parsing, derived keys. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "oprf/keyfile.h"
#include "vectors.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/bc-keyfile-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void rm_in_dir(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static int teardown(void **state)
{
	static const char *names[] = { "k1", "k2", "k3", "bad", "seeded", "fifo", "link644", "k644" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		rm_in_dir(names[i]);
	rmdir(dir);
	return 0;
}

static const char *path_of(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void write_file(const char *path, const char *content, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_generate_and_load(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL, *again = NULL;
	char buf[256];
	struct stat sb;
	uint8_t sk[32], pk[32];
	size_t n, i;

	(void)state;
	assert_int_equal(bc_key_generate(path_of("k1"), &err), 0);
	assert_int_equal(stat(path_of("k1"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	n = slurp(path_of("k1"), buf, sizeof(buf));
	assert_int_equal(n, 89);
	assert_memory_equal(buf, "breachcheck-key v1\nseed ", 24);
	for (i = 24; i < 88; i++)
		assert_true((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f'));
	assert_int_equal(buf[88], '\n');

	assert_int_equal(bc_key_load(path_of("k1"), &key, &err), 0);
	assert_non_null(key);
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_VOPRF, key->seed,
					     (const uint8_t *)"breachcheck v1", 14, sk, pk), 0);
	assert_memory_equal(sk, key->sk_s, 32);
	assert_memory_equal(pk, key->pk_s, 32);
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_POPRF, key->seed,
					     (const uint8_t *)"breachcheck v1 verified", 23, sk, pk), 0);
	assert_memory_equal(sk, key->sk_v, 32);
	assert_memory_equal(pk, key->pk_v, 32);
	assert_memory_not_equal(key->pk_s, key->pk_v, 32);

	assert_int_equal(bc_key_load(path_of("k1"), &again, &err), 0);
	assert_memory_equal(again->seed, key->seed, 32);
	bc_key_free(again);

	/* a second key is different */
	assert_int_equal(bc_key_generate(path_of("k2"), &err), 0);
	assert_int_equal(bc_key_load(path_of("k2"), &again, &err), 0);
	assert_memory_not_equal(again->seed, key->seed, 32);
	bc_key_free(again);
	bc_key_free(key);
	bc_key_free(NULL);
}

static void test_refuse_overwrite(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	char before[256], after[256];
	size_t n1, n2;

	(void)state;
	assert_int_equal(bc_key_generate(path_of("k3"), &err), 0);
	n1 = slurp(path_of("k3"), before, sizeof(before));
	assert_int_equal(bc_key_generate(path_of("k3"), &err), -1);
	assert_string_equal(err.code, "exists");
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	n2 = slurp(path_of("k3"), after, sizeof(after));
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	/* a missing directory is an error, not a crash */
	assert_int_equal(bc_key_generate("/nonexistent-dir-bc/key", &err), -1);
	assert_string_equal(err.code, "io");
}

static void test_refuse_permissions(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610 };
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;
	char msg[1200];
	size_t i;

	(void)state;
	assert_int_equal(bc_key_generate(path_of("k1") , &err) == 0 ||
			 strcmp(err.code, "exists") == 0, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_error_clear(&err);
		assert_int_equal(chmod(path_of("k1"), bad[i]), 0);
		assert_int_equal(bc_key_load(path_of("k1"), &key, &err), -1);
		assert_null(key);
		assert_string_equal(err.code, "key_permissions");
		assert_non_null(strstr(err.msg, "chmod 600"));
		assert_non_null(strstr(err.msg, path_of("k1")));
	}
	assert_int_equal(chmod(path_of("k1"), 0644), 0);
	assert_int_equal(bc_key_load(path_of("k1"), &key, &err), -1);
	snprintf(msg, sizeof(msg), "key file %s is readable by others: chmod 600 %s",
		 path_of("k1"), path_of("k1"));
	assert_string_equal(err.msg, msg);
	/* 0400 is fine */
	assert_int_equal(chmod(path_of("k1"), 0400), 0);
	assert_int_equal(bc_key_load(path_of("k1"), &key, &err), 0);
	bc_key_free(key);
	assert_int_equal(chmod(path_of("k1"), 0600), 0);
	/* a directory is not a key file; a missing file is an io error */
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(bc_key_load(dir, &key, &err), -1);
	assert_int_equal(bc_key_load(path_of("missing"), &key, &err), -1);
	assert_string_equal(err.code, "io");
}

static void test_refuse_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"breachcheck-key v1\n",
		"breachcheck-key v2\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"breachcheck-key v1\nseed 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
		"breachcheck-key v1\r\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\r\n",
		"breachcheck-key v1\nseed  00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"breachcheck-key v1\nSEED 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f10111213141516171819za1b1c1d1e1f\n",
		" breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\nextra\n",
	};
	static const char good[] =
		"breachcheck-key v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_error_clear(&err);
		write_file(path_of("bad"), bad[i], strlen(bad[i]), 0600);
		assert_int_equal(bc_key_load(path_of("bad"), &key, &err), -1);
		assert_null(key);
		assert_string_equal(err.code, "invalid_key");
		/* the error never echoes seed material */
		assert_null(strstr(err.msg, "0102030405"));
	}
	write_file(path_of("bad"), good, strlen(good), 0600);
	assert_int_equal(bc_key_load(path_of("bad"), &key, &err), 0);
	for (i = 0; i < 32; i++)
		assert_int_equal(key->seed[i], i);
	bc_key_free(key);
}

/*
 * Not a regular file: a FIFO must be refused at once, not block the server
 * at start-up waiting for a writer (found by the breaker: open(O_RDONLY) on
 * a FIFO blocks); a character device too. A symlink is followed, and the
 * target's permissions are what count.
 */
static void test_refuse_special(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;
	char target[512];

	(void)state;
	rm_in_dir("fifo");
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	alarm(10); /* a blocking open fails the test instead of hanging it */
	assert_int_equal(bc_key_load(path_of("fifo"), &key, &err), -1);
	alarm(0);
	assert_null(key);
	assert_string_equal(err.code, "invalid_key");
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(bc_key_load("/dev/null", &key, &err), -1);
	assert_string_equal(err.code, "invalid_key");

	snprintf(target, sizeof(target), "%s", path_of("k644"));
	unlink(target);
	assert_int_equal(bc_key_generate(target, &err), 0);
	assert_int_equal(chmod(target, 0644), 0);
	rm_in_dir("link644");
	assert_int_equal(symlink(target, path_of("link644")), 0);
	bc_error_clear(&err);
	assert_int_equal(bc_key_load(path_of("link644"), &key, &err), -1);
	assert_string_equal(err.code, "key_permissions");
	assert_int_equal(chmod(target, 0600), 0);
	assert_int_equal(bc_key_load(path_of("link644"), &key, &err), 0);
	bc_key_free(key);
}

/*
 * A long path: the permission error must still end with a whole chmod
 * command (found by the breaker: a 150-byte path was cut in the middle of
 * the second copy, the message buffer being 256 bytes).
 */
static void test_long_path_message(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;
	char sub[512], kp[600], fmt[1024];
	const char *cmd;
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(sub, sizeof(sub), "%s/", dir);
	for (i = 0; i < 150; i++)
		sub[n++] = 'd';
	sub[n] = '\0';
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(kp, sizeof(kp), "%s/key", sub);
	assert_int_equal(bc_key_generate(kp, &err), 0);
	assert_int_equal(chmod(kp, 0640), 0);
	assert_int_equal(bc_key_load(kp, &key, &err), -1);
	assert_string_equal(err.code, "key_permissions");
	bc_error_format(&err, fmt, sizeof(fmt));
	assert_non_null(strstr(fmt, kp));
	cmd = strstr(fmt, "chmod 600 ");
	assert_non_null(cmd);
	cmd += 10;
	assert_true(strcmp(cmd, kp) == 0 || strcmp(cmd, "it") == 0);
	bc_error_clear(&err);
	assert_int_equal(chmod(kp, 0602), 0);
	assert_int_equal(bc_key_load(kp, &key, &err), -1);
	bc_error_format(&err, fmt, sizeof(fmt));
	assert_non_null(strstr(fmt, kp));
	cmd = strstr(fmt, "chmod 600 ");
	assert_non_null(cmd);
	cmd += 10;
	assert_true(strcmp(cmd, kp) == 0 || strcmp(cmd, "it") == 0);
	unlink(kp);
	rmdir(sub);
}

/* A key file holding index-v1.txt's Seed yields its skS, pkS, skV, pkV. */
static void test_index_v1_seed(void **state)
{
	FILE *f = fopen(vec_path("index-v1.txt"), "r");
	char line[512], content[128];
	uint8_t want[4][32];
	int got = 0;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *key = NULL;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && got != 0x1f) {
		static const char *names[] = { "skS = ", "pkS = ", "skV = ", "pkV = " };
		size_t i;

		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "Seed = ", 7) == 0 && !(got & 0x10)) {
			assert_int_equal(strlen(line + 7), 64);
			snprintf(content, sizeof(content), "breachcheck-key v1\nseed %s\n", line + 7);
			got |= 0x10;
		}
		for (i = 0; i < 4; i++)
			if (strncmp(line, names[i], 6) == 0 && !(got & (1 << i))) {
				assert_int_equal(sodium_hex2bin(want[i], 32, line + 6, strlen(line + 6),
								NULL, NULL, NULL), 0);
				got |= 1 << i;
			}
	}
	fclose(f);
	assert_int_equal(got, 0x1f);
	write_file(path_of("seeded"), content, strlen(content), 0600);
	assert_int_equal(bc_key_load(path_of("seeded"), &key, &err), 0);
	assert_memory_equal(key->sk_s, want[0], 32);
	assert_memory_equal(key->pk_s, want[1], 32);
	assert_memory_equal(key->sk_v, want[2], 32);
	assert_memory_equal(key->pk_v, want[3], 32);
	bc_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_and_load),
		cmocka_unit_test(test_refuse_overwrite),
		cmocka_unit_test(test_refuse_permissions),
		cmocka_unit_test(test_refuse_malformed),
		cmocka_unit_test(test_refuse_special),
		cmocka_unit_test(test_long_path_message),
		cmocka_unit_test(test_index_v1_seed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
