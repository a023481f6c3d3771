/*
 * Keep every row (issue 11, docs/leak-files.md "Keep every row"): a row
 * whose field count differs from the header's is repaired, not skipped; a
 * row is dropped only when nothing usable can be read from it.
 */
#include "leak/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const repair_names[LEAK_REPAIR_COUNT] = {
	"short_row", "surplus_empty", "comment_rejoined", "surplus_aside", "control_bytes",
};

static const char *const repair_texts[LEAK_REPAIR_COUNT] = {
	"fewer fields than the header: kept by position, missing trailing fields empty",
	"more fields than the header, the surplus empty: surplus dropped",
	"more fields than the header: surplus joined back into the last column (free text), delimiter restored",
	"more fields than the header, not into free text: surplus kept aside and counted, row kept",
	"NUL or control bytes: read as spaces",
};

const char *leak_repair_name(enum leak_repair repair)
{
	return (unsigned)repair < LEAK_REPAIR_COUNT ? repair_names[repair] : "unknown";
}

const char *leak_repair_text(enum leak_repair repair)
{
	return (unsigned)repair < LEAK_REPAIR_COUNT ? repair_texts[repair] : "unknown";
}

const char *leak_drop_name(enum leak_drop drop)
{
	return drop == LEAK_DROP_NOTHING_USABLE ? "nothing_usable" : "unknown";
}

static void note(unsigned long *rows, unsigned long lines[LEAK_STATS_LINES], unsigned long line)
{
	unsigned long n = (*rows)++;

	if (n < LEAK_STATS_LINES)
		lines[n] = line;
}

static void minmax(unsigned *lo, unsigned *hi, unsigned v)
{
	if (!*lo || v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

int leak_looks_like_identifier(const char *s, size_t n)
{
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '@')
			return 1;
		digits += s[i] >= '0' && s[i] <= '9';
	}
	return digits >= 5;
}

static int is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * Fields first..last-1 as one field, the delimiters between them restored:
 * in place when they lie side by side in the buffer (unquoted), else copied
 * into the scratch buffer.
 */
static void join_fields(struct leak_reader *r, struct leak_row *row, unsigned first, unsigned last)
{
	struct leak_reader_state *st = r->st;
	const char d = r->dialect.delimiter;
	unsigned i;
	size_t total = 0;
	int adjacent = 1;
	char *o;

	for (i = first; i < last; i++) {
		total += row->len[i] + (i > first);
		if (i > first && (row->field[i - 1] + row->len[i - 1] + 1 != row->field[i] ||
				  row->field[i][-1] != d))
			adjacent = 0;
	}
	if (adjacent) {
		row->len[first] = total;
		return;
	}
	if (st->scratch_used + total > st->scratch_cap) {
		/* cannot happen (a row fits the buffer, scratch is 4 times larger): keep the first part */
		return;
	}
	o = st->scratch + st->scratch_used;
	for (i = first; i < last; i++) {
		if (i > first)
			*o++ = d;
		memcpy(o, row->field[i], row->len[i]);
		o += row->len[i];
	}
	row->field[first] = st->scratch + st->scratch_used;
	row->len[first] = total;
	st->scratch_used += total;
}

/* Control bytes (the row scanner's C_CTRL and C_NUL) become spaces, in the reader's own buffers. */
static void blank_controls(struct leak_row *row, unsigned n)
{
	unsigned i;
	size_t k;
	char *p;

	for (i = 0; i < n; i++) {
		p = (char *)(uintptr_t)row->field[i];
		for (k = 0; k < row->len[i]; k++)
			if (((unsigned char)p[k] < 0x20 && p[k] != '\t' && p[k] != '\n' && p[k] != '\r') ||
			    p[k] == 0x7F)
				p[k] = ' ';
	}
}

static void fix_short(struct leak_reader *r, struct leak_row *row, unsigned want, unsigned *did)
{
	static const char empty[1] = "";
	unsigned i, stored = want < LEAK_MAX_COLUMNS ? want : LEAK_MAX_COLUMNS;

	for (i = row->n; i < stored; i++) {
		row->field[i] = empty;
		row->len[i] = 0;
		row->field_line[i] = row->line;
		row->field_col[i] = 0;
	}
	minmax(&r->stats.short_min, &r->stats.short_max, want - row->n);
	*did |= 1u << LEAK_REPAIR_SHORT_ROW;
	row->n = want;
}

static void fix_long(struct leak_reader *r, struct leak_row *row, unsigned want, unsigned *did)
{
	unsigned n = row->n, last = want - 1;

	minmax(&r->stats.surplus_min, &r->stats.surplus_max, n - want);
	/* beyond the stored columns nothing can be told: those are aside */
	while (n > want && n <= LEAK_MAX_COLUMNS && is_blank(row->field[n - 1], row->len[n - 1]))
		n--;
	if (n < row->n)
		*did |= 1u << LEAK_REPAIR_SURPLUS_EMPTY;
	if (n > want && n <= LEAK_MAX_COLUMNS && r->columns.field[last] == LEAK_FIELD_COMMENT) {
		join_fields(r, row, last, n);
		*did |= 1u << LEAK_REPAIR_COMMENT_REJOINED;
	} else if (n > want) {
		r->stats.fields_aside += n - want;
		*did |= 1u << LEAK_REPAIR_SURPLUS_ASIDE;
	}
	row->n = want;
}

/* A repaired row with every mapped field empty gives nothing: dropped, and counted. */
static int usable(struct leak_reader *r, const struct leak_row *row)
{
	const struct leak_columns *c = &r->columns;
	unsigned i, n = row->n < c->n ? row->n : c->n;

	for (i = 0; i < n; i++)
		if (c->field[i] != LEAK_FIELD_NONE && c->field[i] != LEAK_FIELD_IGNORE &&
		    !leak_value_is_empty(row->field[i], row->len[i]))
			return 1;
	return 0;
}

int leak_repair_row(struct leak_reader *r, struct leak_row *row)
{
	const unsigned want = r->columns.n_fields;
	unsigned did = 0, i, stored = row->n < LEAK_MAX_COLUMNS ? row->n : LEAK_MAX_COLUMNS;
	int ident = 0;

	if (row->flags & LEAK_ROW_CONTROL) {
		blank_controls(row, stored);
		did |= 1u << LEAK_REPAIR_CONTROL_BYTES;
	}
	if (row->n < want && (row->flags & LEAK_ROW_NO_NEWLINE)) {
		r->stats.truncated_line = row->line;
		r->stats.truncated_missing = want - row->n;
	}
	if (row->n < want)
		fix_short(r, row, want, &did);
	else if (row->n > want)
		fix_long(r, row, want, &did);
	row->n = r->columns.n;
	if (!did)
		return 1;
	if (!usable(r, row)) {
		/* every field as split (the surplus ones too: they are still in the row's arrays) */
		for (i = 0; i < stored && !ident; i++)
			ident = leak_looks_like_identifier(row->field[i], row->len[i]);
		note(&r->stats.drop_rows[LEAK_DROP_NOTHING_USABLE], r->stats.drop_lines[LEAK_DROP_NOTHING_USABLE],
		     row->line);
		r->stats.dropped_with_identifier += ident;
		r->stats.rows_skipped++;
		return 0;
	}
	for (i = 0; i < LEAK_REPAIR_COUNT; i++)
		if (did & (1u << i))
			note(&r->stats.repair_rows[i], r->stats.repair_lines[i], row->line);
	r->stats.rows_repaired++;
	return 1;
}

/* "every row has", "1 row has", "12 rows have" */
static const char *count_rows(unsigned long k, unsigned long all, char *buf, size_t size)
{
	if (k == all)
		snprintf(buf, size, "every row has");
	else
		snprintf(buf, size, "%lu row%s", k, k > 1 ? "s have" : " has");
	return buf;
}

const char *leak_stats_cause(const struct leak_stats *s, char *buf, size_t size)
{
	char n[48];
	unsigned long shortr = s->repair_rows[LEAK_REPAIR_SHORT_ROW], empty = s->repair_rows[LEAK_REPAIR_SURPLUS_EMPTY];
	int only_short = shortr && shortr == s->rows_repaired && s->short_min == s->short_max;
	int only_long = empty && empty == s->rows_repaired && s->surplus_min == s->surplus_max &&
			!s->repair_rows[LEAK_REPAIR_COMMENT_REJOINED] && !s->repair_rows[LEAK_REPAIR_SURPLUS_ASIDE];

	if (!s->rows_repaired && !s->rows_skipped)
		return NULL;
	if (s->truncated_line && !(only_short && shortr > 1))
		/* only_short with other rows as short: sed 's/,$//' on a file without a final newline */
		snprintf(buf, size,
			 "the file ends inside a row: line %lu, the last, lacks %u field%s and a line break; "
			 "the file looks cut off (an interrupted copy or download) and any rows after it "
			 "are missing",
			 s->truncated_line, s->truncated_missing, s->truncated_missing > 1 ? "s" : "");
	else if (s->rows_skipped)
		snprintf(buf, size, "%lu row%s had nothing usable once repaired (every mapped field empty)%s",
			 s->rows_skipped, s->rows_skipped > 1 ? "s" : "",
			 s->dropped_with_identifier ? ", and some held an identifier in an unmapped or surplus field" : "");
	else if (only_short)
		snprintf(buf, size,
			 "%s %u field%s fewer than the header: the trailing empty column%s removed from the "
			 "file (as `sed 's/,$//'` does); the rows were read by position",
			 count_rows(shortr, s->rows, n, sizeof(n)), s->short_min, s->short_min > 1 ? "s" : "",
			 s->short_min > 1 ? "s were" : " was");
	else if (only_long)
		snprintf(buf, size,
			 "%s %u more field%s than the header, all empty: extra trailing delimiter%s; the empty "
			 "surplus was dropped",
			 count_rows(empty, s->rows, n, sizeof(n)), s->surplus_min, s->surplus_min > 1 ? "s" : "",
			 s->surplus_min > 1 ? "s" : "");
	else if (s->repair_rows[LEAK_REPAIR_COMMENT_REJOINED] * 2 >= s->rows_repaired)
		snprintf(buf, size, "the delimiter occurs unquoted in the comment (last column); it was restored");
	else if (shortr * 2 >= s->rows_repaired)
		snprintf(buf, size, "rows cut short (%u to %u trailing fields missing); they were read by position",
			 s->short_min, s->short_max);
	else
		snprintf(buf, size, "rows cut short, lengthened by extra delimiters or by an unquoted delimiter in "
				    "the comment; each was repaired as listed");
	return buf;
}
