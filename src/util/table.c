/* bc_table_alloc (table.h): hash-table memory with transparent huge pages. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
