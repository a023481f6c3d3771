#ifndef BC_UTIL_UTF8_H
#define BC_UTIL_UTF8_H

/*
 * UTF-8 (RFC 3629): one decoder, which is also the validator, and one
 * encoder for the whole project. Inline: the normaliser and the leak reader
 * call them per character.
 */

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

/* Length (1..4) of the valid UTF-8 sequence at s (at most len >= 1 bytes), or
 * 0 if it is malformed, overlong, a surrogate, above U+10FFFF or truncated.
 * Safe on a NUL-terminated string with len up to 4: it stops at the NUL. */
static inline size_t bc_utf8_seq(const unsigned char *s, size_t len)
{
	int32_t cp;

	return bc_utf8_decode(s, len, &cp);
}

/* -1 if s[0..len) is not valid UTF-8, 1 if it is and holds a multi-byte
 * sequence, 0 if it is all ASCII (or empty). */
int bc_utf8_check(const unsigned char *s, size_t len);

/* 1 if s[0..len) is valid UTF-8 (an empty string is), else 0. */
int bc_utf8_valid(const unsigned char *s, size_t len);

/*
 * Copy the NUL-terminated src into dst (size >= 1 bytes) as valid UTF-8: each
 * byte that does not start a valid sequence becomes '?'; a character that does
 * not fit is left out. Always NUL-terminates.
 */
void bc_utf8_sanitize(char *dst, size_t size, const char *src);

#endif
