#ifndef BC_NORMALIZE_UTF8_INTERNAL_H
#define BC_NORMALIZE_UTF8_INTERNAL_H

/* Small UTF-8 helpers shared by the normalize module's .c files (not public). */

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point at s[0..len). Returns its byte length (1..4) and sets
 * *cp, or 0 on a malformed, overlong, surrogate or truncated sequence.
 */
static inline size_t bc_utf8_decode(const unsigned char *s, size_t len, int32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		if (len < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		*cp = ((int32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (len < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		int32_t v = ((int32_t)(c & 0x0F) << 12) | ((int32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
			return 0;
		*cp = v;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (len < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		int32_t v = ((int32_t)(c & 0x07) << 18) | ((int32_t)(s[1] & 0x3F) << 12) |
			    ((int32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		if (v < 0x10000 || v > 0x10FFFF)
			return 0;
		*cp = v;
		return 4;
	}
	return 0;
}

/* Encode cp (valid scalar value) into out (>= 4 bytes); returns the length. */
static inline size_t bc_utf8_encode(int32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

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
