/* bc_table_alloc (table.h): hash-table memory with transparent huge pages. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sodium.h>

#include "util/table.h"

void *bc_table_alloc(size_t bytes, int fill)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	if (bytes < huge) {
		p = malloc(bytes ? bytes : 1);
	} else if (posix_memalign(&p, huge, bytes) != 0) {
		p = NULL;
	} else {
#ifdef MADV_HUGEPAGE
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	}
	if (p)
		memset(p, fill, bytes);
	return p;
}

void *bc_realloc_wiped(void *p, size_t old_bytes, size_t new_bytes)
{
	void *n = malloc(new_bytes ? new_bytes : 1);

	if (n == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(n, p, old_bytes < new_bytes ? old_bytes : new_bytes);
		sodium_memzero(p, old_bytes);
		free(p);
	}
	return n;
}
