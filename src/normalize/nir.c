/* NIR: the French social security number and its key (DESIGN.md §4).
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <stdint.h>
#include <string.h>

#include "normalize/internal.h"

static int nir_char_ok(const char *c, size_t i)
{
	if (c[i] >= '0' && c[i] <= '9')
		return 1;
	return i == 6 && c[5] == '2' && (c[6] == 'A' || c[6] == 'B');
}

/* Key of a validated, upper-cased body: 2A -> 19, 2B -> 18 for the computation. */
static int nir_key_raw(const char *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < 13; i++) {
		int d = c[i] - '0';
		if (i == 5 && c[6] >= 'A')
			d = 1;
		else if (i == 6 && c[6] >= 'A')
			d = c[6] == 'A' ? 9 : 8;
		n = n * 10 + (uint64_t)d;
	}
	return (int)(97 - n % 97);
}

int bc_nir_key(const char body[13])
{
	char c[13];
	int i;

	if (!body)
		return -1;
	for (i = 0; i < 13; i++) {
		c[i] = body[i];
		if (c[i] == 'a' || c[i] == 'b')
			c[i] = (char)(c[i] - 'a' + 'A');
	}
	for (i = 0; i < 13; i++)
		if (!nir_char_ok(c, (size_t)i))
			return -1;
	return nir_key_raw(c);
}

#define NIR_SCAN_MAX 32

int bc_norm_nir(const char *in, size_t len, char *out, size_t outsize, int *had_key)
{
	char c[NIR_SCAN_MAX];
	size_t n = 0, i = 0;
	int bad_format = 0, status;

	if (had_key)
		*had_key = 0;
	if (!out || outsize < BC_NIR_BYTES)
		return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
	if (!in)
		len = 0;
	while (i < len) {
		unsigned char b = (unsigned char)in[i];
		int32_t cp;
		size_t k;

		if (b < 0x80) {
			i++;
			if (b == ' ' || b == '.' || b == '-' || (b >= 0x09 && b <= 0x0D))
				continue;
			if (b >= 'a' && b <= 'z')
				b = (unsigned char)(b - 'a' + 'A');
			if (!((b >= '0' && b <= '9') || b == 'A' || b == 'B'))
				bad_format = 1;
			if (n < NIR_SCAN_MAX)
				c[n] = (char)b;
			n++;
			continue;
		}
		k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
		if (!k)
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
		i += k;
		if (bc_is_uspace(cp) || cp == 0x2010 || cp == 0x2011 || cp == 0x2012 ||
		    cp == 0x2013 || cp == 0x2212)
			continue;
		bad_format = 1;
		n++;
	}
	if (n == 0)
		return bc_norm_fail(out, outsize, BC_NORM_EMPTY);
	for (i = 0; i < n && i < NIR_SCAN_MAX && !bad_format; i++)
		if (!nir_char_ok(c, i))
			bad_format = 1;
	if (bad_format)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_FORMAT);
	if (n != 13 && n != 15)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_LENGTH);
	status = nir_key_raw(c);
	if (n == 15) {
		int key = (c[13] - '0') * 10 + (c[14] - '0');
		if (key != status)
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_KEY);
		if (had_key)
			*had_key = 1;
	}
	memcpy(out, c, 13);
	out[13] = '\0';
	return BC_NORM_OK;
}
