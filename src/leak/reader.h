#ifndef BC_LEAK_READER_H
#define BC_LEAK_READER_H

/*
 * Streaming reader of leak files as they circulate: sniff the dialect
 * (encoding, delimiter, quoting, header, line endings), decode to UTF-8,
 * split rows (RFC 4180 quoting, lenient), map columns to fields from header
 * names, and turn each row into a struct bc_record (DESIGN.md §4 and §7).
 * Memory is fixed after leak_reader_init (a few MiB of buffers, whatever the
 * file size). Algorithms, mapping file format and error reasons are in
 * docs/leak-files.md.
 *
 * Errors never quote a value of the file: they name the file, line, byte
 * column and field.
 */

#include <stddef.h>
#include <stdio.h>

#include "leak/record.h"
#include "util/error.h"

#define LEAK_MAX_COLUMNS 128       /* columns beyond are not read (leak_columns.n_fields counts them) */
#define LEAK_HEADER_NAME_MAX 64    /* header names are kept truncated to 63 bytes */
#define LEAK_STATS_LINES 10        /* first line numbers kept per error reason */
#define LEAK_MAX_ROW_BYTES (2u << 20) /* a longer row (decoded) is a fatal row_too_long */
#define LEAK_MAPPING_MAX_NAMES 64

enum leak_encoding {
	LEAK_ENC_AUTO = 0,
	LEAK_ENC_UTF8,
	LEAK_ENC_UTF8_BOM,
	LEAK_ENC_CP1252,           /* Windows-1252, a superset of Latin-1 for text */
	LEAK_ENC_UTF16LE,
	LEAK_ENC_UTF16BE,
	LEAK_ENC_ISO8859_15,       /* Latin-9: Œ œ Š š Ž ž Ÿ € where CP1252 has ¼ ½ ¦ ¨ ´ ¸ ¾ ¤ */
};

enum leak_newline {
	LEAK_NL_NONE = 0,          /* single line without terminator */
	LEAK_NL_LF,
	LEAK_NL_CRLF,
	LEAK_NL_CR,
};

/* Fields a column can map to. */
enum leak_field {
	LEAK_FIELD_NONE = 0,       /* unmapped (reported by profile) */
	LEAK_FIELD_LAST_NAME,      /* may hold "X épouse Y", "Y née X", "Vve Y" */
	LEAK_FIELD_BIRTH_NAME,
	LEAK_FIELD_USAGE_NAME,
	LEAK_FIELD_FIRST_NAME,
	LEAK_FIELD_SEX,
	LEAK_FIELD_DOB,
	LEAK_FIELD_NIR,
	LEAK_FIELD_ADDRESS,
	LEAK_FIELD_POSTCODE,
	LEAK_FIELD_CITY,
	LEAK_FIELD_PHONE,
	LEAK_FIELD_EMAIL,
	LEAK_FIELD_BLOOD_GROUP,
	LEAK_FIELD_DOCTOR,
	LEAK_FIELD_DOCTOR_ADDRESS,
	LEAK_FIELD_DOCTOR_PHONE,
	LEAK_FIELD_INSURER,
	LEAK_FIELD_LAB,
	LEAK_FIELD_SAMPLE_DATE,
	LEAK_FIELD_COMMENT,
	LEAK_FIELD_FULL_NAME,      /* "QUILLEBEUF Zéphyrine", "Quillebeuf, Zéphyrine": split by case or comma */
	LEAK_FIELD_IGNORE,         /* known, deliberately unused (mapping file "ignore") */
	LEAK_FIELD_COUNT
};

/* Reasons a row is counted as bad (docs/leak-files.md lists them). */
enum leak_reason {
	LEAK_REASON_FIELD_COUNT = 0, /* not as many fields as the header: row skipped */
	LEAK_REASON_CONTROL_BYTES,   /* NUL or control bytes in the row: row skipped */
	LEAK_REASON_INVALID_UTF8,    /* invalid UTF-8, field decoded as CP1252: row kept */
	LEAK_REASON_STRAY_QUOTE,     /* quote inside an unquoted field or after a closing quote: kept literally */
	LEAK_REASON_INVALID_NIR,     /* NIR present but malformed or wrong key: nir dropped */
	LEAK_REASON_INVALID_DOB,     /* date of birth present but not understood */
	LEAK_REASON_INVALID_EMAIL,
	LEAK_REASON_INVALID_PHONE,
	LEAK_REASON_INVALID_SAMPLE_DATE,
	LEAK_REASON_COUNT
};

/*
 * How a row whose field count differs from the header's (or that holds
 * control bytes) was kept (docs/leak-files.md "Keep every row").
 */
enum leak_repair {
	LEAK_REPAIR_SHORT_ROW = 0,      /* fewer fields: kept by position, the missing trailing fields empty */
	LEAK_REPAIR_SURPLUS_EMPTY,      /* more fields, the surplus ones empty: dropped */
	LEAK_REPAIR_COMMENT_REJOINED,   /* more fields: the surplus joined back into the last column
					   (free text), the delimiter restored */
	LEAK_REPAIR_SURPLUS_ASIDE,      /* more fields, not into free text: kept aside (counted), row kept */
	LEAK_REPAIR_CONTROL_BYTES,      /* NUL or control bytes: read as spaces */
	LEAK_REPAIR_COUNT
};

/* Why a row was dropped: only when nothing usable can be read from it. */
enum leak_drop {
	LEAK_DROP_NOTHING_USABLE = 0,   /* after repair, every mapped field is empty */
	LEAK_DROP_COUNT
};

enum leak_format {
	LEAK_FORMAT_TABLE = 0,     /* delimited text (CSV and its kin) */
	LEAK_FORMAT_HPRIM,         /* HPRIM Santé 2.x records (H, P, OBR, C, A, L): docs/leak-files.md */
};

/* The dialect, as sniffed or forced by the mapping file. */
struct leak_dialect {
	enum leak_format format;
	enum leak_encoding encoding;
	char delimiter;            /* ',', ';', '\t', '|' (or what the mapping says) */
	char quote;                /* '"', or 0 for no quoting */
	int header;                /* 1 if the first row is a header */
	enum leak_newline newline; /* first line ending seen */
	char encoding_why[240];    /* why an 8-bit encoding was chosen ("" for BOM, UTF-8 and UTF-16) */
};

/* Parsed --mapping file (format in docs/leak-files.md). */
struct leak_mapping {
	enum leak_encoding encoding;       /* LEAK_ENC_AUTO: sniff */
	int delimiter;                     /* 0: sniff */
	int quote;                         /* -1: default '"'; 0: none; else the character */
	int header;                        /* -1: sniff; 0 no; 1 yes */
	enum leak_field by_index[LEAK_MAX_COLUMNS]; /* "column N = field" (N 1-based); NONE = not set */
	int has_by_index;
	int n_by_name;                     /* "column "Header" = field" */
	char by_name[LEAK_MAPPING_MAX_NAMES][LEAK_HEADER_NAME_MAX];
	enum leak_field by_name_field[LEAK_MAPPING_MAX_NAMES];
	char source[BC_SOURCE_MAX];        /* "source = NAME": lab when no lab column */
};

struct leak_options {
	const struct leak_mapping *mapping; /* may be NULL; borrowed for the reader's life */
	int strict;                        /* first bad row is a fatal error */
	int infer;                         /* headerless file: map the columns by their content
					      (--mapping auto; docs/leak-files.md "Files without a header") */
	int refuse_headerless;             /* headerless, no mapping, no infer: error "no_header" (ingest) */
};

#define LEAK_INFER_SAMPLE_ROWS 2000       /* rows examined (those in the first buffer) */
#define LEAK_INFER_EVIDENCE 112

/* Each column's role as told by its content (infer.c), whether or not it was applied. */
struct leak_inference {
	unsigned rows;                     /* rows examined; 0 when inference did not run */
	int applied;                       /* the columns were mapped from it (headerless file) */
	enum leak_field field[LEAK_MAX_COLUMNS]; /* LEAK_FIELD_NONE: not recognised */
	char role[LEAK_MAX_COLUMNS][24];   /* "request identifier" for an ignored column, else "" */
	char evidence[LEAK_MAX_COLUMNS][LEAK_INFER_EVIDENCE]; /* "92 % valid NIR keys (1840 of 2000)" */
};

/* Counters of what the reader met; read them at any time. */
struct leak_stats {
	unsigned long rows;                /* data rows returned as records */
	unsigned long rows_skipped;        /* data rows not returned (field_count, control_bytes) */
	unsigned long blank_lines;
	unsigned long preamble_rows;       /* rows before the header (titles), skipped */
	unsigned long repeated_headers;    /* the header line again further down, skipped */
	unsigned long lines;               /* physical lines consumed so far */
	unsigned long long bytes;          /* raw bytes read */
	unsigned long replaced;            /* undecodable code units replaced by U+FFFD (UTF-16, CP1252 holes) */
	unsigned long reason_rows[LEAK_REASON_COUNT];
	unsigned long reason_lines[LEAK_REASON_COUNT][LEAK_STATS_LINES]; /* first lines, 0 = unused */
	/* Keep every row: rows = rows_as_read + rows_repaired; rows_skipped = rows dropped. */
	unsigned long rows_repaired;       /* rows kept after one repair or more */
	unsigned long repair_rows[LEAK_REPAIR_COUNT];
	unsigned long repair_lines[LEAK_REPAIR_COUNT][LEAK_STATS_LINES];
	unsigned long drop_rows[LEAK_DROP_COUNT];
	unsigned long drop_lines[LEAK_DROP_COUNT][LEAK_STATS_LINES];
	unsigned long dropped_with_identifier; /* dropped rows with a cell holding an '@' or 5 digits */
	unsigned long fields_aside;        /* surplus non-empty fields kept aside (not mapped) */
	unsigned short_min, short_max;     /* fields missing from short rows (0 when none) */
	unsigned surplus_min, surplus_max; /* surplus fields of long rows, before repair */
	unsigned long truncated_line;      /* the last row, when it is short and no line break ends it
					      (a file cut off in the middle of a row); 0 = none */
	unsigned truncated_missing;        /* the fields that row lacks */
};

/* The column layout of the file. */
struct leak_columns {
	unsigned n;                        /* number of columns (header or first row) */
	enum leak_field field[LEAK_MAX_COLUMNS];
	char header[LEAK_MAX_COLUMNS][LEAK_HEADER_NAME_MAX]; /* "" when headerless */
	unsigned n_fields;                 /* fields per row: n, or more when the columns beyond
					      LEAK_MAX_COLUMNS are ignored (rows are handed out with n) */
};

/* One split row: fields are decoded UTF-8, not NUL-terminated, valid until the next call. */
struct leak_row {
	unsigned long line;                /* physical line where the row starts */
	unsigned n;
	const char *field[LEAK_MAX_COLUMNS];
	size_t len[LEAK_MAX_COLUMNS];
	unsigned long field_line[LEAK_MAX_COLUMNS];
	unsigned long field_col[LEAK_MAX_COLUMNS]; /* 1-based byte column of the field start */
	unsigned flags;                    /* LEAK_ROW_* bits of what was odd in it */
	unsigned odd_field;                /* 0-based field of the first stray quote or control byte */
};

#define LEAK_ROW_STRAY_QUOTE 1u
#define LEAK_ROW_CONTROL 2u
#define LEAK_ROW_INVALID_UTF8 4u
#define LEAK_ROW_NO_NEWLINE 8u   /* the input ended inside the row (no line break after it) */

struct leak_reader_state;

struct leak_reader {
	struct leak_dialect dialect;
	struct leak_columns columns;
	struct leak_stats stats;
	struct leak_inference inference;   /* headerless files, and columns whose header is unknown */
	struct leak_reader_state *st;      /* private */
};

/*
 * Open a leak file and sniff it. path: the file ("-" for stdin). opt may be
 * NULL (defaults: sniff everything, lenient). Allocates the reader's buffers
 * (freed by leak_reader_release). Returns 0, or -1 with err set: "open_failed",
 * "empty_file", "binary_file", "no_columns", "bad_mapping", "out_of_memory".
 */
int leak_reader_init(struct leak_reader *r, const char *path,
		     const struct leak_options *opt, struct bc_error *err);

/* Same on an open stream (not closed by the reader); name is used in errors (borrowed). */
int leak_reader_init_file(struct leak_reader *r, FILE *f, const char *name,
			  const struct leak_options *opt, struct bc_error *err);

/* Same on a memory buffer of len bytes (borrowed, must outlive the reader). */
int leak_reader_init_buffer(struct leak_reader *r, const void *data, size_t len,
			    const char *name, const struct leak_options *opt,
			    struct bc_error *err);

/*
 * Next data row, split and decoded, but not mapped nor normalised (the
 * header row is never returned). Bad rows of structure (field_count,
 * control_bytes) are counted and skipped unless strict.
 * Returns 1 (row filled), 0 at end of file, -1 on a fatal error
 * ("unterminated_quote", "row_too_long", "read_failed", strict mode reasons).
 */
int leak_reader_next_row(struct leak_reader *r, struct leak_row *row, struct bc_error *err);

/*
 * Next record: leak_reader_next_row, then mojibake repair, name splitting,
 * email/phone splitting, normalisation (DESIGN.md §4), data classes (§7).
 * rec is caller-owned and overwritten. Returns 1, 0 at end, -1 fatal (err set;
 * in strict mode the first bad row, "FILE:LINE:COL" in err).
 */
int leak_reader_next(struct leak_reader *r, struct bc_record *rec, struct bc_error *err);

/* Free the buffers (and close the file if the reader opened it). The struct stays valid to read stats. */
void leak_reader_release(struct leak_reader *r);

/* leak_reader_release, then free(r) for a reader obtained from malloc. */
void leak_reader_free(struct leak_reader *r);

/* Names for reports and JSON. */
const char *leak_encoding_name(enum leak_encoding e);   /* "utf-8", "utf-8-bom", "cp1252", "utf-16le", "utf-16be",
							   "iso-8859-15" */
const char *leak_newline_name(enum leak_newline nl);    /* "lf", "crlf", "cr", "none" */
const char *leak_format_name(enum leak_format f);       /* "table", "hprim" */
const char *leak_delimiter_name(char delimiter);        /* "comma", "semicolon", "tab", "pipe", "other" */
const char *leak_field_name(enum leak_field f);         /* "last_name", ...; "unmapped" for NONE */
const char *leak_reason_name(enum leak_reason reason);  /* "field_count", ... */
const char *leak_repair_name(enum leak_repair repair);  /* "short_row", "surplus_empty", "comment_rejoined",
							   "surplus_aside", "control_bytes" */
const char *leak_repair_text(enum leak_repair repair);  /* what was done, in English, for reports */
const char *leak_drop_name(enum leak_drop drop);        /* "nothing_usable" */

/*
 * The likely cause of the repairs and drops in s, in one English sentence
 * (for instance "every row has 1 field fewer than the header: the trailing
 * empty column was removed (as `sed 's/,$//'` does)"), or NULL when no row
 * was repaired or dropped. Written to buf (size bytes); never quotes a value.
 */
const char *leak_stats_cause(const struct leak_stats *s, char *buf, size_t size);

/* Field from a mapping-file name ("nir", "last_name", ...), or -1. */
int leak_field_from_name(const char *name, size_t len);

/*
 * Field from a header cell (French and English names and abbreviations,
 * insensitive to case, accents, spaces and punctuation); LEAK_FIELD_NONE if
 * unknown. in: UTF-8, len bytes.
 */
enum leak_field leak_field_from_header(const char *in, size_t len);

/*
 * The inferred mapping as a mapping file (docs/leak-files.md), one comment
 * line of evidence above each column line, ready to be saved, edited and
 * passed with --mapping. name: the leak file's name for the first comment
 * (borrowed). Never prints a value of the file. Returns 0, -1 on a write error.
 */
int leak_inference_write_mapping(const struct leak_reader *r, const char *name, FILE *out);

/* Set a mapping to "sniff everything". */
void leak_mapping_init(struct leak_mapping *m);

/*
 * Parse a mapping file (docs/leak-files.md) into m (caller-owned).
 * Returns 0, or -1 with err "bad_mapping" / "open_failed" and file:line set.
 */
int leak_mapping_load(struct leak_mapping *m, const char *path, struct bc_error *err) BC_MUST_CHECK;

/* Same from a NUL-terminated string (name used in errors). */
int leak_mapping_parse(struct leak_mapping *m, const char *text, const char *name,
		       struct bc_error *err);

#endif
