/*
 * breachcheck export --index DIR --out DIR2 (issue #15, DESIGN.md §9): the
 * immutable files that a static host serves at buckets_url, in exactly the
 * layout the clients read (DESIGN.md §8):
 *
 *   DIR2/v1/buckets/<index_id>/<bucket>     one file per bucket (decimal)
 *   DIR2/v1/verified/<index_id>             verified.bin
 *   DIR2/v1/index/<index_id>/buckets.bin    the whole bucket file
 *   DIR2/v1/index/<index_id>/index.json     index.json, byte for byte
 *
 * A new index version is a new <index_id> beside the old ones: nothing is
 * overwritten or removed, so a client that started a check on the previous
 * version finishes it. Each version appears whole or not at all: its files
 * are written under temporary names (".<index_id>.tmp.<pid>"), synced, then
 * renamed into place, index.json's directory last. The index is verified
 * (every bucket and verified.bin against index.json, index_id recomputed)
 * before anything is written: a damaged index is never published.
 */

#define _GNU_SOURCE 1   /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "index/index.h"

static const char usage[] =
	"usage: breachcheck export --index DIR --out DIR2 [--quiet]\n"
	"\n"
	"Write the immutable files of the index DIR for a static host (nginx, an object\n"
	"store, a CDN) under DIR2, in the layout clients read at --buckets-url:\n"
	"  DIR2/v1/buckets/<index_id>/<bucket>, DIR2/v1/verified/<index_id>,\n"
	"  DIR2/v1/index/<index_id>/buckets.bin, DIR2/v1/index/<index_id>/index.json\n"
	"A new index version is added beside the previous ones (never overwritten).\n"
	"Publish DIR2 on the bucket host first, then reload the evaluators (SIGHUP).\n"
	"Serve the files read-only, immutable, with CORS for the page's origin and no\n"
	"access log (docs/deploy.md).\n"
	"\n"
	"  --index DIR   the index directory (the symlink ingest publishes)\n"
	"  --out DIR2    the export root (created if missing)\n"
	"  --quiet       no summary on stderr\n"
	"\n"
	"Exit status: 0 written (or already there, byte for byte), 2 usage, 3 failure.\n";

/* 1 when the file at path holds exactly the len bytes at data, else 0 (missing,
 * unreadable, shorter, longer or different). Streams: buckets.bin may be large. */
static int same_file(const char *path, const uint8_t *data, size_t len)
{
	uint8_t buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), same = fd >= 0;
	ssize_t n;

	while (same) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			same = n == 0 && len == 0;
			break;
		}
		if ((size_t)n > len || memcmp(buf, data, (size_t)n)) {
			same = 0;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	return same;
}

/* A version already under DIR2 (its index.json in place) must be the index's
 * files byte for byte: a copy damaged or cut short later (a partial sync, a
 * deleted bucket) is an error naming the first bad file, never "already there". */
static int export_same(const char *d_b, const char *d_v, const char *d_i, const struct bc_index *idx,
		       uint32_t n, struct bc_error *err)
{
	char p[PATH_MAX + 32];
	const uint8_t *data;
	size_t len;
	uint32_t i;

	for (i = 0; i <= n + 2; i++) {
		if (i < n) {
			data = bc_index_bucket_ptr(idx, i, &len);
			snprintf(p, sizeof(p), "%s/%u", d_b, (unsigned)i);
		} else if (i == n) {
			data = bc_index_verified_ptr(idx, &len);
			snprintf(p, sizeof(p), "%s", d_v);
		} else if (i == n + 1) {
			data = bc_index_buckets_ptr(idx, &len);
			snprintf(p, sizeof(p), "%s/buckets.bin", d_i);
		} else {
			data = (const uint8_t *)bc_index_json_text(idx, &len);
			snprintf(p, sizeof(p), "%s/index.json", d_i);
		}
		if (!same_file(p, data, len))
			return bc_error_set(err, bc_err_io,
					    "%s is missing or differs from the index: this version's export is "
					    "damaged; remove its directories (v1/*/%s) and export again",
					    p, bc_index_id(idx));
	}
	return 0;
}

static int mkdir_one(const char *path, struct bc_error *err)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return bc_error_set(err, bc_err_io, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* Write len bytes to path (created, 0644); not synced (the caller syncs the
 * file system once at the end). */
static int write_file(const char *path, const void *data, size_t len, struct bc_error *err)
{
	const uint8_t *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			bc_error_set(err, bc_err_io, "cannot write %s: %s", path,
				     n < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd))
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* Remove a temporary directory of plain files (best effort). */
static void remove_tree(const char *dir, uint32_t n_files_numbered, const char *const *names)
{
	char p[PATH_MAX];
	uint32_t i;

	for (i = 0; i < n_files_numbered; i++)
		if (snprintf(p, sizeof(p), "%s/%u", dir, (unsigned)i) < (int)sizeof(p))
			unlink(p);
	for (; names && *names; names++)
		if (snprintf(p, sizeof(p), "%s/%s", dir, *names) < (int)sizeof(p))
			unlink(p);
	rmdir(dir);
}

static int sync_dir(const char *path, struct bc_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bc_error_set(err, bc_err_io, "cannot open %s: %s", path, strerror(errno));
	/* syncfs: every file written under DIR2 at once, not one fsync per bucket */
	if (syncfs(fd) || fsync(fd)) {
		bc_error_set(err, bc_err_io, "cannot sync %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

#define PATHF(buf, ...)                                                                      \
	(snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)                           \
		 ? bc_error_set(&err, bc_err_io, "--out: path too long")                           \
		 : 0)

/* The paths of an export (DIR2/v1/...: final names d_*, temporaries t_*),
 * which temporaries exist, and the bytes written. */
struct export_job {
	char v1[PATH_MAX], d_b[PATH_MAX], d_v[PATH_MAX], d_i[PATH_MAX];
	char t_b[PATH_MAX], t_v[PATH_MAX], t_i[PATH_MAX];
	int made_b, made_v, made_i;
	size_t total;
};

/* Writes what idx's version lacks under the temporary names. 0, or -1 with err. */
static int export_write(struct export_job *j, const struct bc_index *idx, uint32_t n,
			struct bc_error *err)
{
	char p[PATH_MAX + 32];
	const uint8_t *data;
	struct stat sb;
	size_t len;
	uint32_t i;

	/* 1. single buckets (what the page and fetch mode read) */
	if (stat(j->d_b, &sb) != 0) {
		if (mkdir(j->t_b, 0755)) {
			bc_error_set(err, bc_err_io, "cannot create %s: %s", j->t_b, strerror(errno));
			return -1;
		}
		j->made_b = 1;
		for (i = 0; i < n; i++) {
			data = bc_index_bucket_ptr(idx, i, &len);
			snprintf(p, sizeof(p), "%s/%u", j->t_b, (unsigned)i);
			if (write_file(p, data, len, err))
				return -1;
			j->total += len;
		}
	}
	/* 2. verified.bin */
	if (stat(j->d_v, &sb) != 0) {
		data = bc_index_verified_ptr(idx, &len);
		if (write_file(j->t_v, data, len, err))
			return -1;
		j->made_v = 1;
		j->total += len;
	}
	/* 3. buckets.bin and index.json (the CLI's file mode) */
	if (mkdir(j->t_i, 0755)) {
		bc_error_set(err, bc_err_io, "cannot create %s: %s", j->t_i, strerror(errno));
		return -1;
	}
	j->made_i = 1;
	data = bc_index_buckets_ptr(idx, &len);
	snprintf(p, sizeof(p), "%s/buckets.bin", j->t_i);
	if (write_file(p, data, len, err))
		return -1;
	j->total += len;
	data = (const uint8_t *)bc_index_json_text(idx, &len);
	snprintf(p, sizeof(p), "%s/index.json", j->t_i);
	if (write_file(p, data, len, err))
		return -1;
	j->total += len;
	return 0;
}

/* Syncs, renames the temporaries to their final names (index.json's last),
 * and syncs the directories. 0, or -1 with err. */
static int export_publish(struct export_job *j, struct bc_error *err)
{
	char p[PATH_MAX + 32];

	/* everything on disk before any of it is visible under its final name */
	if (sync_dir(j->v1, err))
		return -1;
	if (j->made_b && rename(j->t_b, j->d_b)) {
		bc_error_set(err, bc_err_io, "cannot rename %s: %s", j->t_b, strerror(errno));
		return -1;
	}
	j->made_b = 0;
	if (j->made_v && rename(j->t_v, j->d_v)) {
		bc_error_set(err, bc_err_io, "cannot rename %s: %s", j->t_v, strerror(errno));
		return -1;
	}
	j->made_v = 0;
	if (rename(j->t_i, j->d_i)) {
		bc_error_set(err, bc_err_io, "cannot rename %s: %s", j->t_i, strerror(errno));
		return -1;
	}
	j->made_i = 0;
	snprintf(p, sizeof(p), "%s/buckets", j->v1);
	if (sync_dir(p, err))
		return -1;
	snprintf(p, sizeof(p), "%s/verified", j->v1);
	if (sync_dir(p, err))
		return -1;
	snprintf(p, sizeof(p), "%s/index", j->v1);
	if (sync_dir(p, err))
		return -1;
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option options[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const index_files[] = { "index.json", "buckets.bin", NULL };
	struct bc_error err = BC_ERROR_INIT;
	struct bc_index *idx = NULL;
	const char *in = NULL, *out = NULL, *id;
	struct export_job j = { 0 };
	char p[PATH_MAX + 32];
	uint32_t n = 0;
	int c, quiet = 0, ret = BC_EXIT_FAILURE;
	struct stat sb;
	long pid = (long)getpid();

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "breachcheck export: unknown option, or an option without "
					"its value\n%s", usage);
			return BC_EXIT_USAGE;
		}
	}
	if (optind < argc || !in || !out) {
		fprintf(stderr, "breachcheck export: --index and --out are required\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (bc_index_open(in, &idx, &err) || bc_index_verify(idx, &err))
		goto fail;
	id = bc_index_id(idx);
	n = bc_index_n_buckets(idx);
	if (PATHF(j.v1, "%s/v1", out) || PATHF(j.d_b, "%s/buckets/%s", j.v1, id) ||
	    PATHF(j.d_v, "%s/verified/%s", j.v1, id) || PATHF(j.d_i, "%s/index/%s", j.v1, id) ||
	    PATHF(j.t_b, "%s/buckets/.%s.tmp.%ld", j.v1, id, pid) ||
	    PATHF(j.t_v, "%s/verified/.%s.tmp.%ld", j.v1, id, pid) ||
	    PATHF(j.t_i, "%s/index/.%s.tmp.%ld", j.v1, id, pid))
		goto fail;
	if (snprintf(p, sizeof(p), "%s/index.json", j.d_i) < (int)sizeof(p) && stat(p, &sb) == 0) {
		/* index.json is renamed into place last: this version was complete */
		if (export_same(j.d_b, j.d_v, j.d_i, idx, n, &err))
			goto fail;
		if (!quiet)
			fprintf(stderr, "export: index %s is already in %s (nothing written)\n", id,
				out);
		ret = BC_EXIT_OK;
		goto out;
	}
	if (mkdir_one(out, &err) || mkdir_one(j.v1, &err))
		goto fail;
	snprintf(p, sizeof(p), "%s/buckets", j.v1);
	if (mkdir_one(p, &err))
		goto fail;
	snprintf(p, sizeof(p), "%s/verified", j.v1);
	if (mkdir_one(p, &err))
		goto fail;
	snprintf(p, sizeof(p), "%s/index", j.v1);
	if (mkdir_one(p, &err))
		goto fail;

	if (export_write(&j, idx, n, &err) || export_publish(&j, &err))
		goto fail;
	if (!quiet)
		fprintf(stderr,
			"export: index %s -> %s/v1: %u buckets of %u entries, verified.bin, "
			"buckets.bin, index.json (%.1f MB)\n"
			"serve the evaluators with --buckets-url set to the URL of %s, then reload "
			"them (SIGHUP)\n",
			id, out, (unsigned)n, (unsigned)bc_index_bucket_entries(idx),
			(double)j.total / 1e6, out);
	ret = BC_EXIT_OK;
	goto out;
fail:
	cli_print_error(&err);
out:
	if (j.made_b)
		remove_tree(j.t_b, n, NULL);
	if (j.made_v)
		unlink(j.t_v);
	if (j.made_i)
		remove_tree(j.t_i, 0, index_files);
	bc_index_free(idx);
	return ret;
}
