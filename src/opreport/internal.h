#ifndef BC_OPREPORT_INTERNAL_H
#define BC_OPREPORT_INTERNAL_H

/* The operator's report's words (texts.c), shared with html.c; not public. */

#include <stddef.h>

#include "opreport/opreport.h"

enum text {
	T_TITLE, T_TITLE_INGEST, T_INTRO, T_SUMMARY, T_FILE, T_SIZE, T_LINES, T_ROWS,
	T_ROWS_COL, T_PATIENTS, T_UNLINKED, T_UNLINKED_WHY, T_FORMAT, T_HEADER_YES, T_HEADER_NO,
	T_SOURCES, T_SOURCES_NOTE, T_LAB, T_SHARE, T_PATIENTS_COL, T_OTHER_SOURCE, T_NO_SOURCE,
	T_YEARS, T_YEAR, T_FIRST_SAMPLE, T_UNKNOWN, T_MONTHS, T_MONTH,
	T_COVERAGE, T_COVERAGE_NOTE, T_CLASS,
	T_BAD, T_BAD_NOTE, T_REASON, T_FIRST_LINES, T_NO_BAD, T_REPAIRED, T_NO_REPAIRED,
	T_KEPT, T_DROPPED, T_NO_DROPPED, T_DROPPED_ID, T_ASIDE,
	T_SKIPPED, T_BLANK, T_BEFORE_HEADER, T_REPEATED_HEADERS, T_REPLACED,
	T_QUALITY, T_NIR, T_DOB, T_STATUS,
	T_SENSITIVE, T_SENSITIVE_NOTE, T_CATEGORY,
	T_MAPPING, T_COLUMN, T_HEADER, T_ROLE, T_EVIDENCE, T_CONTENT_SAYS, T_NOT_READ, T_WITHHELD, T_NO_HEADER,
	T_INGEST, T_TOKENS, T_KIND, T_DISTINCT, T_SHARED, T_BUCKETS, T_TIMINGS, T_STEP,
	T_SECONDS, T_JSON, T_JSON_NOTE, T_FOOTER, T_BAR,
	T_COUNT
};

/* Each text in English [0] and French [1]; static strings. */
extern const char *const bc_opreport_texts[T_COUNT][2];

/* Month names, January first, in English [0] and French [1]. */
extern const char *const bc_opreport_months[12][2];

/* A table of { key, English, French } rows, n of them. */
struct bc_opreport_table {
	const char *const (*rows)[3];
	size_t n;
};

extern const struct bc_opreport_table bc_opreport_reasons, bc_opreport_nir_states,
	bc_opreport_dob_states, bc_opreport_kinds, bc_opreport_figures, bc_opreport_steps;

/* The name of key in lang from t; key itself (borrowed) when t has no such row. */
const char *bc_opreport_lookup(const struct bc_opreport_table *t, const char *key,
			       enum bc_report_lang lang);

#endif
