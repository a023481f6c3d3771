#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oprf/keyfile.h"
#include "util/fs.h"

#define KEY_HEADER "breachcheck-key v1\n"
#define KEY_SEED_TAG "seed "
#define KEY_HEADER_LEN (sizeof(KEY_HEADER) - 1)
#define KEY_SEED_TAG_LEN (sizeof(KEY_SEED_TAG) - 1)
#define KEY_HEX_LEN (2 * OPRF_SEED_BYTES)
#define KEY_FILE_LEN (KEY_HEADER_LEN + KEY_SEED_TAG_LEN + KEY_HEX_LEN + 1)

int bc_key_generate(const char *path, struct bc_error *err)
{
	char *buf = NULL;
	uint8_t *seed = NULL;
	static const char hexdig[] = "0123456789abcdef";
	size_t i, off = 0;
	int fd = -1, created = 0, ret = -1;

	if (!path)
		return bc_error_set(err, bc_err_invalid_argument, "bc_key_generate: no path");
	if (sodium_init() < 0) {
		bc_error_set(err, bc_err_crypto_init, "libsodium could not be initialised");
		goto out;
	}
	seed = sodium_malloc(OPRF_SEED_BYTES);
	buf = sodium_malloc(KEY_FILE_LEN);
	if (!seed || !buf) {
		bc_error_set(err, bc_err_out_of_memory, "cannot allocate secure memory for the key");
		goto out;
	}
	randombytes_buf(seed, OPRF_SEED_BYTES);
	memcpy(buf, KEY_HEADER KEY_SEED_TAG, KEY_HEADER_LEN + KEY_SEED_TAG_LEN);
	off = KEY_HEADER_LEN + KEY_SEED_TAG_LEN;
	for (i = 0; i < OPRF_SEED_BYTES; i++) {
		buf[off++] = hexdig[seed[i] >> 4];
		buf[off++] = hexdig[seed[i] & 15];
	}
	buf[off++] = '\n';

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			bc_error_set(err, bc_err_exists,
				     "key file %s already exists: refusing to overwrite it", path);
		else
			bc_error_set(err, bc_err_io, "cannot create key file %s: %s", path,
				     strerror(errno));
		goto out;
	}
	created = 1;
	if (fchmod(fd, 0600) != 0 || bc_write_all(fd, buf, off) != 0 || fsync(fd) != 0) {
		bc_error_set(err, bc_err_io, "cannot write key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		bc_error_set(err, bc_err_io, "cannot write key file %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	(void)bc_fsync_parent(path);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && created)
		unlink(path);
	sodium_free(seed);
	sodium_free(buf);
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads at most cap bytes; *len gets the count (cap means "too long"). */
static int read_upto(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

/*
 * "key file X is <what> by others: chmod 600 X"; a path too long for two
 * copies in the message goes to err->file instead, so that the command is
 * never cut ("X: key file is <what> by others: chmod 600 it").
 */
static void permission_error(struct bc_error *err, const char *path, const char *what)
{
	static const char fixed[] = "key file  is writable or executable by others: chmod 600 ";

	if (!err)
		return;
	if (2 * strlen(path) + sizeof(fixed) <= sizeof(err->msg)) {
		bc_error_set(err, bc_err_key_permissions, "key file %s is %s by others: chmod 600 %s",
			     path, what, path);
		return;
	}
	err->file = path;
	bc_error_set(err, bc_err_key_permissions, "key file is %s by others: chmod 600 it", what);
}

int bc_key_load(const char *path, struct bc_key **out, struct bc_error *err)
{
	struct bc_key *key = NULL;
	char *buf = NULL;
	struct stat sb;
	size_t len = 0, i;
	int fd = -1, ret = -1;

	if (!out || !path)
		return bc_error_set(err, bc_err_invalid_argument, "bc_key_load: no path or output");
	*out = NULL;
	if (sodium_init() < 0) {
		bc_error_set(err, bc_err_crypto_init, "libsodium could not be initialised");
		goto out;
	}
	/* O_NONBLOCK: a FIFO must be refused below, not block here for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		bc_error_set(err, bc_err_io, "cannot open key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		bc_error_set(err, bc_err_io, "cannot stat key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		bc_error_set(err, bc_err_invalid_key, "key file %s is not a regular file", path);
		goto out;
	}
	if (sb.st_mode & (S_IRGRP | S_IROTH)) {
		permission_error(err, path, "readable");
		goto out;
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH | S_IXGRP | S_IXOTH)) {
		permission_error(err, path, "writable or executable");
		goto out;
	}
	buf = sodium_malloc(KEY_FILE_LEN + 1);
	key = sodium_malloc(sizeof(*key));
	if (!buf || !key) {
		bc_error_set(err, bc_err_out_of_memory, "cannot allocate secure memory for the key");
		goto out;
	}
	if (read_upto(fd, buf, KEY_FILE_LEN + 1, &len) != 0) {
		bc_error_set(err, bc_err_io, "cannot read key file %s: %s", path, strerror(errno));
		goto out;
	}
	/* parse errors below carry the file and line, not the path in the text */
	if (err)
		err->file = path;
	if (len < KEY_HEADER_LEN || memcmp(buf, KEY_HEADER, KEY_HEADER_LEN) != 0) {
		if (err)
			err->line = 1;
		bc_error_set(err, bc_err_invalid_key,
			     "not a breachcheck key file (expected first line \"breachcheck-key v1\")");
		goto out;
	}
	if (err)
		err->line = 2;
	if (len != KEY_FILE_LEN ||
	    memcmp(buf + KEY_HEADER_LEN, KEY_SEED_TAG, KEY_SEED_TAG_LEN) != 0 ||
	    buf[KEY_FILE_LEN - 1] != '\n') {
		bc_error_set(err, bc_err_invalid_key,
			     "malformed key file: expected \"seed \" followed by 64 lowercase hex digits and a newline, and nothing else");
		goto out;
	}
	for (i = 0; i < OPRF_SEED_BYTES; i++) {
		const char *h = buf + KEY_HEADER_LEN + KEY_SEED_TAG_LEN + 2 * i;
		int hi = hexval(h[0]), lo = hexval(h[1]);

		if (hi < 0 || lo < 0) {
			if (err)
				err->column = KEY_SEED_TAG_LEN + 2 * i + (hi < 0 ? 1 : 2);
			bc_error_set(err, bc_err_invalid_key,
				     "malformed key file: the seed must be 64 lowercase hex digits");
			goto out;
		}
		key->seed[i] = (uint8_t)(hi << 4 | lo);
	}
	if (err)
		err->line = 0;
	if (oprf_derive_keypair(OPRF_MODE_VOPRF, key->seed,
				(const uint8_t *)BC_KEY_INFO_STANDARD,
				strlen(BC_KEY_INFO_STANDARD), key->sk_s, key->pk_s) != 0 ||
	    oprf_derive_keypair(OPRF_MODE_POPRF, key->seed,
				(const uint8_t *)BC_KEY_INFO_VERIFIED,
				strlen(BC_KEY_INFO_VERIFIED), key->sk_v, key->pk_v) != 0) {
		bc_error_set(err, bc_err_invalid_key, "cannot derive the key pairs from this key file");
		goto out;
	}
	if (sodium_mprotect_readonly(key) != 0) {
		bc_error_set(err, bc_err_io, "cannot make the key memory read-only");
		goto out;
	}
	if (err) {
		err->file = NULL;
		err->line = 0;
		err->column = 0;
	}
	*out = key;
	key = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	sodium_free(buf);
	sodium_free(key);
	return ret;
}

void bc_key_free(struct bc_key *key)
{
	/* sodium_free wipes the region, read-only or not */
	sodium_free(key);
}
