/* Mojibake repair and two-name fields (DESIGN.md §4). See text.h. */

#include "normalize/text.h"

#include <string.h>

#include "normalize/utf8_internal.h"

/* CP1252 byte of a code point (the inverse of the CP1252 decoder), or -1. */
static int cp1252_byte(int32_t cp)
{
	static const uint16_t hi[32] = {
		0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
		0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
	};
	int i;

	if (cp < 0x80)
		return cp;
	if (cp <= 0xFF)
		return cp; /* Latin-1 range, and C1 controls left by a Latin-1 decoder */
	for (i = 0; i < 32; i++)
		if (hi[i] == cp)
			return 0x80 + i;
	return -1;
}

/*
 * Code points a repaired French record plausibly holds: Latin-1, Latin
 * Extended-A/B, combining marks, Latin Extended Additional (Vietnamese), general
 * punctuation, the euro and trade mark signs. Correct text that happens to
 * re-encode as valid UTF-8 ("É" + no-break space = C9 A0 = U+0260) decodes to
 * something outside this set, and is then left alone.
 */
static int plausible_repair(int32_t v)
{
	return (v >= 0xA0 && v <= 0x24F) || (v >= 0x300 && v <= 0x36F) ||
	       (v >= 0x1E00 && v <= 0x1EFF) || (v >= 0x2000 && v <= 0x206F) ||
	       v == 0x20AC || v == 0x2122;
}

/*
 * One pass over s[0..len): if every code point maps to a CP1252 byte and the
 * bytes are valid UTF-8 with at least one non-ASCII byte, write them to out
 * (which may equal s) and return their length; else return -1 and write nothing.
 */
static long mojibake_pass(const char *s, size_t len, char *out)
{
	unsigned char pend[4];
	size_t i = 0, np = 0, need = 0, o = 0;
	int nonascii = 0, write;

	for (write = 0; write < 2; write++) {
		i = 0;
		np = 0;
		o = 0;
		while (i < len) {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)s + i, len - i, &cp);
			int b;

			if (!k)
				return -1;
			i += k;
			b = cp1252_byte(cp);
			if (b < 0)
				return -1;
			if (write) {
				out[o++] = (char)b;
				continue;
			}
			if (np == 0) {
				if (b < 0x80)
					continue;
				nonascii = 1;
				if (b >= 0xC2 && b <= 0xDF)
					need = 2;
				else if (b >= 0xE0 && b <= 0xEF)
					need = 3;
				else if (b >= 0xF0 && b <= 0xF4)
					need = 4;
				else
					return -1;
				pend[np++] = (unsigned char)b;
			} else {
				int32_t v = 0;
				pend[np++] = (unsigned char)b;
				if (np == need) {
					if (bc_utf8_decode(pend, need, &v) != need ||
					    !plausible_repair(v))
						return -1;
					np = 0;
				} else if ((b & 0xC0) != 0x80) {
					return -1;
				}
			}
		}
		if (!write && (np != 0 || !nonascii))
			return -1;
	}
	return (long)o;
}

int bc_repair_mojibake(const char *in, size_t len, char *out, size_t outsize, size_t *outlen)
{
	int passes = 0;
	size_t n = len;

	if (!out || outsize < len + 1 || (!in && len)) {
		if (out && outsize)
			out[0] = '\0';
		return -1;
	}
	if (out != in && len)
		memmove(out, in, len);
	out[len] = '\0';
	if (!bc_is_ascii(out, len)) {
		while (passes < 2) {
			long r = mojibake_pass(out, n, out);
			if (r < 0)
				break;
			n = (size_t)r;
			out[n] = '\0';
			passes++;
		}
	}
	if (outlen)
		*outlen = n;
	return passes;
}

/* ---------------------------------------------------------------- two names */

enum marker { M_NONE, M_SPOUSE, M_BORN };

static int name_space(const unsigned char *s, size_t len, size_t i, size_t *k)
{
	unsigned char c = s[i];
	if (c == ' ' || c == '\t' || c == ',' || c == '(' || c == ')' || c == ';' ||
	    c == '\n' || c == '\r') {
		*k = 1;
		return 1;
	}
	if (c == 0xC2 && i + 1 < len && s[i + 1] == 0xA0) {
		*k = 2;
		return 1;
	}
	return 0;
}

/* Folds a word (lower case, é/É -> e, trailing dots dropped) and looks it up. */
static enum marker marker_of(const unsigned char *w, size_t n)
{
	char f[12];
	size_t i = 0, m = 0;
	int accent = 0;

	while (n > 0 && w[n - 1] == '.')
		n--;
	while (i < n) {
		unsigned char c = w[i];
		if (m >= sizeof f - 1)
			return M_NONE;
		if (c == 0xC3 && i + 1 < n && (w[i + 1] == 0xA9 || w[i + 1] == 0x89)) {
			f[m++] = 'e';
			accent = 1;
			i += 2;
			continue;
		}
		if (c >= 0x80 || c == '.' || c == '-' || c == '\'')
			return M_NONE;
		f[m++] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
		i++;
	}
	f[m] = '\0';
	if (!strcmp(f, "epouse") || !strcmp(f, "epse") || !strcmp(f, "ep") ||
	    !strcmp(f, "veuve") || !strcmp(f, "vve") || !strcmp(f, "epoux"))
		return M_SPOUSE;
	if (!strcmp(f, "nee") || (!strcmp(f, "ne") && accent))
		return M_BORN;
	return M_NONE;
}

static struct bc_span trim_span(const unsigned char *s, size_t len, size_t b, size_t e)
{
	struct bc_span sp;
	size_t k;

	while (b < e && name_space(s, len, b, &k))
		b += k;
	while (e > b) {
		unsigned char c = s[e - 1];
		if (c == ' ' || c == '\t' || c == ',' || c == '(' || c == ')' || c == ';' ||
		    c == '\n' || c == '\r')
			e--;
		else if (c == 0xA0 && e - b >= 2 && s[e - 2] == 0xC2)
			e -= 2;
		else
			break;
	}
	sp.off = b;
	sp.len = e - b;
	return sp;
}

int bc_split_name_field(const char *in, size_t len, struct bc_span *birth, struct bc_span *usage)
{
	const unsigned char *s = (const unsigned char *)in;
	struct bc_span none = { 0, 0 }, before, after;
	size_t i = 0, k;

	if (!in)
		len = 0;
	while (i < len) {
		size_t ws;
		enum marker m;

		while (i < len && name_space(s, len, i, &k))
			i += k;
		ws = i;
		while (i < len && !name_space(s, len, i, &k))
			i++;
		if (i == ws)
			break;
		m = marker_of(s + ws, i - ws);
		if (m == M_NONE)
			continue;
		before = trim_span(s, len, 0, ws);
		after = trim_span(s, len, i, len);
		if (before.len == 0 && after.len == 0)
			break;
		if (m == M_SPOUSE) {
			*birth = before.len ? before : none;
			*usage = after.len ? after : none;
		} else {
			*birth = after.len ? after : none;
			*usage = before.len ? before : none;
		}
		return 1;
	}
	*birth = trim_span(s, len, 0, len);
	*usage = none;
	return 0;
}
