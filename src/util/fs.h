#ifndef BC_UTIL_FS_H
#define BC_UTIL_FS_H

/*
 * File-system helpers shared by every module that writes (ingest, the index
 * builder, the key file, the client's cache, reports): one copy of each.
 * POSIX only; paths are NUL-terminated; errno is kept on failure.
 */

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* write(2) all len bytes of buf to fd, retrying on EINTR and short writes.
 * Returns 0, or -1 with errno set (ENOSPC if write returned 0). */
int bc_write_all(int fd, const void *buf, size_t len) __attribute__((warn_unused_result));

/* pwrite(2) all len bytes of buf to fd at offset off, retrying on EINTR and
 * short writes (safe from several threads on disjoint ranges). Returns 0, or
 * -1 with errno set (ENOSPC if pwrite returned 0, EINVAL if off < 0). */
int bc_pwrite_all(int fd, const void *buf, size_t len, off_t off) __attribute__((warn_unused_result));

/* Ask the kernel to start writing bytes [off, off + len) of fd to disk now
 * (Linux sync_file_range(2) SYNC_FILE_RANGE_WRITE), so that a later fsync
 * has less to wait for; a hint only: it neither waits nor fails (the fsync
 * reports errors), and does nothing where it does not exist. */
void bc_start_writeback(int fd, off_t off, size_t len);

/* fsync(2) the directory at path. Returns 0 or -1 (errno set). */
int bc_fsync_dir(const char *path);

/* fsync the directory that holds path ("." for a bare name). Returns 0 or -1
 * (errno set; ENAMETOOLONG if path does not fit PATH_MAX). */
int bc_fsync_parent(const char *path);

/* The directory part of path into out (outsize bytes): "." for a bare name,
 * "/" for a name in the root. Truncated to fit. */
void bc_dir_of(const char *path, char *out, size_t outsize);

/*
 * Replace path atomically with len bytes of data: write path.tmp-<pid> with
 * mode, fsync it, rename it over path, fsync the parent. On failure the
 * temporary is removed and path is unchanged. Returns 0, or -1 with err
 * filled (code "io", naming the file and, for a full disk, saying so).
 */
int bc_write_file_atomic(const char *path, const void *data, size_t len, int mode,
			 struct bc_error *err) __attribute__((warn_unused_result));

/*
 * bc_write_file_atomic in steps, for a file written in parts (without
 * holding all of it in memory): bc_atomic_file_open creates path.tmp-<pid>
 * (mode, truncated); each bc_atomic_file_write appends len bytes and starts
 * their write-back (bc_start_writeback); bc_atomic_file_commit fsyncs, closes,
 * renames it over path and fsyncs the parent; bc_atomic_file_abort removes the
 * temporary. Each returns 0, or -1 with err filled as bc_write_file_atomic
 * would; after a failure the temporary is already removed (bc_atomic_file_abort
 * is then harmless). f: the caller's, untouched by anyone else meanwhile.
 */
struct bc_atomic_file {
	int fd;                       /* -1 once closed */
	off_t off;                    /* bytes written */
	char path[PATH_MAX], tmp[PATH_MAX + 32];
};

int bc_atomic_file_open(struct bc_atomic_file *f, const char *path, int mode, struct bc_error *err)
	__attribute__((warn_unused_result));
int bc_atomic_file_write(struct bc_atomic_file *f, const void *data, size_t len, struct bc_error *err)
	__attribute__((warn_unused_result));
int bc_atomic_file_commit(struct bc_atomic_file *f, struct bc_error *err) __attribute__((warn_unused_result));
void bc_atomic_file_abort(struct bc_atomic_file *f);

/* Remove a directory and the entries in it, one level deep (files, or empty
 * directories). A missing path is fine. Returns 0 or -1 (something stayed). */
int bc_remove_tree(const char *path);

/*
 * Remove every entry of dir whose name match(name, arg) accepts ("." and
 * ".." are never offered): a file is unlinked, a directory removed with
 * bc_remove_tree. Returns the number removed, or -1 if dir cannot be read
 * (a missing dir is 0). Entries that could not be removed are not counted.
 */
int bc_remove_matching(const char *dir, int (*match)(const char *name, void *arg), void *arg);

/*
 * The canonical absolute path of path (symlinks, "." and ".." resolved) into
 * out, PATH_MAX bytes; when path does not exist (yet), its parent's
 * canonical path and its last name (trailing slashes dropped): a directory
 * made later is named as it will be. Returns 0, or -1 when neither resolves
 * or the result does not fit (out is then unspecified).
 */
int bc_path_canonical(const char *path, char *out);

#endif
