#include "leak/row.h"

#include <stddef.h>
#include <stdio.h>

#include <string.h>

#include "normalize/comment.h"
#include "normalize/normalize.h"
#include "normalize/text.h"

#define NAME_IN_MAX 1024     /* a longer name field is not a name */
#define COMMENT_IN_MAX BC_COMMENT_SCAN_MAX

static int is_space_at(const char *s, size_t n, size_t i, size_t *w)
{
	unsigned char c = (unsigned char)s[i];

	if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
		*w = 1;
		return 1;
	}
	if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
		*w = 2;
		return 1;
	}
	if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
	    ((unsigned char)s[i + 2] == 0xAF || (unsigned char)s[i + 2] == 0x89)) {
		*w = 3;
		return 1;
	}
	return 0;
}

static void trim(const char **s, size_t *n)
{
	size_t w;

	while (*n && is_space_at(*s, *n, 0, &w)) {
		*s += w;
		*n -= w;
	}
	while (*n) {
		if ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
		    (*s)[*n - 1] == '\n')
			(*n)--;
		else if (*n >= 2 && (unsigned char)(*s)[*n - 2] == 0xC2 &&
			 (unsigned char)(*s)[*n - 1] == 0xA0)
			*n -= 2;
		else
			break;
	}
}

/* Values that stand for "nothing" in exports. */
static int is_placeholder(const char *s, size_t n)
{
#define W(x) { x, sizeof(x) - 1 }
	static const struct {
		const char *w;
		size_t n;
	} words[] = {
		W("-"), W("--"), W("---"), W("?"), W("."), W("0"), W("x"), W("null"), W("nul"), W("none"),
		W("n/a"), W("na"), W("nc"), W("n.c."), W("neant"), W("néant"), W("inconnu"), W("inconnue"),
		W("unknown"), W("nan"), W("(null)"),
	};
#undef W
	size_t i;

	/* most cells: decided by their first byte (this runs on every cell) */
	switch (s[0]) {
	case '-': case '?': case '.': case '0': case 'x': case 'X': case 'n': case 'N':
	case '(': case 'i': case 'I': case 'u': case 'U':
		break;
	default:
		return 0;
	}
	if (n > 9)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].n == n && leak_ieq(s, n, words[i].w))
			return 1;
	return 0;
}

/* Spreadsheet text markers: ="0639981101" (a formula keeping leading zeros) and a leading ' (text prefix). */
static void unwrap_spreadsheet(const char **s, size_t *n)
{
	if (*n >= 3 && (*s)[0] == '=' && (*s)[1] == '"' && (*s)[*n - 1] == '"') {
		*s += 2;
		*n -= 3;
		trim(s, n);
	}
	if (*n >= 2 && (*s)[0] == '\'') {
		(*s)++;
		(*n)--;
		trim(s, n);
	}
}

/* Drop a leading civility ("Mme", "M.", "Mlle", "Monsieur", ...) followed by more text. */
static void strip_civility(const char **s, size_t *n)
{
	static const char *const words[] = {
		"m", "mr", "mme", "mlle", "melle", "mrs", "ms", "miss", "madame", "monsieur",
		"mademoiselle", "dr",
	};
	size_t i = 0, w, k;

	if (!*n || !(*s)[0] || !strchr("mMdD", (*s)[0]))
		return;
	while (i < *n && i < 13 && (*s)[i] != ' ' && (*s)[i] != '.')
		i++;
	if (i == 0 || i >= *n)
		return;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		if (!leak_ieq(*s, i, words[k]))
			continue;
		w = i;
		if ((*s)[w] == '.')
			w++;
		if (w >= *n || (*s)[w] != ' ')
			return;
		while (w < *n && (*s)[w] == ' ')
			w++;
		if (w < *n) {
			*s += w;
			*n -= w;
		}
		return;
	}
}

void leak_stats_note(struct leak_stats *s, enum leak_reason reason, unsigned long line)
{
	unsigned long n = s->reason_rows[reason]++;

	if (n < LEAK_STATS_LINES)
		s->reason_lines[reason][n] = line;
}

static int note_bad(const struct leak_row_ctx *ctx, const struct leak_row *row, unsigned col,
		    enum leak_reason reason, const char *what, struct bc_error *err)
{
	const struct leak_columns *cols = ctx->columns;

	leak_stats_note(ctx->stats, reason, row->line);
	if (!ctx->strict)
		return 0;
	err->file = ctx->name;
	err->line = row->field_line[col];
	err->column = row->field_col[col];
	return bc_error_set_field(err, leak_reason_name(reason),
				  cols->header[col][0] ? cols->header[col] : leak_field_name(cols->field[col]),
				  "%s in column %u (%s) (strict mode)", what, col + 1,
				  leak_field_name(cols->field[col]));
}

/* Repair mojibake of a short text into buf (bufsize >= NAME_IN_MAX + 1); returns its length. */
static size_t repaired(const char *s, size_t n, char *buf, size_t bufsize)
{
	size_t outlen = 0;

	if (n >= bufsize)
		n = bufsize - 1;
	if (bc_repair_mojibake(s, n, buf, bufsize, &outlen) < 0)
		return 0;
	return outlen;
}

/* bc_split_name_field, and "Vve Y née X" (two markers): birth X, usage Y. */
static void split_names(const char *buf, size_t n, struct bc_span *sb, struct bc_span *su)
{
	struct bc_span ib, iu;

	bc_split_name_field(buf, n, sb, su);
	if (sb->len || !su->len)
		return;
	if (bc_split_name_field(buf + su->off, su->len, &ib, &iu) == 1 && ib.len && iu.len) {
		ib.off += su->off;
		iu.off += su->off;
		*sb = ib;
		*su = iu;
	}
}

/* Case of a word: 'U' (letters, none lowercase), 'M' (a lowercase letter), 'O' (no letter, or a marker). */
static char word_case(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;
	int letter = 0, lower = 0;
	char w[8];

	if (n <= 6) {
		for (i = 0; i < n; i++)
			w[i] = (char)(p[i] | 0x20);
		w[n] = '\0';
		/* the markers of bc_split_name_field, any case, belong to either side */
		if (!strcmp(w, "ep") || !strcmp(w, "ep.") || !strcmp(w, "epse") || !strcmp(w, "nee") ||
		    !strcmp(w, "vve") || !strcmp(w, "veuve") || !strcmp(w, "\xe3\xa9p.") ||
		    !strcmp(w, "n\xe3\xa9" "e") || !strcmp(w, "\xe3\xa9p"))
			return 'O';
	}
	if (n == 7 || n == 6) {
		/* "épouse" / "Épouse" / "epouse" */
		if ((n == 6 && leak_ieq(s, n, "epouse")) ||
		    (n == 7 && (p[0] == 0xC3 && (p[1] == 0xA9 || p[1] == 0x89)) && leak_ieq(s + 2, 5, "pouse")))
			return 'O';
	}
	for (i = 0; i < n; i++) {
		if (p[i] >= 'a' && p[i] <= 'z') {
			letter = lower = 1;
		} else if (p[i] >= 'A' && p[i] <= 'Z') {
			letter = 1;
		} else if (p[i] == 0xC3 && i + 1 < n) {
			letter = 1;
			lower |= p[i + 1] >= 0x9F && p[i + 1] != 0xB7;
			i++;
		} else if (p[i] == 0xC5 && i + 1 < n && (p[i + 1] == 0x92 || p[i + 1] == 0x93)) {
			letter = 1;
			lower |= p[i + 1] == 0x93;
			i++;
		}
	}
	return !letter ? 'O' : lower ? 'M' : 'U';
}

/*
 * A full name in one field: "QUILLEBEUF Zéphyrine" or "Zéphyrine QUILLEBEUF"
 * (the upper-case words are the last name), or "Quillebeuf, Zéphyrine".
 * Returns 0 with both spans set, or -1 when it cannot be told apart.
 */
static int split_full_name(const char *s, size_t n, struct bc_span *last, struct bc_span *first)
{
	const char *comma = memchr(s, ',', n);
	size_t i = 0, j, seg_end = 0, seg2 = 0;
	char c, side = 0, first_side = 0;
	int changes = 0;

	if (comma) {
		last->off = 0;
		last->len = (size_t)(comma - s);
		first->off = last->len + 1;
		first->len = n - first->off;
		return last->len && first->len && !memchr(comma + 1, ',', n - first->off) ? 0 : -1;
	}
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		j = i;
		while (j < n && s[j] != ' ')
			j++;
		if (j == i)
			break;
		c = word_case(s + i, j - i);
		if (c != 'O') {
			if (!side) {
				first_side = c;
			} else if (c != side) {
				if (++changes > 1)
					return -1;
				seg2 = i;
			}
			side = c;
		}
		if (!changes)
			seg_end = j;
		i = j;
	}
	if (changes != 1)
		return -1;
	/* [0, seg_end) is first_side's, [seg2, n) the other's */
	if (first_side == 'U') {
		last->off = 0;
		last->len = seg_end;
		first->off = seg2;
		first->len = n - seg2;
	} else {
		first->off = 0;
		first->len = seg_end;
		last->off = seg2;
		last->len = n - seg2;
	}
	return 0;
}

static void add_last_name(struct bc_record *rec, int slot, const char *s, size_t n)
{
	char canon[BC_NAME_MAX];

	if (!n || rec->last_names[slot][0])
		return;
	if (bc_norm_last_name(s, n, canon, sizeof(canon)) != BC_NORM_OK)
		return;
	memcpy(rec->last_names[slot], canon, strlen(canon) + 1);
}

static int is_sep(char c)
{
	return c == ',' || c == ';' || c == '/' || c == '|' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int do_emails(const struct leak_row_ctx *r, const struct leak_row *row, unsigned col,
		     struct bc_record *rec, const char *s, size_t n, struct bc_error *err)
{
	size_t i = 0, j, k;
	int bad = 0, any_at = 0, dup;
	char canon[BC_EMAIL_MAX];

	while (i < n) {
		while (i < n && is_sep(s[i]))
			i++;
		j = i;
		while (j < n && !is_sep(s[j]))
			j++;
		if (j > i && memchr(s + i, '@', j - i)) {
			any_at = 1;
			if (bc_norm_email(s + i, j - i, canon, sizeof(canon)) == BC_NORM_OK) {
				dup = 0;
				for (k = 0; k < (size_t)rec->n_emails; k++)
					dup |= !strcmp(rec->emails[k], canon);
				if (!dup && rec->n_emails < BC_RECORD_MAX_EMAILS)
					memcpy(rec->emails[rec->n_emails++], canon, strlen(canon) + 1);
			} else {
				bad = 1;
			}
		}
		i = j;
	}
	if (bad || !any_at)
		return note_bad(r, row, col, LEAK_REASON_INVALID_EMAIL, "email address not understood", err);
	return 0;
}

static void add_phone(struct bc_record *rec, const char *canon)
{
	int k;

	for (k = 0; k < rec->n_phones; k++)
		if (!strcmp(rec->phones[k], canon))
			return;
	if (rec->n_phones < BC_RECORD_MAX_PHONES)
		memcpy(rec->phones[rec->n_phones++], canon, strlen(canon) + 1);
}

static size_t count_digits(const char *s, size_t n)
{
	size_t i, d = 0;

	for (i = 0; i < n; i++)
		d += s[i] >= '0' && s[i] <= '9';
	return d;
}

/* One piece between separators: one number, or several separated by spaces. */
static int do_phone_piece(struct bc_record *rec, const char *s, size_t n)
{
	char canon[BC_PHONE_BYTES];
	size_t i, j, start, want, d;
	int bad = 0;

	trim(&s, &n);
	if (!n || !count_digits(s, n))
		return 0;
	/* 18 digits or more are two numbers: the normaliser would keep the first one only */
	if (count_digits(s, n) < 18) {
		if (bc_norm_phone(s, n, canon, sizeof(canon)) != BC_NORM_OK)
			return -1;
		add_phone(rec, canon);
		return 0;
	}
	/* "06 39 98 00 01 06 39 98 00 02", "0639980001-0639980002": group tokens into numbers */
	i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '-'))
			i++;
		if (i >= n)
			break;
		if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '(') {
			/* a word between the numbers ("(mère)", "port:") */
			while (i < n && s[i] != ' ' && s[i] != '\t')
				i++;
			continue;
		}
		start = i;
		want = s[i] == '+' || (s[i] == '0' && i + 1 < n && s[i + 1] == '0') ? 11 : 10;
		d = 0;
		j = i;
		while (j < n && d < want) {
			d += s[j] >= '0' && s[j] <= '9';
			j++;
		}
		while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '-')
			j++;
		if (bc_norm_phone(s + start, j - start, canon, sizeof(canon)) == BC_NORM_OK)
			add_phone(rec, canon);
		else
			bad = 1;
		i = j;
	}
	return bad ? -1 : 0;
}

static int do_phones(const struct leak_row_ctx *r, const struct leak_row *row, unsigned col,
		     struct bc_record *rec, const char *s, size_t n, struct bc_error *err)
{
	size_t i = 0, j;
	int bad = 0;

	while (i < n) {
		j = i;
		while (j < n && s[j] != ',' && s[j] != ';' && s[j] != '/' && s[j] != '\n' && s[j] != '\r' &&
		       !(j + 4 <= n && s[j] == ' ' && (s[j + 1] == 'e' || s[j + 1] == 'o' || s[j + 1] == 'E' || s[j + 1] == 'O') &&
			 (s[j + 2] == 't' || s[j + 2] == 'u' || s[j + 2] == 'T' || s[j + 2] == 'U') && s[j + 3] == ' '))
			j++;
		if (do_phone_piece(rec, s + i, j - i) < 0)
			bad = 1;
		i = j < n && s[j] == ' ' ? j + 4 : j + 1;
	}
	if (bad)
		return note_bad(r, row, col, LEAK_REASON_INVALID_PHONE, "phone number not understood", err);
	return 0;
}

int leak_value_is_empty(const char *s, size_t n)
{
	trim(&s, &n);
	unwrap_spreadsheet(&s, &n);
	return !n || is_placeholder(s, n);
}

/* What the steps of one row share: the values kept for after the loop, the sample date. */
struct row_acc {
	const struct leak_row_ctx *ctx;
	const struct leak_row *row;
	struct bc_record *rec;
	const char *birth_s, *usage_s, *dob_s, *full_s;
	size_t birth_n, usage_n, dob_n, full_n;
	unsigned dob_col;
	struct tm ref;                     /* the sample date, to place two-digit years of birth */
	int have_ref, lab_seen;
	uint32_t flags;
	char buf[COMMENT_IN_MAX + 1];     /* repaired text of the current step (last: not cleared per row) */
};

/* Copy text already repaired into dst (dstsize bytes), cut at a UTF-8 character boundary. */
static void copy_contact(char *dst, size_t dstsize, const char *s, size_t n)
{
	if (n >= dstsize) {
		n = dstsize - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* An address part as written, for the notices: mojibake repaired, the first one kept. */
static void take_contact(struct row_acc *a, char *dst, size_t dstsize, const char *s, size_t n)
{
	size_t rn;

	if (dst[0])
		return;
	rn = repaired(s, n < NAME_IN_MAX ? n : NAME_IN_MAX, a->buf, NAME_IN_MAX + 1);
	copy_contact(dst, dstsize, a->buf, rn);
}

/* The name to write on a letter: the usage name if any, else the birth name (repaired text in buf). */
static void display_last(struct bc_record *rec, const char *buf, const struct bc_span *sb,
			  const struct bc_span *su, int usage_wins)
{
	const struct bc_span *w = su->len ? su : sb;

	if (!w->len || (rec->display_last[0] && !usage_wins))
		return;
	copy_contact(rec->display_last, sizeof(rec->display_last), buf + w->off, w->len);
}

/*
 * Sex from a sex or civility cell: M, H, 1, Homme, Masculin, M., Mr,
 * Monsieur -> male; F, 2, Femme, Féminin, Mme, Mlle, Madame, Mademoiselle
 * -> female; anything else unknown.
 */
static int parse_sex(const char *s, size_t n)
{
	static const char *const male[] = { "m", "h", "1", "homme", "masculin", "masc", "male", "man",
					    "mr", "monsieur", "m.", "mr." };
	static const char *const female[] = { "f", "2", "femme", "feminin", "f\xc3\xa9minin", "fem", "female",
					      "woman", "mme", "mlle", "melle", "madame", "mademoiselle",
					      "mrs", "ms", "miss", "mme.", "mlle." };
	size_t k;

	for (k = 0; k < sizeof(male) / sizeof(male[0]); k++)
		if (leak_ieq(s, n, male[k]))
			return BC_SEX_MALE;
	for (k = 0; k < sizeof(female) / sizeof(female[0]); k++)
		if (leak_ieq(s, n, female[k]))
			return BC_SEX_FEMALE;
	return BC_SEX_UNKNOWN;
}

/* Last names of a field (birth and usage, "X épouse Y"); civility dropped, mojibake repaired. */
static void take_last_name(struct row_acc *a, const char *s, size_t n, int usage_only, int keep_usage)
{
	struct bc_span sb, su;
	size_t rn;

	strip_civility(&s, &n);
	rn = repaired(s, n < NAME_IN_MAX ? n : NAME_IN_MAX, a->buf, NAME_IN_MAX + 1);
	split_names(a->buf, rn, &sb, &su);
	if (usage_only) {
		/* a usage column holding "Vve X" or "épouse X" */
		if (su.len)
			add_last_name(a->rec, 1, a->buf + su.off, su.len);
		else if (sb.len)
			add_last_name(a->rec, 1, a->buf + sb.off, sb.len);
		display_last(a->rec, a->buf, &sb, &su, 1);
		return;
	}
	if (sb.len)
		add_last_name(a->rec, 0, a->buf + sb.off, sb.len);
	if (su.len && keep_usage)
		add_last_name(a->rec, 1, a->buf + su.off, su.len);
	display_last(a->rec, a->buf, &sb, &su, 0);
}

static void take_first_name(struct row_acc *a, const char *s, size_t n)
{
	char canon[BC_NAME_MAX];
	size_t rn;

	/* a first name alone does not make the name class (as bc-genleak's truth) */
	if (a->rec->first_name[0])
		return;
	strip_civility(&s, &n);
	rn = repaired(s, n < NAME_IN_MAX ? n : NAME_IN_MAX, a->buf, NAME_IN_MAX + 1);
	if (bc_norm_first_name(a->buf, rn, canon, sizeof(canon)) == BC_NORM_OK) {
		memcpy(a->rec->first_name, canon, strlen(canon) + 1);
		copy_contact(a->rec->display_first, sizeof(a->rec->display_first), a->buf, rn);
	}
}

static int take_nir(struct row_acc *a, unsigned col, const char *s, size_t n, struct bc_error *err)
{
	struct bc_record *rec = a->rec;
	size_t k;

	a->flags |= BC_BIT(BC_CLASS_NIR);
	if (rec->nir[0])
		return 0;
	if (n < 64 && memchr(s, '/', n)) {
		/* "1 85 03 75 056 000 / 82": the key after a slash */
		memcpy(a->buf, s, n);
		for (k = 0; k < n; k++)
			if (a->buf[k] == '/')
				a->buf[k] = ' ';
		s = a->buf;
	}
	rec->nir_status = bc_norm_nir(s, n, rec->nir, sizeof(rec->nir), &rec->nir_had_key);
	if (rec->nir_status != BC_NORM_OK)
		return note_bad(a->ctx, a->row, col, LEAK_REASON_INVALID_NIR,
				rec->nir_status == BC_NORM_INVALID_KEY ? "NIR key does not match" : "NIR malformed",
				err);
	return 0;
}

static void take_lab(struct row_acc *a, const char *s, size_t n)
{
	int k;

	if (a->lab_seen++)
		return;
	k = (int)(n < BC_SOURCE_MAX - 1 ? n : BC_SOURCE_MAX - 1);
	while (k > 0 && k < (int)n && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	memcpy(a->rec->source, s, (size_t)k);
	a->rec->source[k] = '\0';
}

static int take_sample_date(struct row_acc *a, unsigned col, const char *s, size_t n, struct bc_error *err)
{
	int y, m, d;

	a->flags |= BC_BIT(BC_CLASS_SAMPLE_DATE);
	if (a->have_ref)
		return 0;
	if (leak_parse_sample_date(s, n, &y, &m, &d) < 0 && leak_parse_compact_date(s, n, &y, &m, &d) < 0)
		return note_bad(a->ctx, a->row, col, LEAK_REASON_INVALID_SAMPLE_DATE, "sample date not understood",
				err);
	a->rec->sample_year = y;
	a->rec->sample_month = y >= 2000 && y < 2000 + 5000 ? (uint16_t)((y - 2000) * 12 + m) : 0;
	a->ref.tm_year = y - 1900;
	a->ref.tm_mon = m - 1;
	a->ref.tm_mday = d;
	a->have_ref = 1;
	return 0;
}

/* Keep a value for after the loop (single-valued fields read once the sample date is known). */
static void keep(const char **ks, size_t *kn, const char *s, size_t n)
{
	if (*ks)
		return;
	*ks = s;
	*kn = n;
}

/* One step per field: the class bits it shows and the identifiers it gives. */
static int take_field(struct row_acc *a, unsigned col, enum leak_field f, const char *s, size_t n,
		      struct bc_error *err)
{
	switch (f) {
	case LEAK_FIELD_LAST_NAME:
		a->flags |= BC_BIT(BC_CLASS_NAME);
		take_last_name(a, s, n, 0, 1);
		return 0;
	case LEAK_FIELD_BIRTH_NAME:
		a->flags |= BC_BIT(BC_CLASS_NAME);
		keep(&a->birth_s, &a->birth_n, s, n);
		return 0;
	case LEAK_FIELD_USAGE_NAME:
		a->flags |= BC_BIT(BC_CLASS_NAME);
		keep(&a->usage_s, &a->usage_n, s, n);
		return 0;
	case LEAK_FIELD_FULL_NAME:
		a->flags |= BC_BIT(BC_CLASS_NAME);
		keep(&a->full_s, &a->full_n, s, n);
		return 0;
	case LEAK_FIELD_FIRST_NAME:
		take_first_name(a, s, n);
		return 0;
	case LEAK_FIELD_SEX:
		a->flags |= BC_BIT(BC_CLASS_SEX);
		if (!a->rec->sex)
			a->rec->sex = parse_sex(s, n);
		return 0;
	case LEAK_FIELD_DOB:
		a->flags |= BC_BIT(BC_CLASS_DOB);
		if (!a->dob_s)
			a->dob_col = col;
		keep(&a->dob_s, &a->dob_n, s, n);
		return 0;
	case LEAK_FIELD_NIR:
		return take_nir(a, col, s, n, err);
	case LEAK_FIELD_ADDRESS:
		a->flags |= BC_BIT(BC_CLASS_ADDRESS);
		take_contact(a, a->rec->street, sizeof(a->rec->street), s, n);
		return 0;
	case LEAK_FIELD_POSTCODE:
		a->flags |= BC_BIT(BC_CLASS_ADDRESS);
		take_contact(a, a->rec->postcode, sizeof(a->rec->postcode), s, n);
		return 0;
	case LEAK_FIELD_CITY:
		a->flags |= BC_BIT(BC_CLASS_ADDRESS);
		take_contact(a, a->rec->city, sizeof(a->rec->city), s, n);
		return 0;
	case LEAK_FIELD_PHONE:
		if (count_digits(s, n))
			a->flags |= BC_BIT(BC_CLASS_PHONE);
		return do_phones(a->ctx, a->row, col, a->rec, s, n, err);
	case LEAK_FIELD_EMAIL:
		if (memchr(s, '@', n))
			a->flags |= BC_BIT(BC_CLASS_EMAIL);
		return do_emails(a->ctx, a->row, col, a->rec, s, n, err);
	case LEAK_FIELD_BLOOD_GROUP:
		a->flags |= BC_BIT(BC_CLASS_BLOOD_GROUP);
		return 0;
	case LEAK_FIELD_DOCTOR:
	case LEAK_FIELD_DOCTOR_ADDRESS:
	case LEAK_FIELD_DOCTOR_PHONE:
		a->flags |= BC_BIT(BC_CLASS_DOCTOR);
		return 0;
	case LEAK_FIELD_INSURER:
		a->flags |= BC_BIT(BC_CLASS_INSURER);
		return 0;
	case LEAK_FIELD_LAB:
		take_lab(a, s, n);
		return 0;
	case LEAK_FIELD_SAMPLE_DATE:
		return take_sample_date(a, col, s, n, err);
	case LEAK_FIELD_COMMENT:
		a->flags |= bc_classify_comment(a->buf, repaired(s, n < COMMENT_IN_MAX ? n : COMMENT_IN_MAX,
								 a->buf, sizeof(a->buf)));
		return 0;
	default:
		return 0;
	}
}

/* A full-name field, read only when no last-name column gave a name. */
static void finish_full_name(struct row_acc *a)
{
	struct bc_record *rec = a->rec;
	struct bc_span fl, ff, sb, su;
	char canon[BC_NAME_MAX];
	const char *s = a->full_s;
	size_t n = a->full_n, rn;

	if (!s || rec->last_names[0][0] || a->birth_s || a->usage_s)
		return;
	strip_civility(&s, &n);
	rn = repaired(s, n < NAME_IN_MAX ? n : NAME_IN_MAX, a->buf, NAME_IN_MAX + 1);
	if (split_full_name(a->buf, rn, &fl, &ff) < 0)
		return;
	if (!rec->first_name[0] && bc_norm_first_name(a->buf + ff.off, ff.len, canon, sizeof(canon)) == BC_NORM_OK) {
		memcpy(rec->first_name, canon, strlen(canon) + 1);
		copy_contact(rec->display_first, sizeof(rec->display_first), a->buf + ff.off, ff.len);
	}
	split_names(a->buf + fl.off, fl.len, &sb, &su);
	if (sb.len)
		add_last_name(rec, 0, a->buf + fl.off + sb.off, sb.len);
	if (su.len)
		add_last_name(rec, 1, a->buf + fl.off + su.off, su.len);
	display_last(rec, a->buf + fl.off, &sb, &su, 0);
}

/* Birth then usage name columns; birth name first, then a different usage name. */
static void finish_last_names(struct row_acc *a)
{
	struct bc_record *rec = a->rec;

	/* a birth-name column may hold "X épouse Y" too */
	if (a->birth_s)
		take_last_name(a, a->birth_s, a->birth_n, 0, !a->usage_s);
	if (a->usage_s)
		take_last_name(a, a->usage_s, a->usage_n, 1, 0);
	if (!rec->last_names[0][0] && rec->last_names[1][0]) {
		memcpy(rec->last_names[0], rec->last_names[1], strlen(rec->last_names[1]) + 1);
		rec->last_names[1][0] = '\0';
	}
	if (rec->last_names[1][0] && !strcmp(rec->last_names[0], rec->last_names[1]))
		rec->last_names[1][0] = '\0';
	rec->n_last_names = !!rec->last_names[0][0] + !!rec->last_names[1][0];
}

/* The date of birth, once the sample date is known (two-digit years go in its past). */
static int finish_dob(struct row_acc *a, struct bc_error *err)
{
	struct bc_record *rec = a->rec;
	const struct tm *ref = a->have_ref ? &a->ref : NULL;
	const char *s = a->dob_s;
	size_t n = a->dob_n;
	char words[32];
	int y, m, d, st;

	if (!s)
		return 0;
	st = bc_norm_dob(s, n, ref, rec->dob, sizeof(rec->dob));
	if (st == BC_NORM_INVALID_DATE && n < 64 && n > 4 && count_digits(s, 4) == 4 &&
	    (s[4] == '/' || s[4] == '.') && leak_parse_sample_date(s, n, &y, &m, &d) == 0) {
		/* "1985/03/12", "1985.03.12": year first with another separator than '-' */
		snprintf(words, sizeof(words), "%04d-%02d-%02d", y, m, d);
		st = bc_norm_dob(words, strlen(words), ref, rec->dob, sizeof(rec->dob));
	}
	if (st == BC_NORM_INVALID_DATE && n < 64 && leak_dob_in_words(s, n, words) == 0)
		st = bc_norm_dob(words, strlen(words), ref, rec->dob, sizeof(rec->dob));
	rec->dob_status = st;
	if (st != BC_NORM_OK && st != BC_NORM_INCOMPLETE_DATE)
		return note_bad(a->ctx, a->row, a->dob_col, LEAK_REASON_INVALID_DOB, "date of birth not understood",
				err);
	return 0;
}

static void record_clear(struct bc_record *rec, unsigned long line, const char *source)
{
	rec->line = line;
	rec->nir[0] = '\0';
	rec->nir_status = BC_NORM_EMPTY;
	rec->nir_had_key = 0;
	rec->last_names[0][0] = rec->last_names[1][0] = '\0';
	rec->n_last_names = 0;
	rec->first_name[0] = '\0';
	rec->dob[0] = '\0';
	rec->dob_status = BC_NORM_EMPTY;
	rec->n_emails = 0;
	rec->n_phones = 0;
	rec->sample_month = 0;
	rec->sample_year = 0;
	rec->source[0] = '\0';
	rec->sex = BC_SEX_UNKNOWN;
	rec->display_last[0] = rec->display_first[0] = '\0';
	rec->street[0] = rec->postcode[0] = rec->city[0] = '\0';
	if (source && source[0])
		snprintf(rec->source, sizeof(rec->source), "%s", source);
}

int leak_row_to_record(const struct leak_row_ctx *ctx, const struct leak_row *row,
		       struct bc_record *rec, struct bc_error *err)
{
	const struct leak_columns *cols = ctx->columns;
	struct row_acc a;
	const char *s;
	size_t n;
	unsigned i;

	memset(&a, 0, offsetof(struct row_acc, buf));
	a.ctx = ctx;
	a.row = row;
	a.rec = rec;
	a.flags = BC_BIT(BC_CLASS_LAB_VISIT);
	record_clear(rec, row->line, ctx->source);
	for (i = 0; i < cols->n; i++) {
		if (cols->field[i] == LEAK_FIELD_NONE || cols->field[i] == LEAK_FIELD_IGNORE)
			continue;
		s = row->field[i];
		n = row->len[i];
		trim(&s, &n);
		unwrap_spreadsheet(&s, &n);
		if (!n || is_placeholder(s, n))
			continue;
		if (take_field(&a, i, cols->field[i], s, n, err) < 0)
			return -1;
	}
	finish_full_name(&a);
	finish_last_names(&a);
	if (finish_dob(&a, err) < 0)
		return -1;
	rec->flags = a.flags;
	return 0;
}
