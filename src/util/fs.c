#define _GNU_SOURCE 1 /* sync_file_range */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* write(2) (off < 0) or pwrite(2) at off, until all len bytes are out. */
static int write_loop(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		size_t part = len > (1u << 30) ? (1u << 30) : len;
		ssize_t w = off < 0 ? write(fd, p, part) : pwrite(fd, p, part, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		if (off >= 0)
			off += w;
		len -= (size_t)w;
	}
	return 0;
}

int bc_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, -1);
}

int bc_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	return write_loop(fd, buf, len, off);
}

void bc_start_writeback(int fd, off_t off, size_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
	int e = errno;

	(void)sync_file_range(fd, off, (off_t)len, SYNC_FILE_RANGE_WRITE);
	errno = e;
#else
	(void)fd;
	(void)off;
	(void)len;
#endif
}

int bc_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

void bc_dir_of(const char *path, char *out, size_t outsize)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, outsize, ".");
	else if (slash == path)
		snprintf(out, outsize, "/");
	else
		snprintf(out, outsize, "%.*s", (int)(slash - path), path);
}

int bc_fsync_parent(const char *path)
{
	char parent[PATH_MAX];

	if (strlen(path) >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	bc_dir_of(path, parent, sizeof(parent));
	return bc_fsync_dir(parent);
}

int bc_atomic_file_open(struct bc_atomic_file *f, const char *path, int mode, struct bc_error *err)
{
	f->fd = -1;
	f->off = 0;
	f->tmp[0] = '\0';
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path) ||
	    snprintf(f->tmp, sizeof(f->tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(f->tmp)) {
		f->tmp[0] = '\0';
		return bc_error_set(err, bc_err_io, "%s: path too long", path);
	}
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (f->fd < 0) {
		bc_error_set(err, bc_err_io, "cannot create %s: %s", f->tmp, strerror(errno));
		f->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

void bc_atomic_file_abort(struct bc_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp[0] != '\0')
		unlink(f->tmp);
	f->tmp[0] = '\0';
}

static int atomic_file_failed(struct bc_atomic_file *f, struct bc_error *err)
{
	int e = errno;

	bc_error_set(err, bc_err_io, "cannot write %s: %s%s", f->tmp, strerror(e),
		     e == ENOSPC || e == EFBIG || e == EDQUOT ? " (disk full or size limit); nothing was changed" : "");
	bc_atomic_file_abort(f);
	return -1;
}

int bc_atomic_file_write(struct bc_atomic_file *f, const void *data, size_t len, struct bc_error *err)
{
	if (bc_write_all(f->fd, data, len) != 0)
		return atomic_file_failed(f, err);
	bc_start_writeback(f->fd, f->off, len);
	f->off += (off_t)len;
	return 0;
}

int bc_atomic_file_commit(struct bc_atomic_file *f, struct bc_error *err)
{
	int fd = f->fd;

	if (fsync(fd) != 0)
		return atomic_file_failed(f, err);
	f->fd = -1;
	if (close(fd) != 0) {
		bc_error_set(err, bc_err_io, "cannot write %s: %s", f->tmp, strerror(errno));
		bc_atomic_file_abort(f);
		return -1;
	}
	if (rename(f->tmp, f->path) != 0) {
		bc_error_set(err, bc_err_io, "cannot rename %s: %s", f->tmp, strerror(errno));
		bc_atomic_file_abort(f);
		return -1;
	}
	f->tmp[0] = '\0';
	if (bc_fsync_parent(f->path) != 0)
		return bc_error_set(err, bc_err_io, "cannot sync the directory of %s: %s", f->path,
				    strerror(errno));
	return 0;
}

int bc_write_file_atomic(const char *path, const void *data, size_t len, int mode,
			 struct bc_error *err)
{
	struct bc_atomic_file f;

	if (bc_atomic_file_open(&f, path, mode, err) != 0 ||
	    (bc_write_all(f.fd, data, len) != 0 && atomic_file_failed(&f, err) != 0))
		return -1;
	return bc_atomic_file_commit(&f, err);
}

static int any_name(const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return 1;
}

static int remove_entries(const char *dir, int (*match)(const char *name, void *arg), void *arg,
			  int deep, int *failed)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX + 256];
	int n = 0;

	*failed = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !match(de->d_name, arg))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p)) {
			*failed = 1;
			continue;
		}
		if (unlink(p) == 0 || errno == ENOENT) {
			n++;
			continue;
		}
		/* a directory: one more level (the index's DIR.<id>/, a cached copy) */
		if (deep && lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && bc_remove_tree(p) == 0)
			n++;
		else
			*failed = 1;
	}
	closedir(d);
	return n;
}

int bc_remove_tree(const char *path)
{
	int failed;

	if (remove_entries(path, any_name, NULL, 0, &failed) < 0)
		return -1;
	if (rmdir(path) != 0 && errno != ENOENT)
		return -1;
	return failed ? -1 : 0;
}

int bc_remove_matching(const char *dir, int (*match)(const char *name, void *arg), void *arg)
{
	int failed;

	return remove_entries(dir, match, arg, 1, &failed);
}

int bc_path_canonical(const char *path, char *out)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *parent = ".", *base = tmp;
	char *slash;
	size_t len;

	if (realpath(path, out))
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return -1;
	len = strlen(tmp);
	while (len > 1 && tmp[len - 1] == '/')
		tmp[--len] = '\0';
	slash = strrchr(tmp, '/');
	if (slash == tmp) {
		parent = "/";
		base = tmp + 1;
	} else if (slash) {
		*slash = '\0';
		parent = tmp;
		base = slash + 1;
	}
	if (!realpath(parent, dir))
		return -1;
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", strcmp(dir, "/") ? dir : "", base) >= PATH_MAX)
		return -1;
	return 0;
}
