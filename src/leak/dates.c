/*
 * Dates as leaks write them (docs/leak-files.md step 4): sample dates in
 * the usual spellings, compact dates, and dates of birth in words. Split
 * from row.c, which reads a row field by field.
 */
#include "leak/row.h"

#include <stdio.h>
#include <string.h>

/* Parse a sample date: D/M/YYYY, D-M-YYYY, D.M.YYYY, YYYY-MM-DD[...], D/M/YY; anything may follow. */
int leak_parse_sample_date(const char *s, size_t n, int *y, int *m, int *d)
{
	unsigned v[3] = { 0, 0, 0 }, nd[3] = { 0, 0, 0 };
	size_t i = 0;
	int k = 0;

	while (i < n) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (nd[k] >= 4)
				return -1;
			v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
			nd[k]++;
			i++;
			continue;
		}
		if (!nd[k] || k == 2)
			break;
		if (s[i] != '/' && s[i] != '-' && s[i] != '.')
			return -1;
		k++;
		i++;
	}
	if (k < 2 || !nd[2])
		return -1;
	if (nd[0] == 4) {
		*y = (int)v[0];
		*m = (int)v[1];
		*d = (int)v[2];
	} else {
		*d = (int)v[0];
		*m = (int)v[1];
		*y = (int)v[2];
		if (nd[2] == 2)
			*y += *y >= 70 ? 1900 : 2000;
		else if (nd[2] != 4)
			return -1;
	}
	if (*m < 1 || *m > 12 || *d < 1 || *d > 31 || *y < 1900 || *y > 2199)
		return -1;
	return 0;
}

int leak_parse_compact_date(const char *s, size_t n, int *y, int *m, int *d)
{
	size_t i;

	if (n != 8)
		return -1;
	for (i = 0; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[4] - '0') * 10 + (s[5] - '0');
	*d = (s[6] - '0') * 10 + (s[7] - '0');
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
		/* DDMMYYYY */
		*d = (s[0] - '0') * 10 + (s[1] - '0');
		*m = (s[2] - '0') * 10 + (s[3] - '0');
		*y = (s[4] - '0') * 1000 + (s[5] - '0') * 100 + (s[6] - '0') * 10 + (s[7] - '0');
		if (*y < 1900 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
			return -1;
	}
	return 0;
}

/* Lowercase ASCII letters of a word, accents of é/è/û/ô dropped (for month names). */
static size_t fold_word(const char *s, size_t n, size_t *i, char *out, size_t outsize)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*i < n && o + 1 < outsize) {
		if ((p[*i] | 0x20) >= 'a' && (p[*i] | 0x20) <= 'z') {
			out[o++] = (char)(p[*i] | 0x20);
			(*i)++;
		} else if (p[*i] == 0xC3 && *i + 1 < n && p[*i + 1] >= 0x80 && p[*i + 1] <= 0xBF) {
			unsigned c = p[*i + 1] & 0x1F;

			out[o++] = "aaaaaaaceeeeiiiidnooooo.ouuuuyty"[c];
			*i += 2;
		} else {
			break;
		}
	}
	out[o] = '\0';
	return o;
}

/*
 * A date of birth written in words or with spaces: "[née le] 3 juillet 1985",
 * "1er janv. 1985", "12-mars-85", "12 03 1985", "[née en] mars 1985" (day 00:
 * incomplete). Day first only ("July 3, 1985" is not understood). Writes "DD/MM/YYYY" (or YY)
 * into out (32 bytes); returns 0, or -1 if it is not such a date.
 */
int leak_dob_in_words(const char *s, size_t n, char out[32])
{
	static const char *const months[12][4] = {
		{ "janvier", "janv", "jan", "january" }, { "fevrier", "fevr", "fev", "february" },
		{ "mars", "mar", "march", "" }, { "avril", "avr", "apr", "april" },
		{ "mai", "may", "", "" }, { "juin", "jun", "june", "" },
		{ "juillet", "juil", "jul", "july" }, { "aout", "aou", "aug", "august" },
		{ "septembre", "sept", "sep", "september" }, { "octobre", "oct", "october", "" },
		{ "novembre", "nov", "november", "" }, { "decembre", "dec", "december", "" },
	};
	char w[16];
	size_t i = 0, wn, nd;
	unsigned day = 0, year = 0, month = 0, ydigits = 0, m, k;
	int state = 0;

	while (i < n) {
		const unsigned char c = (unsigned char)s[i];

		if (c >= '0' && c <= '9') {
			unsigned v = 0;

			for (nd = 0; i < n && s[i] >= '0' && s[i] <= '9' && nd < 5; nd++, i++)
				v = v * 10 + (unsigned)(s[i] - '0');
			if (state == 0 && nd <= 2 && v >= 1 && v <= 31) {
				day = v;
				state = 1;
				if (i + 1 < n && (s[i] | 0x20) == 'e' && (s[i + 1] | 0x20) == 'r')
					i += 2;   /* 1er */
			} else if (state == 1 && nd <= 2 && v >= 1 && v <= 12) {
				month = v;  /* "12 03 1985" */
				state = 2;
			} else if (state == 2 && (nd == 4 || nd == 2)) {
				year = v;
				ydigits = (unsigned)nd;
				state = 3;
			} else {
				return -1;
			}
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? 1 : c == 0xC3) {
			wn = fold_word(s, n, &i, w, sizeof(w));
			if (!wn)
				return -1;
			for (m = 0; m < 12 && (state == 0 || state == 1) && !month; m++)
				for (k = 0; k < 4; k++)
					if (months[m][k][0] && !strcmp(w, months[m][k]))
						month = m + 1;
			if (month && (state == 0 || state == 1)) {
				state = 2;  /* "mars 1985": day 00, an incomplete date */
			} else if (state != 0 || !(leak_ieq(w, wn, "ne") || leak_ieq(w, wn, "nee") ||
						    leak_ieq(w, wn, "le") || leak_ieq(w, wn, "en") ||
						    leak_ieq(w, wn, "born") || leak_ieq(w, wn, "on"))) {
				return -1;
			}
		} else if (c == ' ' || c == '.' || c == ',' || c == '(' || c == ')' || c == '-' ||
			   c == '\t') {
			i++;
		} else {
			return -1;
		}
	}
	if (state != 3)
		return -1;
	if (ydigits == 4)
		snprintf(out, 32, "%02u/%02u/%04u", day, month, year);
	else
		snprintf(out, 32, "%02u/%02u/%02u", day, month, year);
	return 0;
}

int leak_parse_date(const char *s, size_t n, int *y, int *m, int *d)
{
	return leak_parse_sample_date(s, n, y, m, d) == 0 || leak_parse_compact_date(s, n, y, m, d) == 0 ? 0 : -1;
}
