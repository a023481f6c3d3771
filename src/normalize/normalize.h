#ifndef BC_NORMALIZE_H
#define BC_NORMALIZE_H

/*
 * Canonical forms of identifiers (DESIGN.md §4). Pure functions: no I/O, no
 * global state, no allocation. The C ingest, the C client and the browser must
 * produce the same bytes for the same input (tests/vectors/normalize.tsv).
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
 * positions 6-7); white space, dots and dashes ignored; the 2-digit key, when
 * present, validated (97 - body mod 97, 2A->19, 2B->18) and dropped
 * (DESIGN.md §4). No semantic rule: any sex digit (NNP 7/8, MIG 5/6),
 * fictitious months and any place code are accepted.
 * *had_key (may be NULL) is set to 1 when a key was present and valid, else 0.
 * outsize >= BC_NIR_BYTES. Errors: EMPTY, INVALID_FORMAT (a character other
 * than a digit, or 2A/2B elsewhere than positions 6-7; checked before the
 * length), INVALID_LENGTH (not 13 or 15), INVALID_KEY, INVALID_UTF8, TOO_LONG
 * (outsize too small).
 */
int bc_norm_nir(const char *in, size_t len, char *out, size_t outsize, int *had_key);

/*
 * NIR key (1..97) of a 13-character body (exactly 13 bytes read; 2A/2B in
 * either case at positions 6-7), or -1 if the body is malformed.
 */
int bc_nir_key(const char body[13]);

/*
 * Last name (DESIGN.md §4): NFKD, combining marks removed, transliteration
 * (Œ->OE, Æ->AE, ß->SS, Ø->O, Ł->L, Đ->D, ı->I, Ð->D, Þ->TH, either case),
 * ASCII uppercase, keep A-Z0-9. ASCII input never calls utf8proc.
 * Errors: EMPTY (nothing left), INVALID_UTF8, TOO_LONG (output of
 * BC_NAME_MAX bytes or more, or larger than outsize - 1).
 */
int bc_norm_last_name(const char *in, size_t len, char *out, size_t outsize);

/*
 * First name: the first given name only — the first token, separated by
 * white space, hyphens/dashes or , ; / + & ( ) _, that normalises to
 * something — then as bc_norm_last_name. Same errors.
 */
int bc_norm_first_name(const char *in, size_t len, char *out, size_t outsize);

/*
 * Date of birth to YYYY-MM-DD. Two-digit years are put in the past relative
 * to `ref` (a civil date: the sample date at ingest, today at query time);
 * years before 1890 or after ref's year/date are invalid. ref is a struct tm
 * with tm_year/tm_mon/tm_mday set (may be NULL: today, UTC).
 * Formats: D/M/YYYY and D/M/YY with '/', '-' or '.'; YYYY-MM-DD; DDMMYYYY;
 * YYYYMMDD; the separated forms may be followed by a time.
 * outsize >= BC_DOB_BYTES. Errors: EMPTY, INVALID_DATE (not understood,
 * impossible, < 1890 or after ref), INCOMPLETE_DATE (day or month 00),
 * INVALID_UTF8, TOO_LONG (outsize too small).
 */
int bc_norm_dob(const char *in, size_t len, const struct tm *ref, char *out, size_t outsize);

/*
 * Email (DESIGN.md §4, turn 2; rules in docs/normalization.md): trim Unicode
 * white space, peel mailto: and <>, drop one trailing dot; one '@',
 * non-empty local part, a domain with a dot and no empty label; no white
 * space, control, < > , ; inside (checked again after NFC and at the end).
 * All-ASCII input: letters lowercased. Otherwise NFC; the local part gets
 * the simple lowercase mapping of every letter, then NFC; a non-ASCII domain
 * becomes its IDNA A-label form (libidn2, UTS #46 nontransitional) under the
 * rules the page shares (LDH characters, code points of idna_table.h, label
 * shapes). in: len bytes of UTF-8, not NUL-terminated. out: outsize bytes,
 * NUL-terminated; cleared on error. Errors: EMPTY, INVALID_EMAIL (also a
 * domain IDNA refuses), INVALID_UTF8, TOO_LONG (input over 1024 bytes after
 * trimming, output of BC_EMAIL_MAX bytes or more, or larger than outsize - 1).
 */
int bc_norm_email(const char *in, size_t len, char *out, size_t outsize);

/*
 * The mailbox key of a canonical email address (DESIGN.md §6, shared-mailbox
 * rule): lower case, the local part cut at its first '+', and for Gmail
 * (gmail.com, googlemail.com) dots removed from the local part and the domain
 * written gmail.com. Several spellings that reach one mailbox give one key;
 * over-merging is safe (it only withholds or limits more).
 * email: len bytes of a canonical address (bc_norm_email's output), not
 * NUL-terminated. out: BC_EMAIL_MAX bytes, caller-owned, not NUL-terminated.
 * Returns the key's length (< BC_EMAIL_MAX); an input without '@' or too
 * long is copied (cut to BC_EMAIL_MAX - 1 bytes). Pure, no error.
 */
size_t bc_norm_mailbox_key(const char *email, size_t len, char out[BC_EMAIL_MAX]);

/*
 * Phone to E.164 (DESIGN.md §4 rules; overseas prefixes mapped; a leading
 * label such as "tel:" and trailing words ignored; the number ends at the
 * first character that is not a digit, space, '.', '-', '(' or ')').
 * outsize >= BC_PHONE_BYTES. Errors: INVALID_PHONE, INVALID_UTF8 (in a
 * leading label), TOO_LONG (outsize too small). Rules: docs/normalization.md.
 */
int bc_norm_phone(const char *in, size_t len, char *out, size_t outsize);

#endif
