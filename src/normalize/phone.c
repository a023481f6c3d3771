/* Phone numbers: French national and overseas numbers to E.164 (DESIGN.md §4).
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <string.h>

#include "normalize/internal.h"

#define PHONE_DIGITS_MAX 20

/* French overseas mapping of a 9-digit national significant number; returns the country code. */
static const char *fr_country(const char *nsn)
{
	static const struct {
		const char p[4];
		const char cc[4];
	} map[] = {
		{ "262", "262" }, { "692", "262" }, { "693", "262" }, { "269", "262" },
		{ "639", "262" }, { "590", "590" }, { "690", "590" }, { "594", "594" },
		{ "694", "594" }, { "596", "596" }, { "696", "596" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (memcmp(nsn, map[i].p, 3) == 0)
			return map[i].cc;
	return "33";
}

static int phone_emit(const char *cc, const char *nsn, size_t nlen, char *out, size_t outsize)
{
	size_t cl = strlen(cc), total = 1 + cl + nlen;

	if (cl + nlen > 15 || total + 1 > outsize)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
	out[0] = '+';
	memcpy(out + 1, cc, cl);
	memcpy(out + 1 + cl, nsn, nlen);
	out[total] = '\0';
	return BC_NORM_OK;
}

/* A French NSN: 9 digits, first digit 1-9. */
static int fr_emit(const char *nsn, size_t nlen, char *out, size_t outsize)
{
	if (nlen != 9 || nsn[0] == '0')
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
	return phone_emit(fr_country(nsn), nsn, 9, out, outsize);
}

static int is_fr_cc(const char *d, size_t n, size_t *cl)
{
	if (n >= 2 && d[0] == '3' && d[1] == '3') {
		*cl = 2;
		return 1;
	}
	if (n >= 3 && (memcmp(d, "262", 3) == 0 || memcmp(d, "590", 3) == 0 ||
		       memcmp(d, "594", 3) == 0 || memcmp(d, "596", 3) == 0)) {
		*cl = 3;
		return 1;
	}
	return 0;
}

/* An overseas country code written explicitly (+262, +590, +594, +596): 9-digit NSN. */
static int dom_emit(const char *d, const char *nsn, size_t nl, char *out, size_t outsize)
{
	char cc[4];

	if (nl != 9 || nsn[0] == '0')
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
	memcpy(cc, d, 3);
	cc[3] = '\0';
	return phone_emit(cc, nsn, nl, out, outsize);
}

int bc_norm_phone(const char *in, size_t len, char *out, size_t outsize)
{
	char d[PHONE_DIGITS_MAX];
	size_t nd = 0, i = 0, cl;
	int plus = 0, started = 0;

	if (!out || outsize < BC_PHONE_BYTES)
		return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
	if (!in)
		len = 0;
	/* Skip a leading label ("tel:", "Tél. ", "portable :") up to the first digit or '+'. */
	while (i < len) {
		unsigned char ch = (unsigned char)in[i];
		if ((ch >= '0' && ch <= '9') || ch == '+')
			break;
		if (ch >= 0x80) {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
			i += k;
			continue;
		}
		i++;
	}
	while (i < len) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= '0' && ch <= '9') {
			if (nd >= PHONE_DIGITS_MAX)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
			d[nd++] = (char)ch;
			started = 1;
			i++;
		} else if (ch == '+') {
			if (started || plus)
				break;
			plus = 1;
			i++;
		} else if (ch == '(') {
			/* "(0)" right after an international prefix is the trunk 0: drop it. */
			size_t j = i + 1;
			while (j < len && in[j] == ' ')
				j++;
			if (j < len && in[j] == '0') {
				size_t z = j + 1;
				while (z < len && in[z] == ' ')
					z++;
				if (z < len && in[z] == ')' && (plus || (nd >= 2 && d[0] == '0' && d[1] == '0'))) {
					i = z + 1;
					continue;
				}
			}
			i++;
		} else if (ch == ' ' || ch == '.' || ch == '-' || ch == ')' || ch == '\t') {
			i++;
		} else if (ch == 0xC2 && i + 1 < len && (unsigned char)in[i + 1] == 0xA0) {
			i += 2; /* no-break space */
		} else if (ch == 0xE2 && i + 2 < len && (unsigned char)in[i + 1] == 0x80 &&
			   ((unsigned char)in[i + 2] == 0xAF || (unsigned char)in[i + 2] == 0x89)) {
			i += 3; /* narrow no-break space, thin space */
		} else {
			break; /* trailing words, a second number after '/', ',', ';' ... */
		}
	}
	if (nd == 0)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
	if (!plus && nd >= 2 && d[0] == '0' && d[1] == '0') {
		plus = 1;
		memmove(d, d + 2, nd - 2);
		nd -= 2;
	}
	if (plus) {
		if (is_fr_cc(d, nd, &cl)) {
			const char *nsn = d + cl;
			size_t nl = nd - cl;
			if (nl == 10 && nsn[0] == '0') {
				nsn++;
				nl--;
			}
			if (cl == 2)
				return fr_emit(nsn, nl, out, outsize);
			return dom_emit(d, nsn, nl, out, outsize);
		}
		if (d[0] == '0' || nd < 7 || nd > 15)
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
		return phone_emit("", d, nd, out, outsize);
	}
	if (nd == 10 && d[0] == '0')
		return fr_emit(d + 1, 9, out, outsize);
	if (nd == 9 && d[0] != '0')
		return fr_emit(d, 9, out, outsize);
	if (nd == 11 && d[0] == '3' && d[1] == '3')
		return fr_emit(d + 2, 9, out, outsize);
	if (nd == 12 && d[0] == '3' && d[1] == '3' && d[2] == '0')
		return fr_emit(d + 3, 9, out, outsize);
	if (nd == 12 && is_fr_cc(d, nd, &cl) && cl == 3)
		return dom_emit(d, d + 3, 9, out, outsize);
	return bc_norm_fail(out, outsize, BC_NORM_INVALID_PHONE);
}
