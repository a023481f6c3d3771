/* Date of birth: the accepted spellings and the calendar checks (DESIGN.md §4).
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <string.h>
#include <time.h>

#include "normalize/internal.h"

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads 1..maxd digits at s[*i]; returns the value or -1. */
static int read_num(const char *s, size_t n, size_t *i, size_t mind, size_t maxd, size_t *nd)
{
	int v = 0;
	size_t k = 0;

	while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	if (k < mind)
		return -1;
	if (nd)
		*nd = k;
	return v;
}

/* A time after the date: [ T]+ then only digits and ":.,+-Z " with at least one ':'. */
static int time_suffix_ok(const char *s, size_t n, size_t i)
{
	int colon = 0;

	if (i == n)
		return 1;
	if (s[i] != ' ' && s[i] != 'T' && s[i] != 't')
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == 'T' || s[i] == 't'))
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return 0;
	for (; i < n; i++) {
		char ch = s[i];
		if (ch == ':')
			colon = 1;
		else if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == ',' || ch == '+' ||
			   ch == '-' || ch == 'Z' || ch == 'z' || ch == ' '))
			return 0;
	}
	return colon;
}

static long civil(int y, int m, int d)
{
	return (long)y * 10000L + m * 100L + d;
}

/* Range and calendar checks; yy2 != 0 means a two-digit year to place in the past. */
static int dob_check(int y, int m, int d, int yy2, int ry, int rm, int rd, char *out, size_t outsize)
{
	int incomplete;

	if (m > 12 || d > 31 || y < 0)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
	incomplete = (m == 0 || d == 0);
	if (yy2) {
		y += 2000;
		if (y > ry || (!incomplete && civil(y, m, d) > civil(ry, rm, rd)))
			y -= 100;
	}
	if (y < 1890 || y > ry)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
	if (incomplete)
		return bc_norm_fail(out, outsize, BC_NORM_INCOMPLETE_DATE);
	if (d > days_in_month(y, m))
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
	if (civil(y, m, d) > civil(ry, rm, rd))
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return BC_NORM_OK;
}

#define DOB_SCAN_MAX 64

int bc_norm_dob(const char *in, size_t len, const struct tm *ref, char *out, size_t outsize)
{
	char s[DOB_SCAN_MAX];
	size_t n = 0, i = 0, nd;
	int ry, rm, rd, a, b, c;

	if (!out || outsize < BC_DOB_BYTES)
		return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
	if (!in)
		len = 0;
	if (ref) {
		ry = ref->tm_year + 1900;
		rm = ref->tm_mon + 1;
		rd = ref->tm_mday;
	} else {
		struct tm now;
		time_t t = time(NULL);
		gmtime_r(&t, &now);
		ry = now.tm_year + 1900;
		rm = now.tm_mon + 1;
		rd = now.tm_mday;
	}
	/* Trim Unicode white space; the rest must be ASCII. */
	{
		size_t start = 0, end = 0;
		int seen = 0;
		while (i < len) {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
			if (!bc_is_uspace(cp)) {
				if (!seen)
					start = i;
				seen = 1;
				end = i + k;
				if (cp >= 0x80)
					return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
			}
			i += k;
		}
		if (!seen)
			return bc_norm_fail(out, outsize, BC_NORM_EMPTY);
		if (end - start > DOB_SCAN_MAX)
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
		for (i = start; i < end; i++) {
			char ch = in[i];
			s[n++] = (ch >= 0x09 && ch <= 0x0D) ? ' ' : ch;
		}
	}
	i = 0;
	a = read_num(s, n, &i, 1, 8, &nd);
	if (a < 0)
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
	if (nd == 8 && i == n) {
		/* YYYYMMDD when that reading is a plausible date, else DDMMYYYY. */
		int y1 = a / 10000, m1 = a / 100 % 100, d1 = a % 100;
		if (y1 >= 1890 && m1 <= 12 && d1 <= 31)
			return dob_check(y1, m1, d1, 0, ry, rm, rd, out, outsize);
		return dob_check(a % 10000, a / 10000 % 100, a / 1000000, 0, ry, rm, rd, out, outsize);
	}
	if (nd == 4 && i < n && s[i] == '-') {
		i++;
		b = read_num(s, n, &i, 1, 2, NULL);
		if (b < 0 || i >= n || s[i] != '-')
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
		i++;
		c = read_num(s, n, &i, 1, 2, NULL);
		if (c < 0 || (i < n && s[i] >= '0' && s[i] <= '9') || !time_suffix_ok(s, n, i))
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
		return dob_check(a, b, c, 0, ry, rm, rd, out, outsize);
	}
	if (nd <= 2 && i < n && (s[i] == '/' || s[i] == '-' || s[i] == '.')) {
		char sep = s[i++];
		b = read_num(s, n, &i, 1, 2, NULL);
		if (b < 0 || i >= n || s[i] != sep)
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
		i++;
		c = read_num(s, n, &i, 2, 4, &nd);
		if (c < 0 || nd == 3 || (i < n && s[i] >= '0' && s[i] <= '9') ||
		    !time_suffix_ok(s, n, i))
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
		return dob_check(c, b, a, nd == 2, ry, rm, rd, out, outsize);
	}
	return bc_norm_fail(out, outsize, BC_NORM_INVALID_DATE);
}
