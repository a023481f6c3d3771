#ifndef BC_INDEX_INDEX_INTERNAL_H
#define BC_INDEX_INDEX_INTERNAL_H

/* Shared between the index reader and builder; not part of the public API. */

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
/* bc_write_all, bc_fsync_dir, bc_remove_tree (moved to util/) */
#include "util/fs.h"

/*
 * index_id = 32 lowercase hex of BLAKE2b-128(bucket_hashes[0..n-1] ||
 * verified_hash || salt) (DESIGN.md §5). out: 33 bytes (NUL-terminated).
 */
void bc_index_compute_id(const uint8_t *bucket_hashes, uint32_t n_buckets,
			 const uint8_t verified_hash[BC_HASH_BYTES], const uint8_t salt[BC_SALT_BYTES], char out[33]);


#endif
