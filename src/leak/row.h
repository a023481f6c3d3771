#ifndef BC_LEAK_ROW_H
#define BC_LEAK_ROW_H

/*
 * Private to src/leak: one split row to one struct bc_record (DESIGN.md §4
 * and §7; docs/leak-files.md "Reading, step by step", step 4). row.c sees
 * only this narrow context, not the reader: the reader includes row.h, row.c
 * does not include the reader's state (no include cycle).
 */

#include "leak/reader.h"

struct leak_row_ctx {
	const struct leak_columns *columns; /* field of each column; header names for errors */
	const char *name;                   /* file name for errors (borrowed) */
	const char *source;                 /* the mapping's "source =", or NULL */
	int strict;                         /* the first bad value is a fatal error */
	struct leak_stats *stats;           /* bad values are counted here */
};

/* Record a bad row for reason at line (counts, first LEAK_STATS_LINES lines). */
void leak_stats_note(struct leak_stats *s, enum leak_reason reason, unsigned long line);

/*
 * Fill rec (caller-owned, overwritten) from a split row of ctx->columns->n
 * fields. Returns 0, or -1 in strict mode with err set ("FILE:LINE:COL", the
 * reason as code, the column named, never its value).
 */
int leak_row_to_record(const struct leak_row_ctx *ctx, const struct leak_row *row,
		       struct bc_record *rec, struct bc_error *err);

/* 1 if the field is empty once trimmed of white space and no-break spaces, or a placeholder ("-", "NULL", "néant"...). */
int leak_value_is_empty(const char *s, size_t n);

/* ASCII case-insensitive equality of s (n bytes) with the lowercase word w (inline: a per-field test). */
static inline int leak_ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		/* w ends first: a NUL byte inside the field must not match w's terminator and read past it */
		if (w[i] == '\0' || c != w[i])
			return 0;
	}
	return w[n] == '\0';
}

/* dates.c. */
/* D/M/YYYY, D-M-YYYY, D.M.YYYY, YYYY-MM-DD[...], D/M/YY (anything may follow): 0 with y, m, d, or -1. */
int leak_parse_sample_date(const char *s, size_t n, int *y, int *m, int *d);
/* YYYYMMDD or DDMMYYYY (8 digits): 0 with y, m, d, or -1. */
int leak_parse_compact_date(const char *s, size_t n, int *y, int *m, int *d);
/* "née le 3 juillet 1985", "12 03 1985", "mars 1985" as "DD/MM/YYYY" (or YY) in out: 0, or -1. */
int leak_dob_in_words(const char *s, size_t n, char out[32]);

/* A date in the forms the sample-date parser reads (D/M/YYYY, YYYY-MM-DD..., YYYYMMDD): 0 with y, m, d, or -1. */
int leak_parse_date(const char *s, size_t n, int *y, int *m, int *d);

#endif
