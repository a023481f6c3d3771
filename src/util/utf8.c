#include "util/utf8.h"

#include <string.h>

int bc_utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0, k;
	uint64_t w;
	int multibyte = 0;

	while (i < len) {
		/* ASCII runs eight bytes at a time: most of a leak file is ASCII */
		if (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if (!(w & UINT64_C(0x8080808080808080))) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = bc_utf8_seq(s + i, len - i);
		if (!k)
			return -1;
		multibyte = 1;
		i += k;
	}
	return multibyte;
}

int bc_utf8_valid(const unsigned char *s, size_t len)
{
	return bc_utf8_check(s, len) >= 0;
}

void bc_utf8_sanitize(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t at = 0, n;

	while (*p && at + 1 < size) {
		n = bc_utf8_seq(p, 4);
		if (!n) {
			dst[at++] = '?';
			p++;
			continue;
		}
		if (at + n >= size)
			break;
		memcpy(dst + at, p, n);
		at += n;
		p += n;
	}
	dst[at] = 0;
}
