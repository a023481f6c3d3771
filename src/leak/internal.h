#ifndef BC_LEAK_INTERNAL_H
#define BC_LEAK_INTERNAL_H

/* Private to src/leak: the reader's state, shared by reader.c and row.c. */

#include <stdint.h>
#include <stdio.h>

#include "leak/reader.h"
#include "leak/row.h"

#define LEAK_BUF_BYTES LEAK_MAX_ROW_BYTES
#define LEAK_SNIFF_BYTES (64u * 1024u)
#define LEAK_RAW_BYTES (256u * 1024u)
#define LEAK_HEADER_SEARCH_ROWS 10    /* the header may follow a few title lines */

struct leak_reader_state {
	const char *name;
	FILE *f;
	int own_f;
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	int src_eof;

	unsigned char *head;          /* sniffed bytes, replayed before the source */
	size_t head_len, head_pos;

	unsigned char *raw;           /* transcoding input */
	unsigned char carry[4];
	size_t ncarry;

	unsigned char *buf;           /* decoded UTF-8; buf[len] is a 0 sentinel */
	size_t cap, len, pos;
	int eof;                      /* source exhausted and decoded into buf */
	unsigned long line;           /* physical line at pos */
	int need_utf8_check;
	int ascii_so_far;             /* UTF-8 sniffed from an all-ASCII sample, nothing else seen yet */

	unsigned char utab[256];      /* byte classes outside quotes */
	unsigned char qtab[256];      /* byte classes inside quotes */

	char *scratch;                /* per-row re-decoding of invalid UTF-8 fields */
	size_t scratch_used, scratch_cap;
	unsigned first_repaired;      /* first field re-decoded in the current row */

	size_t cap_override;          /* leak_reader_init_buffer_cap */
	int strict;
	int infer, refuse_headerless;  /* leak_options */
	const struct leak_mapping *mapping;
	struct leak_row row;
	struct leak_row_ctx row_ctx;  /* what row.c sees of the reader */
	struct leak_hprim *hprim;     /* HPRIM Santé state (hprim.c), NULL for tables */
	int pending_row;              /* row holds the first row of a headerless file */
	int peek;                     /* looking for the header: no refill, no change to buf */
};

/*
 * leak_reader_init_buffer with a decoded-text buffer of cap bytes (clamped to
 * 256..LEAK_MAX_ROW_BYTES) instead of one sized to the input: tests and the
 * fuzzer use it so that rows meet refill boundaries; a longer row is
 * row_too_long.
 */
int leak_reader_init_buffer_cap(struct leak_reader *r, const void *data, size_t len,
				const char *name, const struct leak_options *opt, size_t cap,
				struct bc_error *err);

/*
 * Repair a split row whose field count differs from the header's, or that
 * holds control bytes (repair.c): row->n becomes the number of columns.
 * Returns 1 to keep the row (counted as repaired if it was), 0 when it is
 * dropped (counted by reason).
 */
int leak_repair_row(struct leak_reader *r, struct leak_row *row);

/* 1 if a cell looks like an identifier: an '@', or five digits or more (repair.c). */
int leak_looks_like_identifier(const char *s, size_t n);

/*
 * ISO-8859-15 or CP1252 for n bytes that are not UTF-8 (latin9.c), by the
 * bytes that stand between two letters; why: the evidence in one English
 * sentence (whysize bytes). Returns LEAK_ENC_ISO8859_15 or LEAK_ENC_CP1252.
 */
enum leak_encoding leak_sniff_latin9(const unsigned char *p, size_t n, char *why, size_t whysize);

/* The code point of an ISO-8859-15 byte (latin9.c). */
uint32_t leak_latin9_cp(unsigned char c);

/*
 * Call cb on up to max rows from the current position without consuming
 * them (the headerless first row included), from the buffer already filled
 * (no refill). Rows are split but not repaired nor mapped. Returns the count.
 */
unsigned leak_peek_rows(struct leak_reader *r, unsigned max,
			void (*cb)(void *arg, const struct leak_row *row), void *arg);

/* Columns' roles from their content into r->inference (infer.c); applied to r->columns if apply. */
void leak_infer_columns(struct leak_reader *r, int apply);

/* The next split row (blank lines skipped), refilling as needed: 1, 0 at end, -1 (reader.c). */
int leak_next_split(struct leak_reader *r, struct leak_row *row, struct bc_error *err);

/* HPRIM Santé (hprim.c): sniffed from the first bytes ("H|", then a "P|" line); *delim: the field delimiter. */
int leak_sniff_hprim(const unsigned char *b, size_t n, char *delim);
/* Set the virtual columns and allocate the state. Returns 0, or -1 "out_of_memory". */
int leak_hprim_setup(struct leak_reader *r, struct bc_error *err);
/* One P record with its OBR and C records as a row of the virtual columns: 1, 0 at end, -1. */
int leak_hprim_next_row(struct leak_reader *r, struct leak_row *row, struct bc_error *err);
void leak_hprim_free(struct leak_reader *r);

/* sniff.c: the delimiter of the first records; the first line ending; what a binary file is (a message). */
char leak_sniff_delimiter(const unsigned char *b, size_t n);
enum leak_newline leak_sniff_newline(const unsigned char *b, size_t n);
const char *leak_binary_kind(const unsigned char *p, size_t n);

/* header.c: find the header (or not), map the columns, fill the row context. Returns 0, or -1 with err. */
int leak_setup_columns(struct leak_reader *r, struct bc_error *err);
void leak_setup_row_ctx(struct leak_reader *r);

/* Canonical header key: lowercase ASCII, accents folded, only a-z0-9 kept. Returns length. */
size_t leak_header_key(const char *in, size_t len, char *out, size_t outsize);

#endif
