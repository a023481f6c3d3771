#ifndef BC_REPORT_REPORT_H
#define BC_REPORT_REPORT_H

/*
 * The exposure report of `breachcheck check` (DESIGN.md §6 and §7): for each
 * breach found, which identifiers matched, which data classes of this person
 * were exposed, what the tier discloses (rows, period, labs), advice for
 * exactly those classes, the controller and the person's rights; for nothing
 * found, what was checked and what "not found" means. Human text in French or
 * English, and JSON (schema in docs/check.md).
 *
 * The report knows nothing of OPRF, HTTP or the index format: the client
 * hands it the catalogue of the breaches checked and, for every identifier
 * that matched, the decoded 16-byte payload (DESIGN.md §5).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "util/error.h"
#include "vocab/vocab.h"

enum bc_report_lang { BC_LANG_EN = 0, BC_LANG_FR = 1 };

/* Identifier kinds are the token kinds (enum bc_token_kind, BC_TOKEN_BIT) of
 * vocab/vocab.h; a set of kinds is a mask of BC_TOKEN_BIT. */

/* Longest catalogue text kept (longer is cut at a UTF-8 boundary). */
#define BC_REPORT_TEXT_MAX 512
#define BC_REPORT_MAX_SOURCES 8   /* distinct labs remembered per breach found */

/* The catalogue is an array of struct bc_breach and a matched entry a
 * struct bc_payload, both from vocab/vocab.h. A breach's strings are borrowed:
 * they must outlive the report. */

/* What the report gathered for one breach found (merged over identifiers). */
struct bc_report_hit {
	const struct bc_breach *breach;
	uint32_t matched;             /* BC_TOKEN_BIT of each identifier that matched */
	uint32_t shared;              /* BC_TOKEN_BIT of each matched identifier flagged shared */
	uint32_t flags;               /* union of data-class bits 0..19 and bit 30 */
	unsigned rows;                /* max over the non-shared payloads, 0 = not disclosed */
	uint16_t first_month, last_month;
	uint16_t sources[BC_REPORT_MAX_SOURCES];
	size_t n_sources;
};

/*
 * The report. breaches: borrowed array of the n_breaches breaches that were
 * checked (the whole catalogue). checked: BC_TOKEN_BIT of each identifier kind
 * the person gave. hits: owned, grown by bc_report_add.
 */
struct bc_report {
	const struct bc_breach *breaches;
	size_t n_breaches;
	uint32_t checked;
	struct bc_report_hit *hits;
	size_t n_hits;
};

/* Start an empty report over a borrowed catalogue. Never fails. */
void bc_report_init(struct bc_report *r, const struct bc_breach *breaches,
		    size_t n_breaches, uint32_t checked);

/* Free the hits (not the struct, not the catalogue). */
void bc_report_release(struct bc_report *r);

/*
 * Merge one matched payload for breach index `breach` (0..n_breaches-1):
 * the identifier kind is marked matched; a payload with the shared flag
 * (bit 31) adds only its own class bits and marks the kind shared; any other
 * adds its data classes, rows (max), period (min/max of known months) and
 * labs (set union, more_sources beyond BC_REPORT_MAX_SOURCES).
 * Returns 0, or -1 (code "bad_payload" for an unknown kind or breach,
 * "out_of_memory") with err filled.
 */
int bc_report_add(struct bc_report *r, size_t breach, const struct bc_payload *p,
		  struct bc_error *err);

/* Hits are kept in catalogue order. Number of breaches found. */
size_t bc_report_found(const struct bc_report *r);

/*
 * Language from the environment: LC_ALL, then LC_MESSAGES, then LANG (the
 * first set and non-empty); French if it starts with "fr", else English.
 */
enum bc_report_lang bc_report_lang_from_env(void);

/* Parse "fr" / "en" (case-insensitive). Returns 0 or -1. */
int bc_report_lang_parse(const char *s, enum bc_report_lang *out);

/* Plain-language name of a data-class bit (vocab/vocab.h), or NULL if unused
 * or a flag (30, 31). JSON names: bc_class_name, bc_token_kind_name. */
const char *bc_report_class_label(unsigned bit, enum bc_report_lang lang);

/* Format a sample month as "YYYY-MM" into buf (>= 8 bytes); "" for 0. */
const char *bc_report_month(uint16_t month, char *buf, size_t bufsize);

/*
 * The sentence ending every found result (DESIGN.md §6): medical details, if
 * any, only after email verification or from the controller. Static string.
 */
const char *bc_report_medical_notice(enum bc_report_lang lang);

/*
 * Write the human report in `lang` to out (UTF-8 text). Returns 0, or -1 on
 * a write error (code "io").
 */
int bc_report_write_text(const struct bc_report *r, enum bc_report_lang lang, FILE *out,
			 struct bc_error *err);

/*
 * The report as JSON (schema "breachcheck-check/1", docs/check.md); the
 * texts (advice, notices) in `lang`. Returns a new reference (caller
 * json_decref's it), or NULL on allocation failure.
 */
json_t *bc_report_to_json(const struct bc_report *r, enum bc_report_lang lang);

/*
 * Write bc_report_to_json indented by 2, keys in schema order, ending with a
 * newline. Returns 0, or -1 (code "io" or "out_of_memory").
 */
int bc_report_write_json(const struct bc_report *r, enum bc_report_lang lang, FILE *out,
			 struct bc_error *err);

#endif
