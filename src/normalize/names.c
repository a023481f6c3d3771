/* Last and given names: transliteration, case folding, separators (DESIGN.md §4).
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <string.h>
#include <utf8proc.h>

#include "normalize/internal.h"

/* Transliteration of DESIGN §4 (either case); NULL if cp is not one of them. */
static const char *translit(int32_t cp)
{
	switch (cp) {
	case 0x152: case 0x153: return "OE";
	case 0xC6: case 0xE6: return "AE";
	case 0xDF: case 0x1E9E: return "SS";
	case 0xD8: case 0xF8: return "O";
	case 0x141: case 0x142: return "L";
	case 0x110: case 0x111: return "D";
	case 0x131: return "I";
	case 0xD0: case 0xF0: return "D";
	case 0xDE: case 0xFE: return "TH";
	default: return NULL;
	}
}

struct sink {
	char *out;
	size_t size;
	size_t n;
	int overflow;
};

static inline void sink_put(struct sink *s, char ch)
{
	if (s->n + 1 < s->size && s->n + 1 < BC_NAME_MAX)
		s->out[s->n++] = ch;
	else
		s->overflow = 1;
}

static inline void name_ascii(struct sink *s, unsigned char b)
{
	if (b >= 'a' && b <= 'z')
		sink_put(s, (char)(b - 'a' + 'A'));
	else if ((b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
		sink_put(s, (char)b);
}

static void name_cp(struct sink *s, int32_t cp)
{
	utf8proc_int32_t d[32];
	utf8proc_ssize_t nd, j;
	int boundclass = UTF8PROC_BOUNDCLASS_START;
	const char *t = translit(cp);

	if (t) {
		for (; *t; t++)
			sink_put(s, *t);
		return;
	}
	nd = utf8proc_decompose_char(cp, d, 32, UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE, &boundclass);
	if (nd <= 0 || nd > 32)
		return;
	for (j = 0; j < nd; j++) {
		if (d[j] < 0x80) {
			name_ascii(s, (unsigned char)d[j]);
		} else if ((t = translit(d[j])) != NULL) {
			for (; *t; t++)
				sink_put(s, *t);
		}
		/* anything else (combining marks, other scripts, symbols) is dropped */
	}
}

/* Name core over in[0..len): appends to s; returns 0 or BC_NORM_INVALID_UTF8. */
static int name_append(struct sink *s, const char *in, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char b = (unsigned char)in[i];
		int32_t cp;
		size_t k;

		if (b < 0x80) {
			name_ascii(s, b);
			i++;
			continue;
		}
		k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
		if (!k)
			return BC_NORM_INVALID_UTF8;
		name_cp(s, cp);
		i += k;
	}
	return 0;
}

static int name_finish(struct sink *s, int st)
{
	if (st)
		return bc_norm_fail(s->out, s->size, st);
	if (s->overflow)
		return bc_norm_fail(s->out, s->size, BC_NORM_TOO_LONG);
	if (s->n == 0)
		return bc_norm_fail(s->out, s->size, BC_NORM_EMPTY);
	s->out[s->n] = '\0';
	return BC_NORM_OK;
}

int bc_norm_last_name(const char *in, size_t len, char *out, size_t outsize)
{
	struct sink s = { out, outsize, 0, 0 };

	if (!out || outsize == 0)
		return BC_NORM_TOO_LONG;
	if (!in)
		len = 0;
	return name_finish(&s, name_append(&s, in, len));
}

/* Separators between given names: white space, dashes, and list punctuation. */
static int given_sep(int32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == '-' || cp == ',' ||
		       cp == ';' || cp == '/' || cp == '+' || cp == '&' || cp == '(' ||
		       cp == ')' || cp == '_';
	return bc_is_uspace(cp) || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 ||
	       cp == 0xFE63 || cp == 0xFF0D;
}

int bc_norm_first_name(const char *in, size_t len, char *out, size_t outsize)
{
	struct sink s = { out, outsize, 0, 0 };
	size_t i = 0;

	if (!out || outsize == 0)
		return BC_NORM_TOO_LONG;
	if (!in)
		len = 0;
	/* The first token that normalises to something non-empty. */
	while (i < len) {
		size_t start, k = 1;
		int32_t cp = 0;
		int st;

		while (i < len) {
			k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
			if (!given_sep(cp))
				break;
			i += k;
		}
		start = i;
		while (i < len) {
			k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
			if (given_sep(cp))
				break;
			i += k;
		}
		st = name_append(&s, in + start, i - start);
		if (st || s.overflow || s.n > 0)
			return name_finish(&s, st);
	}
	return name_finish(&s, 0);
}
