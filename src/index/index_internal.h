#ifndef BC_INDEX_INDEX_INTERNAL_H
#define BC_INDEX_INDEX_INTERNAL_H

/* Shared between the index reader and builder; not part of the public API. */

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * index_id = 32 lowercase hex of BLAKE2b-128(bucket_hashes[0..n-1] ||
 * verified_hash || salt) (DESIGN.md §5). out: 33 bytes (NUL-terminated).
 */
void bc_index_compute_id(const uint8_t *bucket_hashes, uint32_t n_buckets,
			 const uint8_t verified_hash[32], const uint8_t salt[32], char out[33]);

/* write(2) all of buf to fd, retrying on EINTR. Returns 0 or -1 (errno set). */
int bc_write_all(int fd, const void *buf, size_t len);

/* fsync a directory by path. Returns 0 or -1 (errno set). */
int bc_fsync_dir(const char *path);

/* Remove a directory and the regular files in it (one level). Returns 0 or -1. */
int bc_remove_tree(const char *path);

#endif
