/* Email: canonical form v2, with IDNA through libidn2 (DESIGN.md §4).
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

#include <stdint.h>
#include <string.h>
#include <idn2.h>
#include <utf8proc.h>

#include "normalize/internal.h"
#include "normalize/idna_table.h"

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
			return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
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
		return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
	n = e - b;
	if (n == 0)
		return bc_norm_fail(out, outsize, BC_NORM_EMPTY);
	if (n > EMAIL_IN_MAX)
		return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
	/* Drop one trailing dot of the domain. */
	if (in[e - 1] == '.') {
		e--;
		n--;
	}
	st = email_check(in + b, n, &ascii);
	if (st)
		return bc_norm_fail(out, outsize, st);
	if (bc_is_ascii(in + b, n)) { /* no utf8proc or libidn2 call */
		if (n + 1 > outsize || n >= BC_EMAIL_MAX)
			return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
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
			return bc_norm_fail(out, outsize, (int)nb);
		if ((size_t)nb >= sizeof whole)
			return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
		wn = (size_t)nb;
		memcpy(whole, buf, wn);
		whole[wn] = '\0';
		/* NFC can make a character invalid here (U+037E is ';'): check again */
		st = email_check(whole, wn, &round);
		if (st)
			return bc_norm_fail(out, outsize, st);
		at = (size_t)(strchr(whole, '@') - whole);
		/* Local part: every letter by its simple lowercase mapping, then NFC again. */
		for (i = 0; i < at;) {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)whole + i, at - i, &cp);
			if (!k)
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_UTF8);
			ln += bc_utf8_encode(utf8proc_tolower(cp), (unsigned char *)local + ln);
			i += k;
		}
		nb = email_nfc(local, ln, buf, sizeof buf / sizeof buf[0]);
		if (nb < 0)
			return bc_norm_fail(out, outsize, (int)nb);
		if ((size_t)nb >= sizeof local)
			return bc_norm_fail(out, outsize, BC_NORM_TOO_LONG);
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
						return bc_norm_fail(out, outsize, BC_NORM_INVALID_EMAIL);
					i++;
					continue;
				}
				k = bc_utf8_decode((const unsigned char *)domain + i, dn - i, &cp);
				if (!k || !idna_ok_cp((uint32_t)cp))
					return bc_norm_fail(out, outsize, BC_NORM_INVALID_EMAIL);
				i += k;
			}
			if (idn2_lookup_u8((const uint8_t *)domain, (uint8_t **)&alabel, IDN2_NONTRANSITIONAL) != IDN2_OK ||
			    !alabel || !idna_result_ok(alabel)) {
				idn2_free(alabel);
				return bc_norm_fail(out, outsize, BC_NORM_INVALID_EMAIL);
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
			return bc_norm_fail(out, outsize, st);
	}
	return BC_NORM_OK;
}

/* The shared-mailbox rule's key (normalize.h). */
size_t bc_norm_mailbox_key(const char *email, size_t len, char out[BC_EMAIL_MAX])
{
	const char *at = memchr(email, '@', len);
	size_t ll, dl, n = 0, i;
	const char *dom;
	int gmail;

	if (!at || len >= BC_EMAIL_MAX) {
		memcpy(out, email, len < BC_EMAIL_MAX ? len : BC_EMAIL_MAX - 1);
		return len < BC_EMAIL_MAX ? len : BC_EMAIL_MAX - 1;
	}
	ll = (size_t)(at - email);
	dom = at + 1;
	dl = len - ll - 1;
	gmail = (dl == 9 && !memcmp(dom, "gmail.com", 9)) || (dl == 14 && !memcmp(dom, "googlemail.com", 14));
	for (i = 0; i < ll && email[i] != '+'; i++) {
		char ch = email[i];

		if (gmail && ch == '.')
			continue;
		out[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	out[n++] = '@';
	if (gmail) {
		memcpy(out + n, "gmail.com", 9);
		return n + 9;
	}
	for (i = 0; i < dl; i++)
		out[n++] = (dom[i] >= 'A' && dom[i] <= 'Z') ? (char)(dom[i] - 'A' + 'a') : dom[i];
	return n;
}
