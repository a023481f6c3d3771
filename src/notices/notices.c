#include "notices/notices.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util/fs.h"

#define MAGIC "BCNOTES1"
#define MAGIC_LEN 8
#define LINE_MAX_BYTES (1u << 20)
#define KEY_HEADER "breachcheck-notices-key v1\nkey "
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

struct bc_notices_writer {
	crypto_secretstream_xchacha20poly1305_state st;
	char dir[PATH_MAX], tmp[PATH_MAX + 64], path[PATH_MAX + 32];
	FILE *f;
	char *pending;       /* the last line, held back to be tagged FINAL */
	size_t pending_len;
	int committed;
};

struct bc_notices_reader {
	crypto_secretstream_xchacha20poly1305_state st;
	FILE *f;
	int done;
	char path[PATH_MAX + 32];  /* for errors: where the damage is */
	unsigned long nrec;        /* records read, the current one included */
	long long off;             /* byte offset of the next record */
};

static int path_in(char *out, size_t size, const char *dir, const char *name)
{
	int r = snprintf(out, size, "%s/%s", dir, name);

	return r < 0 || (size_t)r >= size ? -1 : 0;
}

int bc_notices_dir_check(const char *dir, int create, struct bc_error *err)
{
	struct stat st;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return bc_error_set(err, bc_err_notices_dir, "cannot create the notices directory %s: %s", dir,
				    strerror(errno));
	if (lstat(dir, &st) != 0)
		return bc_error_set(err, bc_err_notices_dir, "cannot use the notices directory %s: %s", dir,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, bc_err_notices_dir, "%s is not a directory", dir);
	if (st.st_uid != geteuid())
		return bc_error_set(err, bc_err_notices_dir, "notices directory %s belongs to another user", dir);
	if (st.st_mode & 077)
		return bc_error_set(err, bc_err_notices_dir, "notices directory %s is accessible by others; it holds "
				    "names and addresses: chmod 700 %s", dir, dir);
	return 0;
}

int bc_notices_destroyed(const char *dir)
{
	char p[PATH_MAX + 32];

	return path_in(p, sizeof(p), dir, "DESTROYED") == 0 && access(p, F_OK) == 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int bc_notices_key_load(const char *dir, int create, uint8_t key[BC_NOTICES_KEY_BYTES], struct bc_error *err)
{
	char p[PATH_MAX + 32], text[128], hex[2 * BC_NOTICES_KEY_BYTES + 1];
	struct stat st;
	size_t n, klen;
	int fd, ret = -1;

	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	if (path_in(p, sizeof(p), dir, "notices.key") != 0)
		return bc_error_set(err, bc_err_notices_key, "notices directory path too long");
	if (bc_notices_destroyed(dir))
		return bc_error_set(err, bc_err_destroyed, "the notices of %s were destroyed (notify --destroy): "
				    "their key is gone", dir);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		randombytes_buf(key, BC_NOTICES_KEY_BYTES);
		sodium_bin2hex(hex, sizeof(hex), key, BC_NOTICES_KEY_BYTES);
		n = (size_t)snprintf(text, sizeof(text), KEY_HEADER "%s\n", hex);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write_all(fd, text, n) != 0 || fsync(fd) != 0) {
			bc_error_set(err, bc_err_notices_key, "cannot write %s: %s", p, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(p);
			}
			goto out;
		}
		close(fd);
		(void)bc_fsync_dir(dir);
		ret = 0;
		goto out;
	}
	if (fd < 0) {
		bc_error_set(err, bc_err_notices_key, "cannot open %s: %s", p, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		bc_error_set(err, bc_err_notices_key, "%s must be a regular file only its owner reads: chmod 600 %s", p, p);
		goto out;
	}
	n = (size_t)read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n > sizeof(text) - 1)
		n = 0;
	text[n] = '\0';
	if (strncmp(text, KEY_HEADER, strlen(KEY_HEADER)) != 0 ||
	    sodium_hex2bin(key, BC_NOTICES_KEY_BYTES, text + strlen(KEY_HEADER), 2 * BC_NOTICES_KEY_BYTES, NULL,
			   &klen, NULL) != 0 ||
	    klen != BC_NOTICES_KEY_BYTES) {
		bc_error_set(err, bc_err_notices_key, "%s is not a notices key (breachcheck-notices-key v1)", p);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(text, sizeof(text));
	sodium_memzero(hex, sizeof(hex));
	return ret;
}

int bc_notices_writer_open(struct bc_notices_writer **out, const char *dir,
			   const uint8_t key[BC_NOTICES_KEY_BYTES], struct bc_error *err)
{
	struct bc_notices_writer *w;
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	int fd;

	*out = NULL;
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	w = sodium_malloc(sizeof(*w));
	if (!w)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	snprintf(w->path, sizeof(w->path), "%s/notices.jsonl", dir);
	snprintf(w->tmp, sizeof(w->tmp), "%s/notices.jsonl.tmp-%ld", dir, (long)getpid());
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(w->f = fdopen(fd, "wb"))) {
		if (fd >= 0)
			close(fd);
		bc_error_set(err, bc_err_io, "cannot create %s: %s", w->tmp, strerror(errno));
		sodium_free(w);
		return -1;
	}
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, header, key);
	if (fwrite(MAGIC, 1, MAGIC_LEN, w->f) != MAGIC_LEN || fwrite(header, 1, sizeof(header), w->f) != sizeof(header)) {
		bc_notices_writer_free(w);
		return bc_error_set(err, bc_err_io, "cannot write the notices file");
	}
	*out = w;
	return 0;
}

static int push(struct bc_notices_writer *w, const char *m, size_t n, unsigned char tag)
{
	unsigned char *c = malloc(n + ABYTES);
	unsigned long long clen;
	uint32_t len;
	unsigned char lb[4];
	int r;

	if (!c)
		return -1;
	crypto_secretstream_xchacha20poly1305_push(&w->st, c, &clen, (const unsigned char *)m, n, NULL, 0, tag);
	len = (uint32_t)clen;
	lb[0] = (unsigned char)len;
	lb[1] = (unsigned char)(len >> 8);
	lb[2] = (unsigned char)(len >> 16);
	lb[3] = (unsigned char)(len >> 24);
	r = fwrite(lb, 1, 4, w->f) == 4 && fwrite(c, 1, clen, w->f) == clen ? 0 : -1;
	free(c);
	return r;
}

int bc_notices_writer_add(struct bc_notices_writer *w, const json_t *line, struct bc_error *err)
{
	char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n;

	if (!s)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	n = strlen(s);
	if (n > LINE_MAX_BYTES) {
		sodium_memzero(s, n);
		free(s);
		return bc_error_set(err, bc_err_io, "a notice line is longer than 1 MiB");
	}
	if (w->pending) {
		int r = push(w, w->pending, w->pending_len, 0);

		sodium_memzero(w->pending, w->pending_len);
		free(w->pending);
		w->pending = NULL;
		if (r != 0) {
			sodium_memzero(s, n);
			free(s);
			return bc_error_set(err, bc_err_io, "cannot write the notices file");
		}
	}
	w->pending = s;
	w->pending_len = n;
	return 0;
}

int bc_notices_writer_commit(struct bc_notices_writer *w, struct bc_error *err)
{
	int r;

	r = push(w, w->pending ? w->pending : "", w->pending ? w->pending_len : 0,
		 crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	if (w->pending) {
		sodium_memzero(w->pending, w->pending_len);
		free(w->pending);
		w->pending = NULL;
	}
	if (r != 0 || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		return bc_error_set(err, bc_err_io, "cannot write the notices file: %s", strerror(errno));
	r = fclose(w->f);
	w->f = NULL;
	if (r != 0 || rename(w->tmp, w->path) != 0)
		return bc_error_set(err, bc_err_io, "cannot replace %s: %s", w->path, strerror(errno));
	(void)bc_fsync_dir(w->dir);
	w->committed = 1;
	return 0;
}

void bc_notices_writer_free(struct bc_notices_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	if (!w->committed)
		unlink(w->tmp);
	if (w->pending) {
		sodium_memzero(w->pending, w->pending_len);
		free(w->pending);
	}
	sodium_free(w);
}

int bc_notices_reader_open(struct bc_notices_reader **out, const char *dir, struct bc_error *err)
{
	struct bc_notices_reader *r;
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES], magic[MAGIC_LEN];
	uint8_t *key;
	char p[PATH_MAX + 32];
	int ret = -1;

	*out = NULL;
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	if (path_in(p, sizeof(p), dir, "notices.jsonl") != 0)
		return bc_error_set(err, bc_err_io, "notices directory path too long");
	if (bc_notices_dir_check(dir, 0, err) != 0)
		return -1;
	if (access(p, F_OK) != 0 && errno == ENOENT)
		return 1;
	key = sodium_malloc(BC_NOTICES_KEY_BYTES);
	r = sodium_malloc(sizeof(*r));
	if (!key || !r) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	memset(r, 0, sizeof(*r));
	if (bc_notices_key_load(dir, 0, key, err) != 0)
		goto out;
	r->f = fopen(p, "rb");
	if (!r->f) {
		if (errno == ENOENT) {
			ret = 1;
			goto out;
		}
		bc_error_set(err, bc_err_io, "cannot open %s: %s", p, strerror(errno));
		goto out;
	}
	if (fread(magic, 1, MAGIC_LEN, r->f) != MAGIC_LEN || memcmp(magic, MAGIC, MAGIC_LEN) != 0 ||
	    fread(header, 1, sizeof(header), r->f) != sizeof(header) ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&r->st, header, key) != 0) {
		bc_error_set(err, bc_err_corrupt, "%s is not a notices file", p);
		goto out;
	}
	snprintf(r->path, sizeof(r->path), "%s", p);
	r->off = MAGIC_LEN + (long long)sizeof(header);
	*out = r;
	r = NULL;
	ret = 0;
out:
	if (key)
		sodium_free(key);
	bc_notices_reader_free(r);
	return ret;
}

int bc_notices_reader_next(struct bc_notices_reader *r, json_t **line, struct bc_error *err)
{
	unsigned char lb[4], tag, *c = NULL, *m = NULL;
	unsigned long long mlen;
	uint32_t len;
	json_error_t jerr;
	int ret = -1;

	*line = NULL;
	while (!r->done) {
		long long at = r->off;

		r->nrec++;
		if (fread(lb, 1, 4, r->f) != 4)
			return bc_error_set(err, bc_err_truncated, "%s ends before its last record (record %lu, "
					    "byte %lld): the file was cut short", r->path, r->nrec, at);
		len = (uint32_t)lb[0] | (uint32_t)lb[1] << 8 | (uint32_t)lb[2] << 16 | (uint32_t)lb[3] << 24;
		if (len < ABYTES || len > LINE_MAX_BYTES + ABYTES)
			return bc_error_set(err, bc_err_corrupt, "%s is damaged: record %lu (byte %lld) has an "
					    "impossible length", r->path, r->nrec, at);
		c = malloc(len);
		m = malloc(len);
		if (!c || !m) {
			bc_error_set(err, bc_err_out_of_memory, "out of memory");
			goto out;
		}
		if (fread(c, 1, len, r->f) != len) {
			bc_error_set(err, bc_err_truncated, "%s ends inside record %lu (byte %lld): the file was "
				     "cut short", r->path, r->nrec, at);
			goto out;
		}
		r->off += 4 + (long long)len;
		if (crypto_secretstream_xchacha20poly1305_pull(&r->st, m, &mlen, &tag, c, len, NULL, 0) != 0) {
			bc_error_set(err, bc_err_corrupt, "%s is damaged or not of this key: record %lu (byte %lld) "
				     "does not decrypt", r->path, r->nrec, at);
			goto out;
		}
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			long long extra = 0;

			/* the writer renames a whole stream into place: nothing follows
			 * the final record (a second stream after it would be people
			 * silently left out) */
			while (fgetc(r->f) != EOF)
				extra++;
			if (extra) {
				bc_error_set(err, bc_err_corrupt, "%s is damaged: %lld bytes follow its last "
					     "record (from byte %lld)", r->path, extra, r->off);
				sodium_memzero(m, (size_t)mlen);
				goto out;
			}
			r->done = 1;
		}
		if (mlen == 0) {
			free(c);
			free(m);
			c = m = NULL;
			continue;
		}
		*line = json_loadb((const char *)m, (size_t)mlen, 0, &jerr);
		sodium_memzero(m, (size_t)mlen);
		if (!*line || !json_is_object(*line)) {
			json_decref(*line);
			*line = NULL;
			bc_error_set(err, bc_err_corrupt, "%s: record %lu (byte %lld) is not a JSON object",
				     r->path, r->nrec, r->off - 4 - (long long)len);
			goto out;
		}
		ret = 1;
		goto out;
	}
	return 0;
out:
	free(c);
	free(m);
	return ret;
}

void bc_notices_reader_free(struct bc_notices_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	sodium_free(r);
}

/* Remove the files of DIR/letters (PDFs of people), then the directory. */
static void remove_letters(const char *dir)
{
	char p[PATH_MAX + 32], q[PATH_MAX + 320];
	struct dirent *de;
	DIR *d;

	if (path_in(p, sizeof(p), dir, "letters") != 0 || !(d = opendir(p)))
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(q, sizeof(q), "%s/%s", p, de->d_name);
		unlink(q);
	}
	closedir(d);
	rmdir(p);
}

int bc_notices_destroy(const char *dir, struct bc_error *err)
{
	char p[PATH_MAX + 32], stamp[64];
	unsigned char zero[256] = { 0 };
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;
	int fd;
	off_t i;

	if (bc_notices_dir_check(dir, 0, err) != 0)
		return -1;
	if (path_in(p, sizeof(p), dir, "notices.key") != 0)
		return bc_error_set(err, bc_err_io, "notices directory path too long");
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0)
			for (i = 0; i < st.st_size; i += (off_t)sizeof(zero))
				if (write_all(fd, zero, sizeof(zero)) != 0)
					break;
		fsync(fd);
		close(fd);
	} else if (errno != ENOENT) {
		return bc_error_set(err, bc_err_io, "cannot open %s: %s", p, strerror(errno));
	}
	if (unlink(p) != 0 && errno != ENOENT)
		return bc_error_set(err, bc_err_io, "cannot remove %s: %s", p, strerror(errno));
	remove_letters(dir);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "destroyed %Y-%m-%dT%H:%M:%SZ\n", &tm);
	if (path_in(p, sizeof(p), dir, "DESTROYED") != 0)
		return bc_error_set(err, bc_err_io, "notices directory path too long");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, stamp, strlen(stamp)) != 0) {
		if (fd >= 0)
			close(fd);
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", p, strerror(errno));
	}
	fsync(fd);
	close(fd);
	(void)bc_fsync_dir(dir);
	return 0;
}
