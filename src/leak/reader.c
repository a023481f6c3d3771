#include "leak/internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "normalize/text.h"
#include "util/utf8.h"

/* Byte classes of the row scanner; 0 means "ordinary byte, keep going". */
enum { C_ORD = 0, C_DELIM, C_QUOTE, C_LF, C_CR, C_NUL, C_CTRL };

/* Windows-1252 0x80-0x9F; 0 marks the five undefined bytes. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static uint32_t cp1252_cp(unsigned char c)
{
	if (c >= 0x80 && c < 0xA0)
		return cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD;
	return c;
}

/* Raw bytes from the sniffed head, then the file or memory buffer. */
static size_t src_read(struct leak_reader_state *st, unsigned char *dst, size_t n,
		       struct leak_stats *stats)
{
	size_t got = 0, k;

	if (st->head_pos < st->head_len) {
		k = st->head_len - st->head_pos;
		if (k > n)
			k = n;
		memcpy(dst, st->head + st->head_pos, k);
		st->head_pos += k;
		return k;
	}
	if (st->src_eof)
		return 0;
	if (st->f) {
		got = fread(dst, 1, n, st->f);
		if (got < n)
			st->src_eof = 1;
	} else {
		k = st->mem_len - st->mem_pos;
		got = k < n ? k : n;
		memcpy(dst, st->mem + st->mem_pos, got);
		st->mem_pos += got;
		if (st->mem_pos == st->mem_len)
			st->src_eof = 1;
	}
	stats->bytes += got;
	return got;
}

/* CP1252 or ISO-8859-15 (latin9) to UTF-8. */
static size_t decode_8bit(const unsigned char *in, size_t n, unsigned char *out, int latin9,
			  unsigned long *replaced)
{
	size_t i, o = 0;
	uint32_t cp;

	for (i = 0; i < n; i++) {
		if (in[i] < 0x80) {
			out[o++] = in[i];
			continue;
		}
		cp = latin9 ? leak_latin9_cp(in[i]) : cp1252_cp(in[i]);
		if (cp == 0xFFFD)
			(*replaced)++;
		o += bc_utf8_encode((int32_t)cp, out + o);
	}
	return o;
}

/* UTF-16 to UTF-8; an incomplete unit or a pending high surrogate stays in carry. */
static size_t decode_utf16(struct leak_reader_state *st, int be, unsigned char *in,
			   size_t n, unsigned char *out, int final, unsigned long *replaced)
{
	/* in has 4 bytes of headroom before it for the carried bytes */
	const unsigned char *p = in - st->ncarry;
	size_t i = 0, o = 0, total = st->ncarry + n;
	uint32_t u, u2;

	memcpy(in - st->ncarry, st->carry, st->ncarry);
	st->ncarry = 0;
	while (i + 2 <= total) {
		u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 4 > total) {
				if (!final)
					break;
				(*replaced)++;
				o += bc_utf8_encode(0xFFFD, out + o);
				i += 2;
				continue;
			}
			u2 = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
				: (uint32_t)(p[i + 3] << 8 | p[i + 2]);
			if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
				o += bc_utf8_encode((int32_t)(0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00)), out + o);
				i += 4;
				continue;
			}
			(*replaced)++;
			o += bc_utf8_encode(0xFFFD, out + o);
			i += 2;
			continue;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			(*replaced)++;
			u = 0xFFFD;
		}
		o += bc_utf8_encode((int32_t)u, out + o);
		i += 2;
	}
	if (i < total) {
		if (final) {
			(*replaced)++;
			o += bc_utf8_encode(0xFFFD, out + o);
		} else {
			st->ncarry = total - i;
			memcpy(st->carry, p + i, st->ncarry);
		}
	}
	return o;
}

/*
 * Move the unconsumed tail to the front and decode more input after it.
 * Returns the number of bytes added (0 at end of input).
 */
static size_t fill(struct leak_reader *r)
{
	struct leak_reader_state *st = r->st;
	size_t space, want, n, add = 0;

	if (st->pos) {
		memmove(st->buf, st->buf + st->pos, st->len - st->pos);
		st->len -= st->pos;
		st->pos = 0;
	}
	while (!st->eof && add == 0) {
		space = st->cap - st->len;
		switch (r->dialect.encoding) {
		case LEAK_ENC_CP1252:
		case LEAK_ENC_ISO8859_15:
			/* each byte becomes at most 3 */
			want = space / 3 < LEAK_RAW_BYTES ? space / 3 : LEAK_RAW_BYTES;
			if (!want)
				goto out;
			n = src_read(st, st->raw, want, &r->stats);
			add = decode_8bit(st->raw, n, st->buf + st->len,
					  r->dialect.encoding == LEAK_ENC_ISO8859_15, &r->stats.replaced);
			break;
		case LEAK_ENC_UTF16LE:
		case LEAK_ENC_UTF16BE:
			/* 2 bytes become at most 3, plus up to 3 carried bytes */
			want = space > 32 ? (space - 16) / 2 : 0;
			want = (want < LEAK_RAW_BYTES ? want : LEAK_RAW_BYTES) & ~(size_t)1;
			if (!want)
				goto out;
			n = src_read(st, st->raw + 4, want, &r->stats);
			add = decode_utf16(st, r->dialect.encoding == LEAK_ENC_UTF16BE, st->raw + 4, n,
					   st->buf + st->len, n == 0, &r->stats.replaced);
			break;
		default:
			if (!space)
				goto out;
			n = src_read(st, st->buf + st->len, space, &r->stats);
			add = n;
			break;
		}
		if (n == 0)
			st->eof = 1;
		st->len += add;
	}
out:
	st->buf[st->len] = 0;
	return add;
}

static void build_tables(struct leak_reader_state *st, char delim, char quote)
{
	int c;

	memset(st->utab, C_ORD, sizeof(st->utab));
	memset(st->qtab, C_ORD, sizeof(st->qtab));
	for (c = 1; c < 0x20; c++)
		if (c != '\t')
			st->utab[c] = st->qtab[c] = C_CTRL;
	st->utab[0x7F] = st->qtab[0x7F] = C_CTRL;
	st->utab[0] = st->qtab[0] = C_NUL;
	st->utab['\n'] = st->qtab['\n'] = C_LF;
	st->utab['\r'] = st->qtab['\r'] = C_CR;
	st->utab[(unsigned char)delim] = C_DELIM;
	if (quote) {
		st->utab[(unsigned char)quote] = C_QUOTE;
		st->qtab[(unsigned char)quote] = C_QUOTE;
	}
}

/*
 * Inside a quoted field, at the start of line p: 1 if that line holds at
 * least as many delimiters as a whole row of the header's columns has
 * (columns - 1, with 4 columns or more) before any quote or line end, i.e.
 * it is a row of the file that an unclosed quote would swallow; 0 if not;
 * -1 if the buffer ends first (more input may come).
 */
static int looks_like_row(const struct leak_reader *r, size_t p)
{
	const struct leak_reader_state *st = r->st;
	const unsigned char *b = st->buf, *ut = st->utab;
	unsigned need = r->columns.n >= 4 ? r->columns.n - 1 : 0, n = 0;

	if (!need)
		return 0;
	for (; p < st->len; p++) {
		unsigned char c = ut[b[p]];

		if (c == C_DELIM && ++n >= need)
			return 1;
		if (c == C_QUOTE || c == C_LF || c == C_CR)
			return 0;
	}
	return st->eof ? 0 : -1;
}

/*
 * Split one row starting at st->pos. Returns 1 with row filled and pos moved
 * past the row, 0 if the buffer ends before the row does (and more input may
 * come; nothing was modified), -1 on a fatal error (unterminated quote at end
 * of input). Doubled quotes are compacted in place only once the row is whole.
 */
static int split_row(struct leak_reader *r, struct leak_row *row, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;
	unsigned char *b = st->buf;
	const unsigned char *ut = st->utab, *qt = st->qtab;
	const unsigned char qc = (unsigned char)r->dialect.quote;
	size_t p = st->pos, end = st->len, linestart = st->pos, fstart, cstart, cend, w, q, qlinestart = 0;
	unsigned long line = st->line + 1, qline = 0, qcol;
	unsigned nf = 0, i, flags0 = 0, odd0 = 0;
	unsigned char esc[LEAK_MAX_COLUMNS];
	int c, escaped, k;

	row->flags = 0;
	row->line = line;
	for (;;) {
		fstart = p;
		escaped = 0;
		if (nf < LEAK_MAX_COLUMNS) {
			row->field_line[nf] = line;
			row->field_col[nf] = (unsigned long)(p - linestart) + 1;
		}
		if (ut[b[p]] == C_QUOTE) {
			qline = line;
			qcol = (unsigned long)(p - linestart) + 1;
			qlinestart = linestart;
			flags0 = row->flags;
			odd0 = row->odd_field;
			p++;
			cstart = p;
			for (;;) {
				while (qt[b[p]] == C_ORD)
					p++;
				c = qt[b[p]];
				if (c == C_QUOTE) {
					if (p + 1 >= end && !st->eof)
						return 0;
					if (p + 1 < end && b[p + 1] == qc) {
						escaped = 1;
						p += 2;
						continue;
					}
					break;
				}
				if (c == C_LF || c == C_CR) {
					if (c == C_CR && p + 1 >= end && !st->eof)
						return 0;
					p += c == C_CR && p + 1 < end && b[p + 1] == '\n' ? 2 : 1;
					line++;
					linestart = p;
					/* a whole row inside the quotes: the quote was stray */
					k = looks_like_row(r, p);
					if (k < 0)
						return 0;
					if (k > 0)
						goto stray_open;
				} else if (c == C_NUL && p >= end) {
					if (!st->eof)
						return 0;
					err->line = qline;
					err->column = qcol;
					return bc_error_set(err, bc_err_unterminated_quote,
							    "quoted field opened here is never closed: the file is truncated or its quoting is broken");
				} else {
					if (!row->flags)
						row->odd_field = nf;
					row->flags |= LEAK_ROW_CONTROL;
					p++;
				}
			}
			cend = p;
			p++;
			c = ut[b[p]];
			if (c != C_DELIM && c != C_LF && c != C_CR && !(c == C_NUL && p >= end)) {
				/* text after the closing quote: keep the raw field literally;
				 * if the quotes spanned lines, the opening one was stray and
				 * the lines it swallowed are rows of their own */
				if (line != qline)
					goto stray_open;
				if (!row->flags)
					row->odd_field = nf;
				row->flags |= LEAK_ROW_STRAY_QUOTE;
				goto unquoted;
			}
			if (nf < LEAK_MAX_COLUMNS) {
				row->field[nf] = (const char *)b + cstart;
				row->len[nf] = cend - cstart;
				esc[nf] = (unsigned char)escaped;
			}
		} else {
			if (0) {
stray_open:
				/* read the field again from its quote, unquoted, on its own line */
				p = fstart;
				line = qline;
				linestart = qlinestart;
				escaped = 0;
				row->flags = flags0;
				row->odd_field = odd0;
			}
unquoted:
			for (;;) {
				while (ut[b[p]] == C_ORD)
					p++;
				c = ut[b[p]];
				if (c == C_DELIM || c == C_LF || c == C_CR)
					break;
				if (c == C_NUL && p >= end) {
					if (!st->eof)
						return 0;
					break;
				}
				if (!row->flags)
					row->odd_field = nf;
				if (c == C_QUOTE)
					row->flags |= LEAK_ROW_STRAY_QUOTE;
				else
					row->flags |= LEAK_ROW_CONTROL;
				p++;
			}
			if (nf < LEAK_MAX_COLUMNS) {
				row->field[nf] = (const char *)b + fstart;
				row->len[nf] = p - fstart;
				esc[nf] = 0;
			}
		}
		nf++;
		c = ut[b[p]];
		if (c == C_DELIM) {
			p++;
			continue;
		}
		if (c == C_LF) {
			p++;
		} else if (c == C_CR) {
			if (p + 1 >= end && !st->eof)
				return 0;
			p += p + 1 < end && b[p + 1] == '\n' ? 2 : 1;
		} else {
			row->flags |= LEAK_ROW_NO_NEWLINE; /* the input ended inside this row */
		}
		break;
	}
	row->n = nf;
	st->line = line;
	r->stats.lines = line;
	if (st->need_utf8_check) {
		c = bc_utf8_check(b + st->pos, p - st->pos);
		if (c < 0)
			row->flags |= LEAK_ROW_INVALID_UTF8;
		else if (c > 0)
			st->ascii_so_far = 0;
	}
	for (i = 0; i < nf && i < LEAK_MAX_COLUMNS && !st->peek; i++) {
		if (!esc[i])
			continue;
		cstart = (size_t)((const unsigned char *)row->field[i] - b);
		cend = cstart + row->len[i];
		w = cstart;
		for (q = cstart; q < cend; q++) {
			b[w++] = b[q];
			if (b[q] == qc)
				q++;
		}
		row->len[i] = w - cstart;
	}
	st->pos = p;
	return 1;
}

/* Re-decode fields holding invalid UTF-8: valid sequences kept, other bytes read as CP1252. */
static void repair_row_utf8(struct leak_reader *r, struct leak_row *row)
{
	struct leak_reader_state *st = r->st;
	unsigned i, n = row->n < LEAK_MAX_COLUMNS ? row->n : LEAK_MAX_COLUMNS;
	const unsigned char *p;
	unsigned char *o;
	size_t j, k, len;

	/* appended: next_split empties the scratch per row, except while peeking (rows kept for inference) */
	st->first_repaired = LEAK_MAX_COLUMNS;
	for (i = 0; i < n; i++) {
		p = (const unsigned char *)row->field[i];
		len = row->len[i];
		if (bc_utf8_valid(p, len))
			continue;
		if (st->first_repaired == LEAK_MAX_COLUMNS)
			st->first_repaired = i;
		o = (unsigned char *)st->scratch + st->scratch_used;
		for (j = 0; j < len;) {
			k = bc_utf8_seq(p + j, len - j);
			if (k) {
				memcpy(o, p + j, k);
				o += k;
				j += k;
			} else {
				o += bc_utf8_encode((int32_t)(cp1252_cp(p[j])), o);
				j++;
			}
		}
		row->field[i] = st->scratch + st->scratch_used;
		row->len[i] = (size_t)((char *)o - (st->scratch + st->scratch_used));
		st->scratch_used += row->len[i];
	}
}

/*
 * The sniffed sample was all ASCII and the first non-ASCII row is not UTF-8:
 * the file is CP1252. The bytes not yet parsed go back to the replay buffer
 * and are decoded as CP1252 from now on (the current row's fields were
 * re-decoded by repair_row_utf8, the same bytes for CP1252 text).
 */
static int switch_to_cp1252(struct leak_reader *r)
{
	struct leak_reader_state *st = r->st;
	size_t n = st->len - st->pos;
	unsigned char *h = malloc(n + st->head_len - st->head_pos + 1);

	if (!h)
		return -1;
	memcpy(h, st->buf + st->pos, n);
	memcpy(h + n, st->head + st->head_pos, st->head_len - st->head_pos);
	free(st->head);
	st->head = h;
	st->head_len = n + st->head_len - st->head_pos;
	st->head_pos = 0;
	st->len = st->pos;
	st->buf[st->len] = 0;
	st->eof = 0;
	st->need_utf8_check = 0;
	st->ascii_so_far = 0;
	r->dialect.encoding = leak_sniff_latin9(h, st->head_len, r->dialect.encoding_why,
						sizeof(r->dialect.encoding_why));
	return 0;
}

/*
 * The row that revealed an 8-bit file was re-decoded as CP1252; in an
 * ISO-8859-15 file its letters ¦ ¨ ´ ¸ ¼ ½ ¾ (U+00A6...) are Š š Ž ž Œ œ Ÿ:
 * rewritten in place (two bytes each in UTF-8 either way).
 */
static void latin9_scratch(struct leak_reader_state *st)
{
	static const unsigned char from[7] = { 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE };
	static const unsigned char to[7][2] = { { 0xC5, 0xA0 }, { 0xC5, 0xA1 }, { 0xC5, 0xBD }, { 0xC5, 0xBE },
						{ 0xC5, 0x92 }, { 0xC5, 0x93 }, { 0xC5, 0xB8 } };
	unsigned char *p = (unsigned char *)st->scratch;
	size_t i;
	int k;

	for (i = 0; i + 1 < st->scratch_used; i++) {
		if (p[i] != 0xC2)
			continue;
		for (k = 0; k < 7; k++)
			if (p[i + 1] == from[k]) {
				p[i] = to[k][0];
				p[i + 1] = to[k][1];
				break;
			}
	}
}

/* Next split row, refilling as needed; blank lines skipped. 1, 0 (EOF), -1. */
static int next_split(struct leak_reader *r, struct leak_row *row, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;
	int rc;

	if (st->pending_row) {
		st->pending_row = 0;
		if (row != &st->row)
			*row = st->row;
		return 1;
	}
	for (;;) {
		if (!st->peek)
			st->scratch_used = 0;
		if (st->pos >= st->len) {
			if (st->eof || st->peek)
				return 0;
			fill(r);
			if (st->pos >= st->len && st->eof)
				return 0;
		}
		rc = split_row(r, row, err);
		if (rc < 0) {
			err->file = st->name;
			return -1;
		}
		if (rc == 0) {
			if (st->peek)
				return 0;
			if (st->eof) {
				/* cannot happen: split_row completes at EOF */
				err->file = st->name;
				return bc_error_set(err, bc_err_read_failed, "internal reader error");
			}
			if (st->pos == 0 && st->cap - st->len < 64) {
				err->file = st->name;
				err->line = st->line + 1;
				return bc_error_set(err, bc_err_row_too_long,
						    "row longer than %u bytes: not a text table, or broken quoting",
						    LEAK_MAX_ROW_BYTES);
			}
			fill(r);
			if (st->f && ferror(st->f)) {
				err->file = st->name;
				return bc_error_set(err, bc_err_read_failed, "read error: %s", strerror(errno));
			}
			continue;
		}
		if (row->n == 1 && row->len[0] == 0 &&
		    !(row->flags & ~(LEAK_ROW_INVALID_UTF8 | LEAK_ROW_NO_NEWLINE))) {
			r->stats.blank_lines++;
			continue;
		}
		if (row->flags & LEAK_ROW_INVALID_UTF8) {
			repair_row_utf8(r, row);
			if (st->ascii_so_far && !st->peek && switch_to_cp1252(r) == 0) {
				row->flags &= ~LEAK_ROW_INVALID_UTF8;
				if (r->dialect.encoding == LEAK_ENC_ISO8859_15)
					latin9_scratch(st);
			}
		}
		return 1;
	}
}

int leak_next_split(struct leak_reader *r, struct leak_row *row, struct bc_error *err)
{
	return next_split(r, row, err);
}

static int strict_fail(struct leak_reader *r, const struct leak_row *row, unsigned col,
		       enum leak_reason reason, struct bc_error *err, const char *what)
{
	err->file = r->st->name;
	err->line = row->line;
	err->column = col < LEAK_MAX_COLUMNS && col < row->n ? row->field_col[col] : 0;
	if (col < LEAK_MAX_COLUMNS && col < row->n)
		err->line = row->field_line[col];
	return bc_error_set(err, leak_reason_name(reason), "%s (strict mode)", what);
}

/* The header line again (files concatenated with their headers). */
static int is_header_again(const struct leak_reader *r, const struct leak_row *row)
{
	const struct leak_columns *c = &r->columns;
	unsigned i;
	size_t n;

	for (i = 0; i < row->n && i < c->n; i++) {
		n = strlen(c->header[i]);
		if (!n || row->len[i] < n || memcmp(row->field[i], c->header[i], n) ||
		    (row->len[i] > n && n < LEAK_HEADER_NAME_MAX - 4))
			return 0;
	}
	return 1;
}

int leak_reader_next_row(struct leak_reader *r, struct leak_row *row, struct bc_error *err)
{
	int rc;
	char what[96];

	if (r->dialect.format == LEAK_FORMAT_HPRIM)
		return leak_hprim_next_row(r, row, err);
	for (;;) {
		rc = next_split(r, row, err);
		if (rc <= 0)
			return rc;
		if (row->n != r->columns.n_fields) {
			leak_stats_note(&r->stats, LEAK_REASON_FIELD_COUNT, row->line);
			if (r->st->strict) {
				snprintf(what, sizeof(what), "expected %u fields, found %u", r->columns.n_fields,
					 row->n);
				/* point at the first extra field, or at the last one present */
				return strict_fail(r, row, row->n > r->columns.n_fields ? r->columns.n_fields : row->n - 1,
						   LEAK_REASON_FIELD_COUNT, err, what);
			}
		} else if (r->dialect.header && is_header_again(r, row)) {
			r->stats.repeated_headers++;
			continue;
		}
		if (row->flags & LEAK_ROW_CONTROL) {
			leak_stats_note(&r->stats, LEAK_REASON_CONTROL_BYTES, row->line);
			if (r->st->strict)
				return strict_fail(r, row, row->odd_field, LEAK_REASON_CONTROL_BYTES, err,
						   "NUL or control byte in the row");
		}
		if (!leak_repair_row(r, row))
			continue;
		if (row->flags & LEAK_ROW_INVALID_UTF8) {
			leak_stats_note(&r->stats, LEAK_REASON_INVALID_UTF8, row->line);
			if (r->st->strict)
				return strict_fail(r, row, r->st->first_repaired, LEAK_REASON_INVALID_UTF8, err,
						   "bytes that are not valid UTF-8");
		}
		if (row->flags & LEAK_ROW_STRAY_QUOTE) {
			leak_stats_note(&r->stats, LEAK_REASON_STRAY_QUOTE, row->line);
			if (r->st->strict)
				return strict_fail(r, row, row->odd_field, LEAK_REASON_STRAY_QUOTE, err,
						   "quote character inside an unquoted field or after a closing quote");
		}
		r->stats.rows++;
		return 1;
	}
}

int leak_reader_next(struct leak_reader *r, struct bc_record *rec, struct bc_error *err)
{
	int rc = leak_reader_next_row(r, &r->st->row, err);

	if (rc <= 0)
		return rc;
	if (leak_row_to_record(&r->st->row_ctx, &r->st->row, rec, err) < 0)
		return -1;
	return 1;
}

/* ---- sniffing ---- */

static enum leak_encoding sniff_encoding(const unsigned char *p, size_t n, int cut,
					 size_t *bom, int *binary, int *ascii)
{
	size_t i, k, even0 = 0, odd0 = 0, valid_mb = 0, invalid = 0, ctrl = 0, lim;

	*bom = 0;
	*binary = 0;
	*ascii = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*bom = 3;
		return LEAK_ENC_UTF8_BOM;
	}
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*bom = 2;
		return LEAK_ENC_UTF16LE;
	}
	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*bom = 2;
		return LEAK_ENC_UTF16BE;
	}
	lim = n < 4096 ? n : 4096;
	for (i = 0; i + 1 < lim; i += 2) {
		even0 += p[i] == 0;
		odd0 += p[i + 1] == 0;
	}
	if (lim >= 4 && odd0 * 10 >= (lim / 2) * 4 && even0 * 10 < (lim / 2))
		return LEAK_ENC_UTF16LE;
	if (lim >= 4 && even0 * 10 >= (lim / 2) * 4 && odd0 * 10 < (lim / 2))
		return LEAK_ENC_UTF16BE;
	for (i = 0; i < n;) {
		if (p[i] < 0x80) {
			/* a stray NUL is a bad row (control_bytes); many make a binary file */
			if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') ||
				 p[i] == 0x7F)
				ctrl++;
			i++;
			continue;
		}
		k = bc_utf8_seq(p + i, n - i);
		if (k) {
			valid_mb++;
			i += k;
		} else {
			if (!(cut && n - i < 4))
				invalid++;
			i++;
		}
	}
	if (ctrl * 100 > n || ctrl > 64)
		*binary = 1;
	*ascii = valid_mb == 0 && invalid == 0;
	if (invalid == 0)
		return LEAK_ENC_UTF8;
	return valid_mb > invalid ? LEAK_ENC_UTF8 : LEAK_ENC_CP1252;
}

static int sniff(struct leak_reader *r, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;
	const struct leak_mapping *m = st->mapping;
	enum leak_encoding enc;
	size_t bom = 0, n = 0, k, i, ctrl = 0;
	int binary = 0, ascii = 0;
	char delim;

	while (n < LEAK_SNIFF_BYTES) {
		k = src_read(st, st->head + n, LEAK_SNIFF_BYTES - n, &r->stats);
		if (!k)
			break;
		n += k;
	}
	st->head_len = n;
	st->head_pos = 0;
	if (st->f && ferror(st->f)) {
		err->file = st->name;
		return bc_error_set(err, bc_err_read_failed, "read error: %s", strerror(errno));
	}
	if (n == 0) {
		err->file = st->name;
		return bc_error_set(err, bc_err_empty_file, "the file is empty");
	}
	enc = sniff_encoding(st->head, n, n == LEAK_SNIFF_BYTES, &bom, &binary, &ascii);
	/* an all-ASCII sample of a longer file only says "UTF-8 so far" */
	st->ascii_so_far = ascii && n == LEAK_SNIFF_BYTES && !(m && m->encoding != LEAK_ENC_AUTO);
	if (m && m->encoding != LEAK_ENC_AUTO) {
		if (binary && (m->encoding == LEAK_ENC_UTF16LE || m->encoding == LEAK_ENC_UTF16BE))
			binary = 0;
		if (enc != m->encoding)
			bom = (m->encoding == LEAK_ENC_UTF8_BOM || m->encoding == LEAK_ENC_UTF8) &&
			      enc == LEAK_ENC_UTF8_BOM ? 3 : 0;
		enc = m->encoding;
	}
	if (binary) {
		err->file = st->name;
		return bc_error_set(err, bc_err_binary_file, "%s", leak_binary_kind(st->head, n));
	}
	if (enc == LEAK_ENC_CP1252 && !(m && m->encoding != LEAK_ENC_AUTO))
		enc = leak_sniff_latin9(st->head, n, r->dialect.encoding_why, sizeof(r->dialect.encoding_why));
	r->dialect.encoding = enc;
	st->head_pos = bom;
	st->need_utf8_check = enc == LEAK_ENC_UTF8 || enc == LEAK_ENC_UTF8_BOM;
	/* until EOF is seen or the buffer is full: a last row without newline must split in peek mode */
	while (fill(r) > 0 && !st->eof)
		;
	/* decoded UTF-16 may still be binary */
	for (i = 0; i < st->len && i < LEAK_SNIFF_BYTES; i++)
		if (st->buf[i] == 0 || (st->buf[i] < 0x20 && st->buf[i] != '\t' && st->buf[i] != '\n' &&
					st->buf[i] != '\r'))
			ctrl++;
	if (ctrl > 64 || (st->len && ctrl * 100 > (st->len < LEAK_SNIFF_BYTES ? st->len : LEAK_SNIFF_BYTES))) {
		err->file = st->name;
		return bc_error_set(err, bc_err_binary_file,
				    "NUL or control bytes: this is not a text table (or its encoding is not supported)");
	}
	for (i = 0; i < st->len; i++)
		if (st->buf[i] != ' ' && st->buf[i] != '\t' && st->buf[i] != '\n' && st->buf[i] != '\r')
			break;
	if (i == st->len) {
		err->file = st->name;
		return bc_error_set(err, bc_err_empty_file, "the file holds no row");
	}
	k = st->len < LEAK_SNIFF_BYTES ? st->len : LEAK_SNIFF_BYTES;
	if (!(m && (m->delimiter || m->has_by_index || m->n_by_name)) && leak_sniff_hprim(st->buf, k, &delim)) {
		/* HPRIM Santé: records, not a table; no quoting */
		r->dialect.format = LEAK_FORMAT_HPRIM;
		r->dialect.delimiter = delim;
		r->dialect.quote = 0;
		r->dialect.newline = leak_sniff_newline(st->buf, k);
		build_tables(st, delim, 0);
		leak_setup_row_ctx(r);
		return leak_hprim_setup(r, err);
	}
	delim = m && m->delimiter ? (char)m->delimiter : leak_sniff_delimiter(st->buf, k);
	r->dialect.delimiter = delim;
	r->dialect.quote = m && m->quote >= 0 ? (char)m->quote : '"';
	r->dialect.newline = leak_sniff_newline(st->buf, k);
	build_tables(st, delim, r->dialect.quote);
	return leak_setup_columns(r, err);
}

static int init_common(struct leak_reader *r, const struct leak_options *opt, struct bc_error *err)
{
	struct leak_reader_state *st = r->st;

	st->strict = opt ? opt->strict : 0;
	st->infer = opt ? opt->infer : 0;
	st->refuse_headerless = opt ? opt->refuse_headerless : 0;
	st->mapping = opt ? opt->mapping : NULL;
	st->cap = LEAK_BUF_BYTES;
	/* a small memory input fits whole, even tripled by transcoding */
	if (st->mem && st->mem_len < LEAK_BUF_BYTES / 4)
		st->cap = 3 * st->mem_len + 64;
	if (st->cap_override)
		st->cap = st->cap_override;
	st->head = malloc(LEAK_SNIFF_BYTES);
	st->raw = malloc(LEAK_RAW_BYTES + 4);
	st->buf = malloc(st->cap + 8);
	/* a row is at most cap bytes; re-decoding triples it at most, and the header repair adds one more */
	st->scratch_cap = 4 * st->cap + 64;
	st->scratch = malloc(st->scratch_cap);
	if (!st->head || !st->raw || !st->buf || !st->scratch) {
		err->file = st->name;
		return bc_error_set(err, bc_err_out_of_memory, "cannot allocate the reader's buffers");
	}
	st->buf[0] = 0;
	return sniff(r, err);
}

static int alloc_state(struct leak_reader *r, const char *name, struct bc_error *err)
{
	memset(r, 0, sizeof(*r));
	r->st = calloc(1, sizeof(*r->st));
	if (!r->st)
		return bc_error_set(err, bc_err_out_of_memory, "cannot allocate the reader");
	r->st->name = name;
	return 0;
}

int leak_reader_init_file(struct leak_reader *r, FILE *f, const char *name,
			  const struct leak_options *opt, struct bc_error *err)
{
	int rc = -1;

	if (alloc_state(r, name, err) < 0)
		goto out;
	r->st->f = f;
	rc = init_common(r, opt, err);
	if (rc < 0)
		leak_reader_release(r);
out:
	return rc;
}

/* Both buffer readers; cap 0: the default buffer size. */
static int init_buffer(struct leak_reader *r, const void *data, size_t len, const char *name,
		       const struct leak_options *opt, size_t cap, struct bc_error *err)
{
	int rc = -1;

	if (alloc_state(r, name, err) < 0)
		goto out;
	r->st->mem = data;
	r->st->mem_len = len;
	r->st->src_eof = len == 0;
	if (cap)
		r->st->cap_override = cap < 256 ? 256 : cap < LEAK_BUF_BYTES ? cap : LEAK_BUF_BYTES;
	rc = init_common(r, opt, err);
	if (rc < 0)
		leak_reader_release(r);
out:
	return rc;
}

int leak_reader_init_buffer(struct leak_reader *r, const void *data, size_t len,
			    const char *name, const struct leak_options *opt,
			    struct bc_error *err)
{
	return init_buffer(r, data, len, name, opt, 0, err);
}

int leak_reader_init_buffer_cap(struct leak_reader *r, const void *data, size_t len,
				const char *name, const struct leak_options *opt, size_t cap,
				struct bc_error *err)
{
	return init_buffer(r, data, len, name, opt, cap ? cap : 1, err);
}

int leak_reader_init(struct leak_reader *r, const char *path,
		     const struct leak_options *opt, struct bc_error *err)
{
	FILE *f;
	struct stat sb;
	int rc = -1;

	if (!strcmp(path, "-"))
		return leak_reader_init_file(r, stdin, "(stdin)", opt, err);
	f = fopen(path, "rb");
	if (!f) {
		memset(r, 0, sizeof(*r));
		err->file = path;
		bc_error_set(err, bc_err_open_failed, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		memset(r, 0, sizeof(*r));
		err->file = path;
		bc_error_set(err, bc_err_open_failed, "is a directory, not a leak file");
		goto out;
	}
	rc = leak_reader_init_file(r, f, path, opt, err);
	if (rc < 0) {
		fclose(f);
		goto out;
	}
	r->st->own_f = 1;
out:
	return rc;
}

void leak_reader_release(struct leak_reader *r)
{
	struct leak_reader_state *st;

	if (!r || !r->st)
		return;
	st = r->st;
	if (st->own_f && st->f)
		fclose(st->f);
	leak_hprim_free(r);
	free(st->head);
	free(st->raw);
	free(st->buf);
	free(st->scratch);
	free(st);
	r->st = NULL;
}

void leak_reader_free(struct leak_reader *r)
{
	leak_reader_release(r);
	free(r);
}
