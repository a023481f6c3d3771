#ifndef BC_NORMALIZE_UTF8_INTERNAL_H
#define BC_NORMALIZE_UTF8_INTERNAL_H

/* Small UTF-8 helpers shared by the normalize module's .c files (not public). */

#include <stddef.h>
#include <stdint.h>

#include "util/utf8.h"

/* bc_utf8_decode, bc_utf8_encode: util/utf8.h. */

/* Unicode White_Space property, plus U+FEFF (trimmed by JavaScript's trim()). */
static inline int bc_is_uspace(int32_t cp)
{
	if (cp < 0x80)
		return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	       cp == 0x3000 || cp == 0xFEFF;
}

/* 1 if s[0..len) is all ASCII (< 0x80). */
static inline int bc_is_ascii(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		__builtin_memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			return 0;
	}
	for (; i < len; i++)
		if (p[i] & 0x80)
			return 0;
	return 1;
}

#endif
