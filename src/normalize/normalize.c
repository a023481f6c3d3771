/* Canonical forms of identifiers (DESIGN.md §4). See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <string.h>
#include <idn2.h>
#include <stdint.h>
#include <utf8proc.h>

#include "normalize/utf8_internal.h"
#include "normalize/idna_table.h"

static int fail(char *out, size_t outsize, int status)
{
	if (out && outsize)
		out[0] = '\0';
	return status;
}

const char *bc_norm_reason(int status)
{
	switch (status) {
	case BC_NORM_OK: return "ok";
	case BC_NORM_EMPTY: return "empty";
	case BC_NORM_INVALID_KEY: return "invalid_key";
	case BC_NORM_INVALID_FORMAT: return "invalid_format";
	case BC_NORM_INVALID_LENGTH: return "invalid_length";
	case BC_NORM_INVALID_DATE: return "invalid_date";
	case BC_NORM_INCOMPLETE_DATE: return "incomplete_date";
	case BC_NORM_INVALID_EMAIL: return "invalid_email";
	case BC_NORM_INVALID_PHONE: return "invalid_phone";
	case BC_NORM_INVALID_UTF8: return "invalid_utf8";
	case BC_NORM_TOO_LONG: return "too_long";
	default: return "unknown";
	}
}

const char *bc_norm_message(int status, const char *lang)
{
	int fr = lang && (lang[0] == 'f' || lang[0] == 'F') && (lang[1] == 'r' || lang[1] == 'R') &&
		 (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');

	switch (status) {
	case BC_NORM_OK:
		return fr ? "valeur acceptée" : "value accepted";
	case BC_NORM_EMPTY:
		return fr ? "champ vide : saisissez une valeur"
			  : "field is empty: enter a value";
	case BC_NORM_INVALID_KEY:
		return fr ? "la clé du numéro de sécurité sociale ne correspond pas : relisez les deux derniers chiffres"
			  : "NIR key does not match: read the last two digits again";
	case BC_NORM_INVALID_FORMAT:
		return fr ? "numéro de sécurité sociale mal formé : seulement des chiffres, avec 2A ou 2B possible en 6e-7e position"
			  : "NIR malformed: digits only, with 2A or 2B allowed at positions 6-7";
	case BC_NORM_INVALID_LENGTH:
		return fr ? "numéro de sécurité sociale de longueur incorrecte : 13 caractères, ou 15 avec la clé"
			  : "NIR has the wrong length: 13 characters, or 15 with the key";
	case BC_NORM_INVALID_DATE:
		return fr ? "date de naissance non comprise : utilisez JJ/MM/AAAA"
			  : "date of birth not understood: use DD/MM/YYYY";
	case BC_NORM_INCOMPLETE_DATE:
		return fr ? "date de naissance incomplète (jour ou mois 00) : indiquez la date complète JJ/MM/AAAA"
			  : "date of birth incomplete (day or month 00): give the full date DD/MM/YYYY";
	case BC_NORM_INVALID_EMAIL:
		return fr ? "adresse électronique non valide : une seule @ et un domaine avec un point, par exemple nom@example.fr"
			  : "email address not valid: one @ and a domain with a dot, e.g. name@example.org";
	case BC_NORM_INVALID_PHONE:
		return fr ? "numéro de téléphone non compris : 10 chiffres commençant par 0, ou format international +33…"
			  : "phone number not understood: 10 digits starting with 0, or international format +33…";
	case BC_NORM_INVALID_UTF8:
		return fr ? "texte mal encodé (UTF-8 non valide) : ressaisissez la valeur"
			  : "text is not valid UTF-8: type the value again";
	case BC_NORM_TOO_LONG:
		return fr ? "valeur trop longue" : "value too long";
	default:
		return fr ? "valeur non valide" : "value not valid";
	}
}

/* ---------------------------------------------------------------- NIR */

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
		return fail(out, outsize, BC_NORM_TOO_LONG);
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
			return fail(out, outsize, BC_NORM_INVALID_UTF8);
		i += k;
		if (bc_is_uspace(cp) || cp == 0x2010 || cp == 0x2011 || cp == 0x2012 ||
		    cp == 0x2013 || cp == 0x2212)
			continue;
		bad_format = 1;
		n++;
	}
	if (n == 0)
		return fail(out, outsize, BC_NORM_EMPTY);
	for (i = 0; i < n && i < NIR_SCAN_MAX && !bad_format; i++)
		if (!nir_char_ok(c, i))
			bad_format = 1;
	if (bad_format)
		return fail(out, outsize, BC_NORM_INVALID_FORMAT);
	if (n != 13 && n != 15)
		return fail(out, outsize, BC_NORM_INVALID_LENGTH);
	status = nir_key_raw(c);
	if (n == 15) {
		int key = (c[13] - '0') * 10 + (c[14] - '0');
		if (key != status)
			return fail(out, outsize, BC_NORM_INVALID_KEY);
		if (had_key)
			*had_key = 1;
	}
	memcpy(out, c, 13);
	out[13] = '\0';
	return BC_NORM_OK;
}

/* ---------------------------------------------------------------- names */

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
		return fail(s->out, s->size, st);
	if (s->overflow)
		return fail(s->out, s->size, BC_NORM_TOO_LONG);
	if (s->n == 0)
		return fail(s->out, s->size, BC_NORM_EMPTY);
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
				return fail(out, outsize, BC_NORM_INVALID_UTF8);
			if (!given_sep(cp))
				break;
			i += k;
		}
		start = i;
		while (i < len) {
			k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k)
				return fail(out, outsize, BC_NORM_INVALID_UTF8);
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

/* ---------------------------------------------------------------- date of birth */

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
		return fail(out, outsize, BC_NORM_INVALID_DATE);
	incomplete = (m == 0 || d == 0);
	if (yy2) {
		y += 2000;
		if (y > ry || (!incomplete && civil(y, m, d) > civil(ry, rm, rd)))
			y -= 100;
	}
	if (y < 1890 || y > ry)
		return fail(out, outsize, BC_NORM_INVALID_DATE);
	if (incomplete)
		return fail(out, outsize, BC_NORM_INCOMPLETE_DATE);
	if (d > days_in_month(y, m))
		return fail(out, outsize, BC_NORM_INVALID_DATE);
	if (civil(y, m, d) > civil(ry, rm, rd))
		return fail(out, outsize, BC_NORM_INVALID_DATE);
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
		return fail(out, outsize, BC_NORM_TOO_LONG);
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
				return fail(out, outsize, BC_NORM_INVALID_UTF8);
			if (!bc_is_uspace(cp)) {
				if (!seen)
					start = i;
				seen = 1;
				end = i + k;
				if (cp >= 0x80)
					return fail(out, outsize, BC_NORM_INVALID_DATE);
			}
			i += k;
		}
		if (!seen)
			return fail(out, outsize, BC_NORM_EMPTY);
		if (end - start > DOB_SCAN_MAX)
			return fail(out, outsize, BC_NORM_INVALID_DATE);
		for (i = start; i < end; i++) {
			char ch = in[i];
			s[n++] = (ch >= 0x09 && ch <= 0x0D) ? ' ' : ch;
		}
	}
	i = 0;
	a = read_num(s, n, &i, 1, 8, &nd);
	if (a < 0)
		return fail(out, outsize, BC_NORM_INVALID_DATE);
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
			return fail(out, outsize, BC_NORM_INVALID_DATE);
		i++;
		c = read_num(s, n, &i, 1, 2, NULL);
		if (c < 0 || (i < n && s[i] >= '0' && s[i] <= '9') || !time_suffix_ok(s, n, i))
			return fail(out, outsize, BC_NORM_INVALID_DATE);
		return dob_check(a, b, c, 0, ry, rm, rd, out, outsize);
	}
	if (nd <= 2 && i < n && (s[i] == '/' || s[i] == '-' || s[i] == '.')) {
		char sep = s[i++];
		b = read_num(s, n, &i, 1, 2, NULL);
		if (b < 0 || i >= n || s[i] != sep)
			return fail(out, outsize, BC_NORM_INVALID_DATE);
		i++;
		c = read_num(s, n, &i, 2, 4, &nd);
		if (c < 0 || nd == 3 || (i < n && s[i] >= '0' && s[i] <= '9') ||
		    !time_suffix_ok(s, n, i))
			return fail(out, outsize, BC_NORM_INVALID_DATE);
		return dob_check(c, b, a, nd == 2, ry, rm, rd, out, outsize);
	}
	return fail(out, outsize, BC_NORM_INVALID_DATE);
}

/* ---------------------------------------------------------------- email */

#define EMAIL_IN_MAX 1024

/*
 * Trim Unicode white space at both ends of [*b, *e). Only the edges are
 * decoded; the caller validates what is left. Returns 0 or INVALID_UTF8.
 */
static int trim_uspace(const char *in, size_t *b, size_t *e)
{
	size_t lo = *b, hi = *e;

	while (lo < hi) {
		unsigned char c = (unsigned char)in[lo];
		int32_t cp;
		size_t k;

		if (c < 0x80) {
			if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
				lo++;
				continue;
			}
			break;
		}
		k = bc_utf8_decode((const unsigned char *)in + lo, hi - lo, &cp);
		if (!k)
			return BC_NORM_INVALID_UTF8;
		if (!bc_is_uspace(cp))
			break;
		lo += k;
	}
	while (hi > lo) {
		unsigned char c = (unsigned char)in[hi - 1];
		size_t start = hi - 1;
		int32_t cp = 0;

		if (c < 0x80) {
			if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
				hi--;
				continue;
			}
			break;
		}
		while (start > lo && hi - start < 4 && ((unsigned char)in[start] & 0xC0) == 0x80)
			start--;
		if (bc_utf8_decode((const unsigned char *)in + start, hi - start, &cp) != hi - start ||
		    !bc_is_uspace(cp))
			break;
		hi = start;
	}
	*b = lo;
	*e = hi;
	return 0;
}

static int prefix_ci(const char *s, size_t n, const char *p)
{
	size_t i;
	for (i = 0; p[i]; i++) {
		char ch;
		if (i >= n)
			return 0;
		ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != p[i])
			return 0;
	}
	return 1;
}

/*
 * Characters, one '@', non-empty local part, domain with a dot and no empty
 * label. *nfc is set to 1 when s is known to be NFC already (every code point
 * below U+0300: starters that compose with nothing below U+0300).
 */
static int email_check(const char *s, size_t n, int *nfc)
{
	size_t i, at = 0, n_at = 0, dots = 0, lab = 0;

	*nfc = 1;
	for (i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80) {
			if (ch <= 0x20 || ch == 0x7F || ch == '<' || ch == '>' || ch == ',' || ch == ';')
				return BC_NORM_INVALID_EMAIL;
			if (ch == '@') {
				n_at++;
				at = i;
			}
			i++;
		} else {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)s + i, n - i, &cp);
			if (!k)
				return BC_NORM_INVALID_UTF8;
			if (bc_is_uspace(cp) || (cp >= 0x80 && cp < 0xA0))
				return BC_NORM_INVALID_EMAIL;
			if (cp >= 0x300)
				*nfc = 0;
			i += k;
		}
	}
	if (n_at != 1 || at == 0 || at + 1 >= n)
		return BC_NORM_INVALID_EMAIL;
	for (i = at + 1; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return BC_NORM_INVALID_EMAIL;
			dots++;
			lab = 0;
		} else {
			lab++;
		}
	}
	if (lab == 0 || dots == 0)
		return BC_NORM_INVALID_EMAIL;
	return 0;
}

/* NFC of s[0..n) into buf (capacity cap code points); returns the UTF-8 length in buf or a BC_NORM_ error. */
static long email_nfc(const char *s, size_t n, utf8proc_int32_t *buf, size_t cap)
{
	utf8proc_ssize_t nd, nb;

	nd = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf,
				(utf8proc_ssize_t)cap, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (nd < 0)
		return BC_NORM_INVALID_UTF8;
	if (nd > (utf8proc_ssize_t)cap)
		return BC_NORM_TOO_LONG;
	nb = utf8proc_reencode(buf, nd, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (nb < 0)
		return BC_NORM_INVALID_UTF8;
	return (long)nb;
}

static int idna_ok_cp(uint32_t cp)
{
	size_t lo = 0, hi = sizeof bc_idna_ok / sizeof bc_idna_ok[0];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < bc_idna_ok[mid][0])
			hi = mid;
		else if (cp > bc_idna_ok[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * The rules both sides apply to the A-label form of a non-ASCII domain, so
 * that libidn2 (IDNA2008 after UTS #46) and the WHATWG host parser (UTS #46
 * only) accept the same domains (docs/normalization.md): LDH labels of 1..63
 * bytes, no hyphen at either end, "--" at positions 3-4 only in "xn--", a
 * last label that is not a number (the URL parser would read an IPv4
 * address), and every "xn--" label decoding to code points of the table
 * under the same hyphen rules.
 */
static int idna_result_ok(const char *a)
{
	const char *lab = a;

	if (strlen(a) > 253)
		return 0;
	for (;;) {
		const char *end = strchr(lab, '.');
		size_t n = end ? (size_t)(end - lab) : strlen(lab), i;
		int digits = 1;

		if (n == 0 || n > 63 || lab[0] == '-' || lab[n - 1] == '-')
			return 0;
		for (i = 0; i < n; i++) {
			char c = lab[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return 0;
			if (!(c >= '0' && c <= '9'))
				digits = 0;
		}
		if (n >= 4 && lab[2] == '-' && lab[3] == '-') {
			char label[64], *u = NULL;
			const unsigned char *p;
			int ok = 1;

			if (lab[0] != 'x' || lab[1] != 'n')
				return 0;
			memcpy(label, lab, n);
			label[n] = '\0';
			if (idn2_to_unicode_8z8z(label, &u, 0) != IDN2_OK || !u) {
				idn2_free(u);
				return 0;
			}
			/* the U-label under the same hyphen rules (IDNA2008 checks them, UTS #46 here does not) */
			if (!u[0] || u[0] == '-' || u[strlen(u) - 1] == '-' ||
			    (strlen(u) >= 4 && u[2] == '-' && u[3] == '-'))
				ok = 0;
			for (p = (const unsigned char *)u; *p && ok;) {
				int32_t cp;
				size_t k = bc_utf8_decode(p, strlen((const char *)p), &cp);
				if (!k || (cp >= 0x80 && !idna_ok_cp((uint32_t)cp)))
					ok = 0;
				p += k ? k : 1;
			}
			idn2_free(u);
			if (!ok)
				return 0;
		}
		if (!end) {
			if (digits || (n >= 2 && lab[0] == '0' && lab[1] == 'x'))
				return 0; /* the WHATWG parser reads these as IPv4 */
			return 1;
		}
		lab = end + 1;
	}
}

int bc_norm_email(const char *in, size_t len, char *out, size_t outsize)
{
	size_t b = 0, e, i, n, at;
	int round, ascii, st;

	if (!out || outsize == 0)
		return BC_NORM_TOO_LONG;
	if (!in)
		len = 0;
	e = len;
	/* Peel white space, "mailto:" and "<...>" in any order and number, so the result is a fixed point. */
	for (round = 1; round;) {
		round = 0;
		if (trim_uspace(in, &b, &e))
			return fail(out, outsize, BC_NORM_INVALID_UTF8);
		if (prefix_ci(in + b, e - b, "mailto:")) {
			b += 7;
			round = 1;
		}
		if (e - b >= 2 && in[b] == '<' && in[e - 1] == '>') {
			b++;
			e--;
			round = 1;
		}
	}
	if (trim_uspace(in, &b, &e))
		return fail(out, outsize, BC_NORM_INVALID_UTF8);
	n = e - b;
	if (n == 0)
		return fail(out, outsize, BC_NORM_EMPTY);
	if (n > EMAIL_IN_MAX)
		return fail(out, outsize, BC_NORM_TOO_LONG);
	/* Drop one trailing dot of the domain. */
	if (in[e - 1] == '.') {
		e--;
		n--;
	}
	st = email_check(in + b, n, &ascii);
	if (st)
		return fail(out, outsize, st);
	if (bc_is_ascii(in + b, n)) { /* no utf8proc or libidn2 call */
		if (n + 1 > outsize || n >= BC_EMAIL_MAX)
			return fail(out, outsize, BC_NORM_TOO_LONG);
		for (i = 0; i < n; i++) {
			char ch = in[b + i];
			out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
		}
		out[n] = '\0';
		return BC_NORM_OK;
	}
	{
		utf8proc_int32_t buf[EMAIL_IN_MAX * 4];
		char whole[EMAIL_IN_MAX * 4 + 1], local[EMAIL_IN_MAX * 8], *domain, *alabel = NULL;
		size_t ln = 0, dn, wn;
		long nb;

		nb = email_nfc(in + b, n, buf, sizeof buf / sizeof buf[0]);
		if (nb < 0)
			return fail(out, outsize, (int)nb);
		if ((size_t)nb >= sizeof whole)
			return fail(out, outsize, BC_NORM_TOO_LONG);
		wn = (size_t)nb;
		memcpy(whole, buf, wn);
		whole[wn] = '\0';
		/* NFC can make a character invalid here (U+037E is ';'): check again */
		st = email_check(whole, wn, &round);
		if (st)
			return fail(out, outsize, st);
		at = (size_t)(strchr(whole, '@') - whole);
		/* Local part: every letter by its simple lowercase mapping, then NFC again. */
		for (i = 0; i < at;) {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)whole + i, at - i, &cp);
			if (!k)
				return fail(out, outsize, BC_NORM_INVALID_UTF8);
			ln += bc_utf8_encode(utf8proc_tolower(cp), (unsigned char *)local + ln);
			i += k;
		}
		nb = email_nfc(local, ln, buf, sizeof buf / sizeof buf[0]);
		if (nb < 0)
			return fail(out, outsize, (int)nb);
		if ((size_t)nb >= sizeof local)
			return fail(out, outsize, BC_NORM_TOO_LONG);
		ln = (size_t)nb;
		memcpy(local, buf, ln);
		domain = whole + at + 1;
		dn = wn - at - 1;
		if (bc_is_ascii(domain, dn)) {
			for (i = 0; i < dn; i++)
				if (domain[i] >= 'A' && domain[i] <= 'Z')
					domain[i] = (char)(domain[i] - 'A' + 'a');
		} else {
			/* Only letters, digits, '-' and '.' beside the non-ASCII ones: what a host name holds. */
			/* and non-ASCII ones that libidn2 knows: the page's newer Unicode maps more */
			for (i = 0; i < dn;) {
				unsigned char c = (unsigned char)domain[i];
				int32_t cp;
				size_t k;

				if (c < 0x80) {
					if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					      (c >= '0' && c <= '9') || c == '-' || c == '.'))
						return fail(out, outsize, BC_NORM_INVALID_EMAIL);
					i++;
					continue;
				}
				k = bc_utf8_decode((const unsigned char *)domain + i, dn - i, &cp);
				if (!k || !idna_ok_cp((uint32_t)cp))
					return fail(out, outsize, BC_NORM_INVALID_EMAIL);
				i += k;
			}
			if (idn2_lookup_u8((const uint8_t *)domain, (uint8_t **)&alabel, IDN2_NONTRANSITIONAL) != IDN2_OK ||
			    !alabel || !idna_result_ok(alabel)) {
				idn2_free(alabel);
				return fail(out, outsize, BC_NORM_INVALID_EMAIL);
			}
			domain = alabel;
			dn = strlen(alabel);
		}
		st = BC_NORM_OK;
		if (ln + 1 + dn + 1 > outsize || ln + 1 + dn >= BC_EMAIL_MAX) {
			st = BC_NORM_TOO_LONG;
		} else {
			memcpy(out, local, ln);
			out[ln] = '@';
			memcpy(out + ln + 1, domain, dn);
			out[ln + 1 + dn] = '\0';
			/* the lowercase mapping or IDNA may have made an empty label or a refused character */
			st = email_check(out, ln + 1 + dn, &round);
		}
		idn2_free(alabel);
		if (st)
			return fail(out, outsize, st);
	}
	return BC_NORM_OK;
}

/* ---------------------------------------------------------------- phone */

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
		return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
		return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
		return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
		return fail(out, outsize, BC_NORM_TOO_LONG);
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
				return fail(out, outsize, BC_NORM_INVALID_UTF8);
			i += k;
			continue;
		}
		i++;
	}
	while (i < len) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= '0' && ch <= '9') {
			if (nd >= PHONE_DIGITS_MAX)
				return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
		return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
			return fail(out, outsize, BC_NORM_INVALID_PHONE);
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
	return fail(out, outsize, BC_NORM_INVALID_PHONE);
}
