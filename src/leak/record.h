#ifndef BC_LEAK_RECORD_H
#define BC_LEAK_RECORD_H

/*
 * One leaked row, after decoding, column mapping, mojibake repair, splitting
 * and normalisation (DESIGN.md §4 and §7). This is what the leak reader hands
 * to profile and ingest. All strings are NUL-terminated canonical forms; an
 * empty string means absent or unparseable (the reason is in the *_status).
 * Fixed-size, no heap: a record can be copied and reused freely.
 */

#include <stdint.h>

#include "normalize/normalize.h"
#include "vocab/vocab.h"

#define BC_RECORD_MAX_NAMES 2    /* birth name, usage name */
#define BC_RECORD_MAX_EMAILS 4
#define BC_RECORD_MAX_PHONES 4
#define BC_SOURCE_MAX 64
#define BC_CONTACT_MAX 128       /* a display name or address part, UTF-8, truncated at a character */

/* Data-class and flag bits (enum bc_class_bit, BC_BIT, masks, names): vocab/vocab.h. */

struct bc_record {
	unsigned long line;            /* 1-based physical line where the row starts */

	char nir[BC_NIR_BYTES];        /* 13-char body, "" if absent or invalid */
	int nir_status;                /* BC_NORM_OK, or why nir is "" (BC_NORM_EMPTY if absent) */
	int nir_had_key;               /* 1 if the source carried a valid key */

	char last_names[BC_RECORD_MAX_NAMES][BC_NAME_MAX]; /* birth name first, then usage name */
	int n_last_names;              /* distinct canonical last names, 0..2 */
	char first_name[BC_NAME_MAX];  /* first given name only */
	char dob[BC_DOB_BYTES];        /* YYYY-MM-DD, "" if absent/invalid/incomplete */
	int dob_status;

	char emails[BC_RECORD_MAX_EMAILS][BC_EMAIL_MAX];
	int n_emails;
	char phones[BC_RECORD_MAX_PHONES][BC_PHONE_BYTES];
	int n_phones;

	uint32_t flags;                /* data classes present on this row (bits of enum bc_class_bit) */
	uint16_t sample_month;         /* (year - 2000) * 12 + month, 0 = unknown */
	int sample_year;               /* 0 = unknown */
	char source[BC_SOURCE_MAX];    /* lab identifier as written (not an identifier of a person) */

	int sex;                       /* BC_SEX_UNKNOWN, BC_SEX_MALE or BC_SEX_FEMALE (sex or civility column) */

	/*
	 * Contact, as written (mojibake repaired, trimmed, UTF-8, "" if absent),
	 * for the notices of the notification campaign (DESIGN.md §10) only:
	 * nothing indexed or published reads them.
	 */
	char display_last[BC_CONTACT_MAX];   /* usage name if any, else birth name */
	char display_first[BC_CONTACT_MAX];  /* given names */
	char street[BC_CONTACT_MAX];         /* street line(s) */
	char postcode[16];
	char city[BC_CONTACT_MAX];
};

#define BC_SEX_UNKNOWN 0
#define BC_SEX_MALE 1
#define BC_SEX_FEMALE 2

#endif
