#ifndef BC_LEAK_PROFILE_H
#define BC_LEAK_PROFILE_H

/*
 * What a leak file holds, without any identifier (breachcheck profile):
 * coverage per data class, NIR validity, distinct patients, rows per source
 * and per sample year, sensitive categories. Distinct patients are counted
 * with a set of 16-byte keyed BLAKE2b hashes (random key per run, libsodium
 * crypto_generichash), so no identifier stays in memory in clear; memory
 * grows with the number of distinct patients (about 64 bytes each), not with
 * the rows.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "leak/reader.h"
#include "leak/record.h"
#include "util/error.h"

#define LEAK_PROFILE_MAX_SOURCES 256   /* more distinct labs are counted as "(other)" */
#define LEAK_PROFILE_YEAR_MIN 1900
#define LEAK_PROFILE_YEAR_MAX 2099
#define LEAK_PROFILE_REASONS 8         /* reasons a row is not linkable, at most */

struct leak_patient_set;
struct leak_profile_fact;

struct leak_profile {
	unsigned long rows;
	unsigned long class_rows[32];      /* rows with each flag bit */
	unsigned long nir_valid;           /* valid key present */
	unsigned long nir_no_key;          /* 13-character body without key */
	unsigned long nir_wrong_key;
	unsigned long nir_malformed;
	unsigned long nir_absent;
	unsigned long dob_valid, dob_incomplete, dob_invalid, dob_absent;
	unsigned long year_rows[LEAK_PROFILE_YEAR_MAX - LEAK_PROFILE_YEAR_MIN + 1];
	unsigned long year_unknown;
	unsigned long month_rows[100 * 12]; /* rows per sample month 2000-01..2099-12 (record's sample_month - 1) */
	unsigned n_sources;
	char source_name[LEAK_PROFILE_MAX_SOURCES][BC_SOURCE_MAX];
	unsigned long source_rows[LEAK_PROFILE_MAX_SOURCES];
	unsigned long source_other;        /* rows of labs beyond the limit */
	unsigned long source_none;         /* rows without a lab */
	unsigned long rows_unlinked;       /* rows with neither a NIR nor name + date of birth */

	/* filled by leak_profile_finish */
	unsigned long patients;
	unsigned long class_patients[32];  /* patients with each flag bit on any of their rows */
	unsigned long source_patients[32]; /* patients per source (the first 32 sources) */
	unsigned long first_year_patients[LEAK_PROFILE_YEAR_MAX - LEAK_PROFILE_YEAR_MIN + 1]; /* by first sample year */

	/* rows not linkable by reason, when the counting was grouped (set by
	 * the caller of leak_profile_finish_grouped; names and texts borrowed,
	 * static): the profile prints them under "rows not linkable" */
	unsigned n_unlinked_reasons;
	const char *unlinked_name[LEAK_PROFILE_REASONS];
	const char *unlinked_text[LEAK_PROFILE_REASONS];
	unsigned long unlinked_rows[LEAK_PROFILE_REASONS];

	struct leak_patient_set *set;      /* private */
	struct leak_profile_fact *facts;   /* private: grouped mode, one per row */
	size_t cap_facts;
	int grouped;
	unsigned last_source;
};

/* Start an empty profile (allocates the patient set). Returns 0, or -1 with err. */
int leak_profile_init(struct leak_profile *p, struct bc_error *err);

/* Count one record. Returns 0, or -1 if the patient set cannot grow (err set). */
int leak_profile_add(struct leak_profile *p, const struct bc_record *rec, struct bc_error *err);

/*
 * Patients: rows with the same valid NIR are one patient; rows without a
 * valid NIR join the patient whose rows carry the same canonical birth name,
 * first name and date of birth with a NIR, or else form one patient per
 * (name, first name, date of birth). Fills patients and class_patients.
 */
void leak_profile_finish(struct leak_profile *p);

/*
 * Grouped counting (issue #17: one patient count). The grouping of
 * DESIGN.md §10 lives in src/group, on the same floor as src/leak and
 * reading its records, so src/leak does not call it (that would be a cycle
 * between two modules of floor 3, docs/architecture.md); the caller (the
 * CLI's profile) feeds each record to both and hands the result back here.
 *
 * leak_profile_init_grouped: like leak_profile_init, without the profile's
 * own patient set; leak_profile_add then keeps 12 bytes per row (the row's
 * classes, lab bit and sample month; no identifier), grown by doubling from
 * nothing, so a small file costs next to nothing. Returns 0, or -1 with err.
 */
int leak_profile_init_grouped(struct leak_profile *p, struct bc_error *err);

/*
 * Fill patients, class_patients, source_patients, first_year_patients and
 * rows_unlinked from a grouping of the rows added: patient_of(ctx, i) is the
 * patient (< npatients) of row i (0-based, in the order of leak_profile_add),
 * or UINT32_MAX when row i is not linkable. Allocates about 40 bytes per patient
 * for the duration of the call. Returns 0, or -1 (err "out_of_memory", or
 * "usage" when p is not grouped).
 */
int leak_profile_finish_grouped(struct leak_profile *p, uint32_t (*patient_of)(const void *ctx, size_t row),
				const void *ctx, uint32_t npatients, struct bc_error *err);

/* Free the patient set. */
void leak_profile_release(struct leak_profile *p);

/*
 * Human report on out (stable, golden-tested): the reader's dialect, columns,
 * stats and the profile. name: the file name to print (borrowed).
 * Returns 0, or -1 on a write error.
 */
int leak_profile_write_text(const struct leak_profile *p, const struct leak_reader *r,
			    const char *name, FILE *out);

/* Same as a new JSON object (caller owns the reference), or NULL on allocation failure. */
json_t *leak_profile_to_json(const struct leak_profile *p, const struct leak_reader *r,
			     const char *name);

/*
 * The rows section (profile_rows.c): kept as read, repaired by how, dropped
 * by why, first line numbers, likely cause (docs/leak-files.md "Keep every
 * row"). Text: returns 0 or -1 on a write error. JSON: a new object (caller
 * owns the reference) or NULL on allocation failure.
 */
int leak_profile_write_rows(const struct leak_reader *r, FILE *out);
json_t *leak_profile_rows_json(const struct leak_reader *r);

#endif
