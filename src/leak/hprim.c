/*
 * HPRIM Santé 2.x files (.hpr, .hprim), the records French labs exchange
 * results in (issue 11; docs/leak-files.md "HPRIM Santé"). One record per
 * line (CR, LF or CR LF); its first field names it. H declares the
 * delimiters (the character after "H" separates fields, the next four are
 * the repeat, component, escape and sub-component characters, "~^\&"), P
 * is a patient, OBR a request (its sample date), C a comment of the patient
 * before it, A continues the record before it (lines are cut at 220
 * characters), L ends the message. Each P record, with the OBR and C
 * records that follow it, becomes one row of fixed virtual columns, read by
 * row.c like any table. The field positions are those of the ASTM E1394 /
 * CLSI LIS2-A2 patient record, which HPRIM Santé takes up; docs/leak-files.md
 * lists them with their sources.
 */
#include "leak/internal.h"

#include <stdlib.h>
#include <string.h>

#define HPRIM_MAX_FIELDS 40
#define HPRIM_TEXT_MAX (64u * 1024u)

enum hcol {
	H_LAST, H_USAGE, H_FIRST, H_DOB, H_SEX, H_NIR, H_ADDR, H_CP, H_CITY, H_PHONE, H_EMAIL, H_DOCTOR, H_LAB,
	H_DATE, H_COMMENT, H_NCOLS
};

static const enum leak_field hcol_field[H_NCOLS] = {
	LEAK_FIELD_LAST_NAME, LEAK_FIELD_USAGE_NAME, LEAK_FIELD_FIRST_NAME, LEAK_FIELD_DOB, LEAK_FIELD_SEX,
	LEAK_FIELD_NIR, LEAK_FIELD_ADDRESS, LEAK_FIELD_POSTCODE, LEAK_FIELD_CITY, LEAK_FIELD_PHONE,
	LEAK_FIELD_EMAIL, LEAK_FIELD_DOCTOR, LEAK_FIELD_LAB, LEAK_FIELD_SAMPLE_DATE, LEAK_FIELD_COMMENT,
};

static const char *const hcol_name[H_NCOLS] = {
	"P.7 or P.6.1 name", "P.6.1 usage name", "P.6.2 first name", "P.8 birth date", "P.9 sex", "P.5 NIR",
	"P.11.1-2 address", "P.11.5 postcode", "P.11.3 town", "P.13 phone", "P.13 email", "P.14 doctor",
	"H.5.1 lab", "OBR.8 sample date", "C.4 comments",
};

/* One record's fields (raw, still escaped), copied out of the reader's buffer. */
struct hrec {
	char type[4];
	unsigned n;
	size_t off[HPRIM_MAX_FIELDS], len[HPRIM_MAX_FIELDS];
	char *text;
	size_t used;
};

struct leak_hprim {
	char fdelim, rep, comp, esc, sub;
	char lab[BC_SOURCE_MAX];
	struct hrec rec[2];          /* the two below point here */
	struct hrec *p;              /* the pending patient */
	struct hrec *nxt;            /* the next one, while the pending one is handed out */
	int have_p;
	char date[64];               /* its first OBR date */
	char *comment;               /* its C records, one line each */
	size_t comment_len;
	char last_type[4];           /* the record an A line continues */
	char *out;                   /* the row handed out (decoded values) */
	size_t out_used;
	unsigned long p_line;
	int ended;
};

static void hrec_add(struct hrec *h, const char *s, size_t n, int append_to_last)
{
	if (h->used + n + 1 > HPRIM_TEXT_MAX)
		n = h->used + 1 < HPRIM_TEXT_MAX ? HPRIM_TEXT_MAX - h->used - 1 : 0;
	if (append_to_last && h->n) {
		/* the last field must end the text for an append: it does, fields are added in order */
		memcpy(h->text + h->used, s, n);
		h->used += n;
		h->len[h->n - 1] += n;
		return;
	}
	if (h->n >= HPRIM_MAX_FIELDS)
		return;
	h->off[h->n] = h->used;
	h->len[h->n] = n;
	memcpy(h->text + h->used, s, n);
	h->used += n;
	h->n++;
}

static void hrec_from_row(struct hrec *h, const struct leak_row *row)
{
	unsigned i;

	h->n = 0;
	h->used = 0;
	for (i = 0; i < row->n && i < LEAK_MAX_COLUMNS; i++)
		hrec_add(h, row->field[i], row->len[i], 0);
}

/* Field k (ASTM numbering: 1 is the record type), component c (1-based; 0 = the whole field). */
static void hfield(const struct leak_hprim *hp, const struct hrec *h, unsigned k, unsigned c, const char **s,
		   size_t *n)
{
	const char *p, *end, *q;
	unsigned i;

	*s = "";
	*n = 0;
	if (k == 0 || k > h->n)
		return;
	p = h->text + h->off[k - 1];
	end = p + h->len[k - 1];
	if (c == 0) {
		*s = p;
		*n = (size_t)(end - p);
		return;
	}
	for (i = 1; i < c && p < end; i++) {
		q = memchr(p, hp->comp, (size_t)(end - p));
		p = q ? q + 1 : end;
	}
	if (i < c)
		return;
	q = memchr(p, hp->comp, (size_t)(end - p));
	*s = p;
	*n = (size_t)((q ? q : end) - p);
}

/* Append s (escaped) to the out buffer decoded: \\F\\ \\S\\ \\R\\ \\E\\ \\T\\ become their characters; sep_from becomes sep_to. */
static void put(struct leak_hprim *hp, const char *s, size_t n, char sep_from, char sep_to)
{
	char *o = hp->out + hp->out_used;
	size_t i = 0, k, room = HPRIM_TEXT_MAX - hp->out_used - 1;

	while (i < n && room) {
		/* a run of plain bytes at once */
		for (k = i; k < n && s[k] != hp->esc && (s[k] != sep_from || !sep_from); k++)
			;
		if (k > i) {
			if (k - i > room)
				k = i + room;
			memcpy(o, s + i, k - i);
			o += k - i;
			room -= k - i;
			i = k;
			continue;
		}
		if (s[i] == hp->esc && i + 2 < n && s[i + 2] == hp->esc) {
			char c = s[i + 1];

			*o++ = c == 'F' ? hp->fdelim : c == 'S' ? hp->comp : c == 'R' ? hp->rep : c == 'T' ? hp->sub
			     : hp->esc;
			i += 3;
		} else {
			*o++ = s[i] == sep_from && sep_from ? sep_to : s[i];
			i++;
		}
		room--;
	}
	hp->out_used = (size_t)(o - hp->out);
}

static void set_col(struct leak_hprim *hp, struct leak_row *row, enum hcol c, size_t start)
{
	row->field[c] = hp->out + start;
	row->len[c] = hp->out_used - start;
	row->field_line[c] = row->line;
	row->field_col[c] = 0;
}

static void col_component(struct leak_hprim *hp, struct leak_row *row, enum hcol c, unsigned k, unsigned comp)
{
	size_t start = hp->out_used;
	const char *s;
	size_t n;

	hfield(hp, hp->p, k, comp, &s, &n);
	put(hp, s, n, hp->comp, ' ');
	set_col(hp, row, c, start);
}

/* P.13: repeats holding an '@' are emails, the others phones ("; " between them). */
static void col_phones(struct leak_hprim *hp, struct leak_row *row)
{
	const char *s, *e, *q, *end;
	size_t n, start;
	int pass, first;

	hfield(hp, hp->p, 13, 0, &s, &n);
	end = s + n;
	for (pass = 0; pass < 2; pass++) {
		start = hp->out_used;
		first = 1;
		for (q = s; q < end; q = e + 1) {
			e = memchr(q, hp->rep, (size_t)(end - q));
			if (!e)
				e = end;
			if ((memchr(q, '@', (size_t)(e - q)) != NULL) != pass || e == q)
				continue;
			if (!first)
				put(hp, "; ", 2, 0, 0);
			put(hp, q, (size_t)(e - q), hp->comp, ' ');
			first = 0;
		}
		set_col(hp, row, pass ? H_EMAIL : H_PHONE, start);
	}
}

/* HPRIM dates are YYYYMMDD[HHMM[SS]]: the time is cut off. */
static void cut_time(struct leak_row *row, enum hcol c)
{
	size_t i;

	if (row->len[c] != 12 && row->len[c] != 14)
		return;
	for (i = 0; i < row->len[c]; i++)
		if (row->field[c][i] < '0' || row->field[c][i] > '9')
			return;
	row->len[c] = 8;
}

/* The pending patient as a row of the virtual columns. */
static void emit(struct leak_hprim *hp, struct leak_row *row)
{
	const char *s;
	size_t n, start;

	hp->out_used = 0;
	row->line = hp->p_line;
	row->n = H_NCOLS;
	row->flags = 0;
	/* the birth name (P.7) when given, the name in use (P.6.1) beside it; else P.6.1 alone */
	hfield(hp, hp->p, 7, 0, &s, &n);
	if (n) {
		col_component(hp, row, H_LAST, 7, 0);
		col_component(hp, row, H_USAGE, 6, 1);
	} else {
		col_component(hp, row, H_LAST, 6, 1);
		start = hp->out_used;
		set_col(hp, row, H_USAGE, start);
	}
	col_component(hp, row, H_FIRST, 6, 2);
	col_component(hp, row, H_DOB, 8, 0);
	cut_time(row, H_DOB);
	col_component(hp, row, H_SEX, 9, 0);
	col_component(hp, row, H_NIR, 5, 0);
	/* address: street lines 1 and 2; town 3; postcode 5 (HPRIM Santé's order) */
	start = hp->out_used;
	hfield(hp, hp->p, 11, 1, &s, &n);
	put(hp, s, n, 0, 0);
	hfield(hp, hp->p, 11, 2, &s, &n);
	if (n) {
		put(hp, ", ", 2, 0, 0);
		put(hp, s, n, 0, 0);
	}
	set_col(hp, row, H_ADDR, start);
	col_component(hp, row, H_CP, 11, 5);
	col_component(hp, row, H_CITY, 11, 3);
	col_phones(hp, row);
	/* P.14 attending doctor: code^NAME^First... read as one name */
	start = hp->out_used;
	hfield(hp, hp->p, 14, 0, &s, &n);
	put(hp, s, n, hp->comp, ' ');
	set_col(hp, row, H_DOCTOR, start);
	start = hp->out_used;
	put(hp, hp->lab, strlen(hp->lab), 0, 0);
	set_col(hp, row, H_LAB, start);
	start = hp->out_used;
	put(hp, hp->date, strlen(hp->date), 0, 0);
	set_col(hp, row, H_DATE, start);
	cut_time(row, H_DATE);
	start = hp->out_used;
	put(hp, hp->comment, hp->comment_len, hp->comp, ' ');
	set_col(hp, row, H_COMMENT, start);
	hp->have_p = 0;
}

static void on_header(struct leak_hprim *hp, const struct leak_row *row)
{
	const char *s = row->field[1];
	size_t n = row->len[1];
	struct hrec h;
	const char *v;
	size_t vn, k;

	/* "H|~^\&|...": repeat, component, escape, sub-component */
	if (row->n > 1 && n >= 4) {
		hp->rep = s[0];
		hp->comp = s[1];
		hp->esc = s[2];
		hp->sub = s[3];
	}
	hp->ended = 0;
	hp->lab[0] = '\0';
	h.text = malloc(HPRIM_TEXT_MAX);
	if (!h.text)
		return;
	hrec_from_row(&h, row);
	hfield(hp, &h, 5, 1, &v, &vn);
	k = vn < sizeof(hp->lab) - 1 ? vn : sizeof(hp->lab) - 1;
	memcpy(hp->lab, v, k);
	hp->lab[k] = '\0';
	free(h.text);
}

static void on_comment(struct leak_hprim *hp, const char *s, size_t n, int continued)
{
	if (!continued && hp->comment_len && hp->comment_len + 1 < HPRIM_TEXT_MAX)
		hp->comment[hp->comment_len++] = '\n';
	if (hp->comment_len + n >= HPRIM_TEXT_MAX)
		n = HPRIM_TEXT_MAX - hp->comment_len - 1;
	memcpy(hp->comment + hp->comment_len, s, n);
	hp->comment_len += n;
}

static void on_request(struct leak_hprim *hp, const struct leak_row *row)
{
	/* OBR.8 collection date (ASTM E1394 9.4.8), else OBR.7 (requested date) */
	const char *s = row->n > 7 ? row->field[7] : "";
	size_t n = row->n > 7 ? row->len[7] : 0;

	if (hp->date[0] || !hp->have_p)
		return;
	if (!n && row->n > 6) {
		s = row->field[6];
		n = row->len[6];
	}
	if (n >= sizeof(hp->date))
		n = sizeof(hp->date) - 1;
	memcpy(hp->date, s, n);
	hp->date[n] = '\0';
}

/* A line continues the record before it: its first field goes on the last field, the rest are new fields. */
static void on_continuation(struct leak_hprim *hp, const struct leak_row *row)
{
	unsigned i;

	if (!strcmp(hp->last_type, "P") && hp->have_p) {
		for (i = 1; i < row->n && i < LEAK_MAX_COLUMNS; i++)
			hrec_add(hp->p, row->field[i], row->len[i], i == 1);
	} else if (!strcmp(hp->last_type, "C") && row->n > 1) {
		/* a comment's text is C.4; a continued comment line carries more of it */
		on_comment(hp, row->field[1], row->len[1], 1);
	}
}

static int type_is(const struct leak_row *row, const char *t)
{
	size_t n = strlen(t);

	return row->n && row->len[0] == n && !memcmp(row->field[0], t, n);
}

/* A new patient: its fields copied (the pending one, if any, is handed out first). */
static void start_patient(struct leak_hprim *hp, unsigned long line)
{
	struct hrec *t = hp->p;

	hp->p = hp->nxt;
	hp->nxt = t;
	hp->have_p = 1;
	hp->p_line = line;
	hp->date[0] = '\0';
	hp->comment_len = 0;
}

int leak_hprim_next_row(struct leak_reader *r, struct leak_row *row, struct bc_error *err)
{
	struct leak_hprim *hp = r->st->hprim;
	int rc, had;
	unsigned long line;

	for (;;) {
		rc = leak_next_split(r, row, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (!hp->have_p)
				return 0;
			emit(hp, row);
			break;
		}
		if (type_is(row, "A")) {
			on_continuation(hp, row);
			continue;
		}
		snprintf(hp->last_type, sizeof(hp->last_type), "%.*s", (int)(row->len[0] < 3 ? row->len[0] : 3),
			 row->field[0]);
		if (type_is(row, "H")) {
			on_header(hp, row);
		} else if (type_is(row, "C")) {
			if (hp->have_p && row->n > 3)
				on_comment(hp, row->field[3], row->len[3], 0);
		} else if (type_is(row, "OBR") || type_is(row, "O")) {
			on_request(hp, row);
		} else if (type_is(row, "L")) {
			hp->ended = 1;
			if (hp->have_p) {
				emit(hp, row);
				break;
			}
		} else if (type_is(row, "P")) {
			had = hp->have_p;
			line = row->line;
			hrec_from_row(hp->nxt, row);
			if (had)
				emit(hp, row);
			start_patient(hp, line);
			if (had)
				break;
		}
	}
	r->stats.rows++;
	return 1;
}

int leak_hprim_setup(struct leak_reader *r, struct bc_error *err)
{
	struct leak_hprim *hp = calloc(1, sizeof(*hp));
	unsigned i;

	if (hp) {
		hp->p = &hp->rec[0];
		hp->nxt = &hp->rec[1];
	}
	if (!hp || !(hp->rec[0].text = malloc(HPRIM_TEXT_MAX)) || !(hp->rec[1].text = malloc(HPRIM_TEXT_MAX)) ||
	    !(hp->comment = malloc(HPRIM_TEXT_MAX)) || !(hp->out = malloc(HPRIM_TEXT_MAX))) {
		r->st->hprim = hp;
		leak_hprim_free(r);
		err->file = r->st->name;
		return bc_error_set(err, bc_err_out_of_memory, "cannot allocate the HPRIM reader");
	}
	hp->fdelim = r->dialect.delimiter;
	hp->rep = '~';
	hp->comp = '^';
	hp->esc = '\\';
	hp->sub = '&';
	r->st->hprim = hp;
	r->dialect.header = 0;
	r->columns.n = r->columns.n_fields = H_NCOLS;
	for (i = 0; i < H_NCOLS; i++) {
		r->columns.field[i] = hcol_field[i];
		snprintf(r->columns.header[i], LEAK_HEADER_NAME_MAX, "%s", hcol_name[i]);
	}
	return 0;
}

void leak_hprim_free(struct leak_reader *r)
{
	struct leak_hprim *hp = r->st ? r->st->hprim : NULL;

	if (!hp)
		return;
	free(hp->rec[0].text);
	free(hp->rec[1].text);
	free(hp->comment);
	free(hp->out);
	free(hp);
	r->st->hprim = NULL;
}

int leak_sniff_hprim(const unsigned char *b, size_t n, char *delim)
{
	size_t i = 0, k;
	const unsigned char *p;
	unsigned char d;

	while (i < n && (b[i] == '\r' || b[i] == '\n' || b[i] == ' '))
		i++;
	if (i + 6 > n || b[i] != 'H')
		return 0;
	d = b[i + 1];
	if ((d | 0x20) >= 'a' && (d | 0x20) <= 'z')
		return 0;
	if ((d >= '0' && d <= '9') || d == ' ' || d == '"' || d < 0x21 || d > 0x7E)
		return 0;
	/* then the encoding characters ("~^\&"): three or four punctuation characters, then d */
	for (k = i + 2; k < n && k < i + 7 && b[k] != d; k++)
		if ((b[k] | 0x20) >= 'a' && (b[k] | 0x20) <= 'z' ? 1 : (b[k] >= '0' && b[k] <= '9') || b[k] <= ' ' ||
		    b[k] > 0x7E)
			return 0;
	if (k >= n || b[k] != d || k - (i + 2) < 3)
		return 0;
	/* a patient record further down */
	for (p = b + i; (p = memchr(p, 'P', n - (size_t)(p - b))) != NULL && (size_t)(p - b) + 1 < n; p++)
		if ((p[-1] == '\n' || p[-1] == '\r') && p[1] == d) {
			*delim = (char)d;
			return 1;
		}
	return 0;
}
