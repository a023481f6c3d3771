#ifndef BC_NORMALIZE_INTERNAL_H
#define BC_NORMALIZE_INTERNAL_H

/* What the normalize module's .c files share (not public): the UTF-8 helpers and the
 * failure return. */

#include <stddef.h>

#include "normalize/utf8_internal.h"

/* Empties out (when it has room) and returns status: every bc_norm_* failure path. */
static inline int bc_norm_fail(char *out, size_t outsize, int status)
{
	if (out && outsize)
		out[0] = '\0';
	return status;
}

#endif
