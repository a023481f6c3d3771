#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "genleak.h"

void gl_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(out, size, fmt, ap) < 0 && size)
		out[0] = '\0';
	va_end(ap);
}

size_t gl_utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

static const char *next_cp(const char *s, int32_t *cp)
{
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, cp);

	if (n <= 0) {
		*cp = (unsigned char)*s;
		return s + 1;
	}
	return s + n;
}

struct sink {
	char *out;
	size_t size, len;
};

static void put_byte(struct sink *k, unsigned char b)
{
	if (k->len + 1 < k->size)
		k->out[k->len++] = (char)b;
}

static void put_cp(struct sink *k, int32_t cp)
{
	utf8proc_uint8_t buf[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);

	if (k->len + (size_t)n < k->size) {
		memcpy(k->out + k->len, buf, (size_t)n);
		k->len += (size_t)n;
	}
}

static size_t sink_end(struct sink *k)
{
	if (k->size)
		k->out[k->len] = '\0';
	return k->len;
}

/* DESIGN §4 transliterations not covered by NFKD. */
static const char *translit(int32_t cp)
{
	switch (cp) {
	case 0x152: return "OE";
	case 0x153: return "oe";
	case 0xC6: return "AE";
	case 0xE6: return "ae";
	case 0xDF: return "ss";
	case 0x1E9E: return "SS";
	case 0xD8: return "O";
	case 0xF8: return "o";
	case 0x141: return "L";
	case 0x142: return "l";
	case 0x110: return "D";
	case 0x111: return "d";
	case 0x131: return "i";
	case 0xD0: return "D";
	case 0xF0: return "d";
	case 0xDE: return "TH";
	case 0xFE: return "th";
	default: return NULL;
	}
}

/* Base characters of cp: NFKD without marks, then the transliterations. */
static size_t fold_cp(int32_t cp, int32_t *dst, size_t dstlen)
{
	const char *t = translit(cp);
	int last = 0;
	utf8proc_ssize_t n;

	if (t) {
		size_t i;

		for (i = 0; t[i] && i < dstlen; i++)
			dst[i] = (unsigned char)t[i];
		return i;
	}
	n = utf8proc_decompose_char(cp, dst, (utf8proc_ssize_t)dstlen,
		UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &last);
	if (n < 0 || (size_t)n > dstlen)
		return 0;
	return (size_t)n;
}

/* Base letters and digits of in, ASCII, in upper or lower case; everything else dropped. */
static size_t fold_alnum(const char *in, char *out, size_t outsize, int upper)
{
	struct sink k = { out, outsize, 0 };
	int32_t cp, base[8];

	while (*in) {
		in = next_cp(in, &cp);
		size_t n = fold_cp(cp, base, 8);

		for (size_t i = 0; i < n; i++) {
			int32_t b = base[i];

			if (upper && b >= 'a' && b <= 'z')
				b -= 32;
			else if (!upper && b >= 'A' && b <= 'Z')
				b += 32;
			if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9'))
				put_byte(&k, (unsigned char)b);
		}
	}
	return sink_end(&k);
}

size_t gl_canon_name(const char *in, char *out, size_t outsize)
{
	return fold_alnum(in, out, outsize, 1);
}

size_t gl_canon_first(const char *in, char *out, size_t outsize)
{
	char first[256];
	size_t i = 0;

	while (*in == ' ')
		in++;
	while (in[i] && in[i] != ' ' && in[i] != '-' && in[i] != ',' && i + 1 < sizeof(first)) {
		first[i] = in[i];
		i++;
	}
	first[i] = '\0';
	return gl_canon_name(first, out, outsize);
}

size_t gl_upper(const char *in, char *out, size_t outsize, int strip)
{
	struct sink k = { out, outsize, 0 };
	int32_t cp, base[8];

	while (*in) {
		in = next_cp(in, &cp);
		if (!strip || cp < 0x80 || cp == 0xA0 || cp == 0x2019) {
			put_cp(&k, utf8proc_toupper(cp));
			continue;
		}
		size_t n = fold_cp(cp, base, 8);

		for (size_t i = 0; i < n; i++)
			put_cp(&k, utf8proc_toupper(base[i]));
	}
	return sink_end(&k);
}

size_t gl_ascii_fold(const char *in, char *out, size_t outsize)
{
	return fold_alnum(in, out, outsize, 0);
}

/* Windows-1252 bytes 0x80..0x9F; 0 = undefined (decoded as the C1 control). */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

size_t gl_mojibake(const char *in, char *out, size_t outsize)
{
	struct sink k = { out, outsize, 0 };

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int32_t cp = *p;

		if (*p >= 0x80 && *p < 0xA0 && cp1252_high[*p - 0x80])
			cp = cp1252_high[*p - 0x80];
		put_cp(&k, cp);
	}
	return sink_end(&k);
}

static int cp1252_byte(int32_t cp)
{
	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return (int)cp;
	for (int i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return -1;
}

size_t gl_to_cp1252(const char *in, char *out, size_t outsize)
{
	struct sink k = { out, outsize, 0 };
	int32_t cp, base[8];

	while (*in) {
		in = next_cp(in, &cp);
		int b = cp1252_byte(cp);

		if (b >= 0) {
			put_byte(&k, (unsigned char)b);
			continue;
		}
		size_t n = fold_cp(cp, base, 8);

		if (n == 0)
			put_byte(&k, '?');
		for (size_t i = 0; i < n; i++) {
			b = cp1252_byte(base[i]);
			put_byte(&k, b >= 0 ? (unsigned char)b : '?');
		}
	}
	return sink_end(&k);
}
