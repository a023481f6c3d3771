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

/*
 * Sort n entries of BC_ENTRY_BYTES by tag (memcmp of their first
 * BC_TAG_BYTES), in place, ascending. tmp: n x BC_ENTRY_BYTES bytes of
 * scratch, or NULL (then qsort alone). A counting sort on the tag's first
 * bits, then each bin (about 4 entries: tags are uniform hashes) by
 * insertion, qsort for a bin of more than 32; equal tags (the same token
 * twice) keep their order except in such a bin. Used on each bucket and on
 * verified.bin (DESIGN.md §5).
 */
void bc_index_sort_entries(uint8_t *e, size_t n, uint8_t *tmp);

#endif
