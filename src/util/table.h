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

#endif
