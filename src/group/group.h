#ifndef BC_GROUP_GROUP_H
#define BC_GROUP_GROUP_H

/*
 * Patient grouping (DESIGN.md §10): which leaked rows belong to one person.
 * One module, used by profile (counting), ingest (pwn_count, shared tokens,
 * verified entries, claim codes) and the notices, so that every count and
 * every payload agrees. Rules, in order (docs/grouping.md explains them):
 *
 *  1. A valid NIR groups the rows that AGREE with it: the row's date of
 *     birth has the NIR's birth year (digits 2-3) and, when the NIR's month
 *     (digits 4-5) is 01..12, its month; the row's sex, when known, matches
 *     digit 1 (odd male, even female). A child's row often carries the
 *     insured parent's NIR: it DISAGREES and is grouped by rule 3.
 *  2. A row with a valid NIR but no full date of birth (UNVERIFIED) joins
 *     the NIR's patient when an agreeing row of that NIR has the same birth
 *     name and first name; otherwise it forms the patient (NIR, birth name,
 *     first name) -- a parent and a child under one NIR stay apart.
 *  3. Every other row groups by (birth name, first name, date of birth),
 *     "namedob". Such a row joins the NIR patient when its namedob was seen
 *     on agreeing rows of exactly one NIR AND it shares with such a row a
 *     postcode or its first email address (an unrelated homonym without a
 *     NIR lives elsewhere); without that evidence it stays a namedob patient. A namedob seen with two NIRs
 *     (agreeing, or carried by disagreeing rows) never merges: its rows
 *     split by the NIR they carry; else a namedob seen with two sexes splits
 *     its rows by sex (and links to no NIR); a row that has neither is
 *     UNLINKED. Before the sexes, a namedob seen with two different further
 *     given names (twins Jean-Pierre and Jean-Gabriel: first given name JEAN)
 *     splits by them, and a row with the first given name only is UNLINKED.
 *     A disagreeing row without a full DOB is grouped like an
 *     unverified one (NIR, birth name, first name) unless the NIR's owner
 *     has that name.
 *  4. A row with neither a usable NIR nor a namedob is UNLINKED.
 * Unlinked rows belong to nobody: they get no claim code, no notice, and are
 * counted once, with their reason (enum bc_group_reason).
 *
 * Memory: 32 bytes per row plus about 56 bytes per distinct NIR, namedob,
 * (NIR, name), first email or further given names (bc_group_add_ids: 4
 * bytes more per caller number); no identifier is kept in clear unless BC_GROUP_KEEP_IDS
 * (then each NIR and date of birth once, in memory wiped on free). Keys are
 * SipHash-2-4-128 under a subkey of the grouping key, so they are stable
 * across runs for one grouping key (ingest derives it from the key file) and
 * lead back to nothing without it.
 *
 * Usage:
 *	struct bc_group *g;
 *	bc_group_new(&g, key_or_NULL, flags, &err);
 *	for each record: bc_group_add(g, &rec, &err);      // row i = i-th add
 *	bc_group_finish(g, &err);
 *	bc_group_row_patient(g, i) -> patient number or BC_GROUP_UNLINKED
 *	bc_group_patients(g), bc_group_patient_key(g, p, key), ...
 *	bc_group_free(g);
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leak/record.h"
#include "util/error.h"

#define BC_GROUP_KEY_BYTES 32          /* grouping key and patient keys */
#define BC_GROUP_UNLINKED UINT32_MAX   /* bc_group_row_patient of a row that belongs to nobody */
#define BC_GROUP_KEEP_IDS 1u           /* flag: keep each patient's NIR or date of birth (claim input) */

/* How a patient was formed (its grouping key's kind). */
enum bc_group_kind {
	BC_GROUP_BY_NIR = 1,          /* rows agreeing with a NIR (+ linked rows) */
	BC_GROUP_BY_NIR_NAME = 2,     /* unverified rows: NIR + birth name + first name */
	BC_GROUP_BY_NAMEDOB = 3,      /* birth name + first name + date of birth */
	BC_GROUP_BY_NAMEDOB_SEX = 4,  /* namedob seen with two sexes, split by sex */
	BC_GROUP_BY_NAMEDOB_NIR = 5,  /* namedob seen with two NIRs, split by carried NIR */
	BC_GROUP_BY_NAMEDOB_GIVEN = 6, /* namedob of twins (Jean-Pierre, Jean-Marc), split by further given names */
};

/* Why a row is unlinked. */
enum bc_group_reason {
	BC_GROUP_LINKED = 0,
	BC_GROUP_NO_IDENTITY = 1,     /* no valid NIR, and not all of birth name, first name, full DOB */
	BC_GROUP_NIR_ONLY = 2,        /* a NIR that its row cannot be tied to (disagrees or no DOB) and no name */
	BC_GROUP_TWO_SEXES = 3,       /* namedob seen with two sexes, row without sex */
	BC_GROUP_TWO_NIRS = 4,        /* namedob seen with two NIRs, row without NIR */
	BC_GROUP_TWO_GIVEN = 5,       /* namedob of twins, row with the first given name only */
	BC_GROUP_REASONS = 6
};

/* Counts, filled by bc_group_finish. */
struct bc_group_stats {
	unsigned long rows;
	unsigned long patients;
	unsigned long patients_by_kind[7];        /* index enum bc_group_kind */
	unsigned long rows_unlinked;
	unsigned long unlinked[BC_GROUP_REASONS]; /* index enum bc_group_reason */
	unsigned long rows_nir_agree;             /* rows that agree with their NIR */
	unsigned long rows_nir_disagree;          /* rows whose NIR is not theirs (dependants, errors) */
	unsigned long rows_nir_unverified;        /* rows with a NIR and no full DOB */
	unsigned long namedob_two_nirs;           /* distinct namedobs that never merge (two NIRs) */
	unsigned long namedob_two_sexes;          /* same, two sexes */
	unsigned long namedob_two_given;          /* same, two further given names (twins) */
};

struct bc_group;

/*
 * New empty grouping. key: BC_GROUP_KEY_BYTES secret bytes (copied) that fix
 * the patient keys across runs, or NULL for a random one (counting only).
 * flags: 0 or BC_GROUP_KEEP_IDS. *out: owned by the caller, bc_group_free.
 * Returns 0, or -1 (err "out_of_memory" / "crypto_failed").
 */
int bc_group_new(struct bc_group **out, const uint8_t *key, unsigned flags, struct bc_error *err);

/*
 * Size g for a leak file of file_bytes bytes before the first row is
 * added, so that nothing is rehashed or copied as it fills: the hash table
 * for the keys that bc_group_add_ids hashes (NIR + name, further given
 * names), about one per 400 bytes of a lab export, two slots each
 * (bc_group_add hashes every key, about one per 130 bytes: its table still
 * grows as it fills); the nodes (about one per 130 bytes) and the rows
 * (one per 230 bytes), rounded up to the sizes their doubling would reach.
 * Tables of 2 MiB or more ask for transparent huge pages. A no-op once a
 * row was added; on allocation failure a part stays as it is (it grows as
 * before).
 */
void bc_group_presize(struct bc_group *g, uint64_t file_bytes);

/*
 * Add the next row (its row number is the number of rows added before it).
 * Reads rec's nir, dob, sex, last_names[0..1], first_name, display_first,
 * postcode and emails[0] only.
 * Returns 0, or -1 ("out_of_memory", "too_many_rows" past 2^32 - 2, or
 * "finished" after bc_group_finish).
 */
int bc_group_add(struct bc_group *g, const struct bc_record *rec, struct bc_error *err);

/* A row's identifier without a number (struct bc_group_ids). */
#define BC_GROUP_NO_ID UINT32_MAX
/* Numbers from this one up are taken as BC_GROUP_NO_ID. */
#define BC_GROUP_MAX_ID ((uint32_t)1 << 31)

/*
 * The caller's own numbers for a row's identifiers, when it has interned
 * them already (ingest: its token ids), so that the grouping need not hash
 * them again. Each number must stand for one identifier and one only,
 * across the three kinds below and every row of the grouping; an
 * identifier numbered on one row must come with its number on every row
 * that carries it (else it counts as two). Numbers should be dense: the
 * grouping keeps 4 bytes per number up to the largest seen. BC_GROUP_NO_ID:
 * an identifier the caller did not number, or that the row lacks.
 */
struct bc_group_ids {
	uint32_t nir;                           /* rec->nir */
	uint32_t namedob[BC_RECORD_MAX_NAMES];  /* (last_names[b], first_name, dob) */
	uint32_t email;                         /* rec->emails[0] */
};

/*
 * bc_group_add with the caller's numbers of the row's identifiers (ids,
 * borrowed for the call; NULL: none): the same patients, patient keys,
 * claim identities and counts as bc_group_add, at less cost (a numbered
 * identifier is hashed once per grouping, not once per row, and never
 * looked up in the hash table). Same returns as bc_group_add.
 */
int bc_group_add_ids(struct bc_group *g, const struct bc_record *rec, const struct bc_group_ids *ids,
		     struct bc_error *err);

/*
 * A hint before bc_group_add_ids: a row to be added soon carries the
 * identifier the caller numbers id; its entry is fetched from memory now.
 * No effect on the grouping.
 */
void bc_group_prefetch_id(const struct bc_group *g, uint32_t id);

/*
 * Resolve the patients (rules above); numbers them 0..patients-1 in order of
 * their first row. Returns 0, or -1 ("out_of_memory"). Call once.
 */
int bc_group_finish(struct bc_group *g, struct bc_error *err);

/* Counts (after finish; rows and the rows_nir_* before). Borrowed, valid until free. */
const struct bc_group_stats *bc_group_stats(const struct bc_group *g);

/* Number of rows added. */
size_t bc_group_rows(const struct bc_group *g);

/* Number of patients (after finish). */
uint32_t bc_group_patients(const struct bc_group *g);

/* Patient of row (0-based, < bc_group_rows), or BC_GROUP_UNLINKED. After finish. */
uint32_t bc_group_row_patient(const struct bc_group *g, size_t row);

/* Why a row is unlinked (BC_GROUP_LINKED if it is not). After finish. */
enum bc_group_reason bc_group_row_reason(const struct bc_group *g, size_t row);

/* Kind of patient p (< bc_group_patients). */
enum bc_group_kind bc_group_patient_kind(const struct bc_group *g, uint32_t p);

/*
 * The patient's key: BLAKE2b-256 under the grouping key of the kind and the
 * canonical identifiers that formed it, written to out (32 bytes). Stable
 * across runs and row orders for one grouping key; the state keeps claim
 * outputs under it (DESIGN.md §6).
 */
void bc_group_patient_key(const struct bc_group *g, uint32_t p, uint8_t out[BC_GROUP_KEY_BYTES]);

/*
 * With BC_GROUP_KEEP_IDS: the claim identity of patient p (DESIGN.md §6):
 * its NIR (13 characters) for BC_GROUP_BY_NIR and BC_GROUP_BY_NIR_NAME,
 * else "" and its date of birth. nir: BC_NIR_BYTES, dob: BC_DOB_BYTES,
 * caller-provided, NUL-terminated. Returns 0, or -1 without KEEP_IDS.
 */
int bc_group_patient_ids(const struct bc_group *g, uint32_t p, char nir[BC_NIR_BYTES],
			 char dob[BC_DOB_BYTES]);

/* English name of a reason ("no_identity", ...), for reports and JSON. */
const char *bc_group_reason_name(enum bc_group_reason r);

/* One-line English explanation of a reason, for reports. */
const char *bc_group_reason_text(enum bc_group_reason r);

/*
 * Does row data agree with a NIR (rule 1)? nir: 13-character body; dob:
 * YYYY-MM-DD or ""; sex: BC_SEX_*. Returns 1 agree, 0 disagree, -1
 * unverified (no full date of birth and no sex conflict).
 */
int bc_group_nir_agrees(const char *nir, const char *dob, int sex);

/* Free everything (wipes the keys and kept identifiers). NULL is a no-op. */
void bc_group_free(struct bc_group *g);

#endif
