/*
 * The column layout (docs/leak-files.md step 1 "header", step 4 "Map" and
 * "Files without a header"): where the header is among the first rows, the
 * field of each header cell, a mapping file's columns, a headerless file's
 * column count and inferred columns. Rows are peeked at in the buffer the
 * reader has filled, without consuming them.
 */
#include "leak/internal.h"

#include <stdlib.h>
#include <string.h>

#include "normalize/text.h"

static int has_line_break(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return 1;
		if ((unsigned char)s[i] == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85)
			return 1;
		if ((unsigned char)s[i] == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
			return 1;
	}
	return 0;
}

static enum leak_field mapped_by_name(const struct leak_mapping *m, const char *s, size_t n)
{
	char key[LEAK_HEADER_NAME_MAX * 2], k2[LEAK_HEADER_NAME_MAX * 2];
	int i;

	if (!m)
		return LEAK_FIELD_NONE;
	leak_header_key(s, n, key, sizeof(key));
	for (i = 0; i < m->n_by_name; i++) {
		leak_header_key(m->by_name[i], strlen(m->by_name[i]), k2, sizeof(k2));
		if (!strcmp(key, k2))
			return m->by_name_field[i];
	}
	return LEAK_FIELD_NONE;
}

/* Known column names in a row's cells (mojibake repaired on the side). */
static unsigned known_names(const struct leak_mapping *m, const struct leak_row *row)
{
	char hbuf[4 * LEAK_HEADER_NAME_MAX];
	size_t hlen;
	unsigned i, known = 0;

	for (i = 0; i < row->n && i < LEAK_MAX_COLUMNS; i++) {
		hlen = row->len[i] < sizeof(hbuf) - 1 ? row->len[i] : sizeof(hbuf) - 1;
		if (bc_repair_mojibake(row->field[i], hlen, hbuf, sizeof(hbuf), &hlen) < 0)
			continue;
		known += leak_field_from_header(hbuf, hlen) != LEAK_FIELD_NONE ||
			 mapped_by_name(m, hbuf, hlen) != LEAK_FIELD_NONE;
	}
	return known;
}

unsigned leak_peek_rows(struct leak_reader *r, unsigned max,
			void (*cb)(void *arg, const struct leak_row *row), void *arg)
{
	struct leak_reader_state *st = r->st;
	size_t pos = st->pos, used = st->scratch_used;
	unsigned long line = st->line, blank = r->stats.blank_lines;
	int pending = st->pending_row, rc;
	struct bc_error err = BC_ERROR_INIT;
	struct leak_row *row = malloc(sizeof(*row));
	unsigned n = 0;

	if (!row)
		return 0;
	if (pending && n < max) {
		cb(arg, &st->row);
		n++;
	}
	st->peek = 1;
	st->pending_row = 0;
	while (n < max) {
		rc = leak_next_split(r, row, &err);
		if (rc <= 0)
			break;
		cb(arg, row);
		n++;
	}
	st->peek = 0;
	st->pending_row = pending;
	st->pos = pos;
	st->line = line;
	st->scratch_used = used;
	r->stats.blank_lines = blank;
	free(row);
	return n;
}

/*
 * Index of the header among the first rows (a title line or two may come
 * first), or -1 for a headerless file, -2 on a fatal error. Peeks at rows in
 * the buffer already filled, without modifying it, then rewinds.
 */
static int find_header(struct leak_reader *r, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;
	struct leak_row *row = &st->row;
	size_t pos = st->pos;
	unsigned long line = st->line, blank = r->stats.blank_lines, known;
	unsigned i, ids;
	int k, rc, found = -1;

	st->peek = 1;
	for (k = 0; k < LEAK_HEADER_SEARCH_ROWS; k++) {
		rc = leak_next_split(r, row, err);
		if (rc < 0) {
			found = -2;
			break;
		}
		if (rc == 0)
			break;
		known = known_names(st->mapping, row);
		if (known >= 2 || (k == 0 && known == 1 && row->n <= 2)) {
			/* a cell holding an email or a number is data, unless names are the majority */
			for (i = 0, ids = 0; i < row->n && i < LEAK_MAX_COLUMNS; i++)
				ids += leak_looks_like_identifier(row->field[i], row->len[i]);
			if (ids && 2 * known < row->n)
				continue;
			found = k;
			break;
		}
	}
	st->peek = 0;
	st->pos = pos;
	st->line = line;
	r->stats.blank_lines = blank;
	return found;
}

struct field_counts {
	unsigned n[LEAK_MAX_COLUMNS + 2];
};

static void count_row_fields(void *arg, const struct leak_row *row)
{
	struct field_counts *fc = arg;

	fc->n[row->n <= LEAK_MAX_COLUMNS ? row->n : LEAK_MAX_COLUMNS + 1]++;
}

/* A headerless file's column count: the most frequent field count of the first rows, not the first row's. */
static void modal_field_count(struct leak_reader *r)
{
	struct field_counts fc;
	unsigned i, best = r->columns.n;

	memset(&fc, 0, sizeof(fc));
	leak_peek_rows(r, LEAK_INFER_SAMPLE_ROWS, count_row_fields, &fc);
	for (i = 1; i <= LEAK_MAX_COLUMNS; i++)
		if (fc.n[i] > fc.n[best <= LEAK_MAX_COLUMNS ? best : 0])
			best = i;
	if (best > LEAK_MAX_COLUMNS || best == r->columns.n)
		return;
	for (i = r->columns.n; i < best; i++) {
		r->columns.field[i] = LEAK_FIELD_NONE;
		r->columns.header[i][0] = '\0';
	}
	r->columns.n = r->columns.n_fields = best;
}

/* What row.c sees of the reader. */
void leak_setup_row_ctx(struct leak_reader *r)
{
	struct leak_reader_state *st = r->st;
	const struct leak_mapping *m = st->mapping;

	st->row_ctx.columns = &r->columns;
	st->row_ctx.name = st->name;
	st->row_ctx.source = m && m->source[0] ? m->source : NULL;
	st->row_ctx.strict = st->strict;
	st->row_ctx.stats = &r->stats;
}

int leak_setup_columns(struct leak_reader *r, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;
	const struct leak_mapping *m = st->mapping;
	struct leak_row *row = &st->row;
	unsigned i;
	enum leak_field f;
	char hbuf[4 * LEAK_HEADER_NAME_MAX];
	size_t hlen;
	int rc, hdr_at, k, trusted;
	unsigned known;

	if (m && m->header >= 0)
		hdr_at = m->header ? 0 : -1;
	else if ((hdr_at = find_header(r, err)) == -2)
		return -1;
	for (k = 0; k <= (hdr_at > 0 ? hdr_at : 0); k++) {
		rc = leak_next_split(r, row, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			err->file = st->name;
			return bc_error_set(err, bc_err_empty_file, "the file holds no row");
		}
		if (k < hdr_at)
			r->stats.preamble_rows++;
	}
	/* a wide export (results in columns): the columns beyond LEAK_MAX_COLUMNS are not read */
	r->columns.n_fields = row->n;
	r->columns.n = row->n > LEAK_MAX_COLUMNS ? LEAK_MAX_COLUMNS : row->n;
	for (i = 0; i < r->columns.n; i++) {
		/* header cells of a file read in the wrong encoding: "PrÃ©nom" */
		hlen = row->len[i] < sizeof(hbuf) - 1 ? row->len[i] : sizeof(hbuf) - 1;
		if (bc_repair_mojibake(row->field[i], hlen, hbuf, sizeof(hbuf), &hlen) > 0 &&
		    st->scratch_used + hlen <= st->scratch_cap) {
			memcpy(st->scratch + st->scratch_used, hbuf, hlen);
			row->field[i] = st->scratch + st->scratch_used;
			row->len[i] = hlen;
			st->scratch_used += hlen;
		}
		f = leak_field_from_header(row->field[i], row->len[i]);
		if (mapped_by_name(m, row->field[i], row->len[i]) != LEAK_FIELD_NONE)
			f = mapped_by_name(m, row->field[i], row->len[i]);
		r->columns.field[i] = f;
	}
	r->dialect.header = hdr_at >= 0;
	/*
	 * A header forced by the mapping file with fewer known names than the
	 * sniffer asks for may be a data row: its unknown cells are not kept.
	 */
	for (i = 0, known = 0; i < r->columns.n; i++)
		known += r->columns.field[i] != LEAK_FIELD_NONE;
	/* and unknown cells are shown only beside a majority of known names (a data row
	   with "Portable" and "Mail" in it can pass for a header) */
	trusted = (known >= 2 || (known == 1 && r->columns.n <= 2)) && 2 * known >= r->columns.n;
	/* a header cell spanning lines (or U+2028/U+2029/NEL, which do not end rows here) may hold data rows */
	for (i = 0; i < r->columns.n && trusted; i++)
		trusted = !has_line_break(row->field[i], row->len[i]);
	if (r->dialect.header) {
		for (i = 0; i < r->columns.n; i++) {
			size_t n = row->len[i] < LEAK_HEADER_NAME_MAX - 1 ? row->len[i] : LEAK_HEADER_NAME_MAX - 1;

			while (n > 0 && ((unsigned char)row->field[i][n] & 0xC0) == 0x80 &&
			       n < row->len[i])
				n--;
			if (leak_looks_like_identifier(row->field[i], row->len[i]) ||
			    (!trusted && r->columns.field[i] == LEAK_FIELD_NONE))
				snprintf(r->columns.header[i], LEAK_HEADER_NAME_MAX, "column %u", i + 1);
			else {
				memcpy(r->columns.header[i], row->field[i], n);
				r->columns.header[i][n] = '\0';
			}
		}
	} else {
		for (i = 0; i < r->columns.n; i++) {
			r->columns.field[i] = LEAK_FIELD_NONE;
			r->columns.header[i][0] = '\0';
		}
		/* the first row is data: next_split hands it out again */
		st->pending_row = 1;
	}
	if (m && m->has_by_index)
		for (i = 0; i < r->columns.n; i++)
			if (m->by_index[i] != LEAK_FIELD_NONE)
				r->columns.field[i] = m->by_index[i];
	if (!r->dialect.header && !(m && m->has_by_index)) {
		/* the first row may be short or long: the usual field count decides */
		modal_field_count(r);
		leak_infer_columns(r, st->infer);
		if (!st->infer && st->refuse_headerless) {
			err->file = st->name;
			return bc_error_set(err, bc_err_no_header,
					    "the file has no header row and no mapping says what its columns are");
		}
	} else {
		for (i = 0, known = 0; i < r->columns.n; i++)
			known += r->columns.field[i] == LEAK_FIELD_NONE;
		if (known)
			leak_infer_columns(r, 0);
	}
	leak_setup_row_ctx(r);
	return 0;
}
