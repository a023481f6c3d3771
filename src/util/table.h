#ifndef BC_UTIL_TABLE_H
#define BC_UTIL_TABLE_H

/*
 * Memory for the big open-addressing hash tables (the token table of
 * ingest, the node table of the patient grouping): lookups land anywhere in
 * them, and with 4 KiB pages most also miss the TLB, so tables of 2 MiB or
 * more are aligned to 2 MiB and ask for transparent huge pages
 * (madvise(MADV_HUGEPAGE), a hint the kernel may ignore).
 */

#include <stddef.h>

/*
 * bytes bytes, every one set to fill (0 for "empty" ids, 0xff for NONE).
 * Returns NULL on allocation failure; the caller owns the block and frees it
 * with free().
 */
void *bc_table_alloc(size_t bytes, int fill);

/*
 * realloc(3) for memory that holds personal data (dates of birth,
 * postcodes, keyed hashes of identifiers): the first old_bytes of p move to
 * a new block of new_bytes (new_bytes >= old_bytes; the rest is
 * uninitialised) and the old block is wiped (sodium_memzero) before it is
 * freed, so that no copy is left behind in freed memory. p may be NULL
 * (old_bytes 0). Returns the new block, owned by the caller (free() it, after
 * wiping it), or NULL on allocation failure, with p untouched and still the
 * caller's.
 */
void *bc_realloc_wiped(void *p, size_t old_bytes, size_t new_bytes);

#endif
