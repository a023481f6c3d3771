#ifndef BC_NORMALIZE_H
#define BC_NORMALIZE_H

/*
 * Canonical forms of identifiers (DESIGN.md §4). Pure functions: no I/O, no
 * global state, no allocation. The C ingest, the C client and the browser must
 * produce the same bytes for the same input (shared/vectors/normalize.tsv).
 *
 * Every function takes a UTF-8 input of `len` bytes (not necessarily
 * NUL-terminated), writes a NUL-terminated canonical string into the caller's
 * buffer `out` of `outsize` bytes, and returns BC_NORM_OK (0) or a negative
 * enum bc_norm_status. On error `out` holds "" and nothing of the input is
 * kept anywhere.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum bc_norm_status {
	BC_NORM_OK = 0,
	BC_NORM_EMPTY = -1,            /* nothing left after normalising */
	BC_NORM_INVALID_KEY = -2,      /* NIR key present but wrong */
	BC_NORM_INVALID_FORMAT = -3,   /* NIR characters not allowed where they are */
	BC_NORM_INVALID_LENGTH = -4,   /* NIR not 13 or 15 characters */
	BC_NORM_INVALID_DATE = -5,     /* date not understood, impossible, < 1890 or future */
	BC_NORM_INCOMPLETE_DATE = -6,  /* day or month 00 */
	BC_NORM_INVALID_EMAIL = -7,
	BC_NORM_INVALID_PHONE = -8,
	BC_NORM_INVALID_UTF8 = -9,
	BC_NORM_TOO_LONG = -10,        /* output does not fit outsize */
};

/* Buffer sizes that always suffice (including the NUL). */
#define BC_NIR_BYTES 14        /* 13-character body + NUL */
#define BC_DOB_BYTES 11        /* YYYY-MM-DD + NUL */
#define BC_PHONE_BYTES 17      /* '+' + up to 15 digits + NUL */
#define BC_NAME_MAX 256        /* a canonical name of BC_NAME_MAX bytes or more is BC_NORM_TOO_LONG */
#define BC_EMAIL_MAX 320       /* same for a canonical email, whatever outsize is */

/*
 * Stable reason string of a status, as in vectors/normalize.tsv ("empty",
 * "invalid_key", "invalid_format", "invalid_length", "invalid_date",
 * "incomplete_date", "invalid_email", "invalid_phone", "invalid_utf8",
 * "too_long"); "ok" for BC_NORM_OK.
 */
const char *bc_norm_reason(int status);

/*
 * Human message for a status at query time, in English or French (lang "fr"
 * or anything else for English), e.g. "NIR key does not match: check the last
 * two digits". Never contains the input. Static string.
 */
const char *bc_norm_message(int status, const char *lang);

/*
 * NIR: out receives the 13-character body (digits, 2A/2B uppercased at
 * positions 6-7); spaces, dots and dashes ignored; the 2-digit key, when
 * present, validated (97 - body mod 97, 2A->19, 2B->18) and dropped.
 * *had_key (may be NULL) is set to 1 when a key was present and valid.
 * outsize >= BC_NIR_BYTES.
 */
int bc_norm_nir(const char *in, size_t len, char *out, size_t outsize, int *had_key);

/* NIR key (1..97) of a 13-character body, or -1 if the body is malformed. */
int bc_nir_key(const char body[13]);

/*
 * Last name: NFKD, combining marks removed, transliteration (Œ->OE, Æ->AE,
 * ß->SS, Ø->O, Ł->L, Đ->D, ı->I, Ð->D, Þ->TH), ASCII uppercase, keep A-Z0-9.
 */
int bc_norm_last_name(const char *in, size_t len, char *out, size_t outsize);

/* First name: the first given name only (split on space/hyphen), then as last name. */
int bc_norm_first_name(const char *in, size_t len, char *out, size_t outsize);

/*
 * Date of birth to YYYY-MM-DD. Two-digit years are put in the past relative
 * to `ref` (a civil date: the sample date at ingest, today at query time);
 * years before 1890 or after ref's year/date are invalid. ref is a struct tm
 * with tm_year/tm_mon/tm_mday set (may be NULL: today, UTC).
 * outsize >= BC_DOB_BYTES.
 */
int bc_norm_dob(const char *in, size_t len, const struct tm *ref, char *out, size_t outsize);

/* Email: trim Unicode white space, strip mailto: and <>, lowercase ASCII, NFC, validate. */
int bc_norm_email(const char *in, size_t len, char *out, size_t outsize);

/* Phone to E.164 (DESIGN.md §4 rules; overseas prefixes mapped). outsize >= BC_PHONE_BYTES. */
int bc_norm_phone(const char *in, size_t len, char *out, size_t outsize);

#endif
