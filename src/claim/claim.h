#ifndef BC_CLAIM_CLAIM_H
#define BC_CLAIM_CLAIM_H

/*
 * Claim codes (DESIGN.md §6): 75 random bits as 15 Crockford base32 data
 * symbols (alphabet 0123456789ABCDEFGHJKMNPQRSTVWXYZ) plus one check symbol
 * c = sum_{i=0..14} d_i * alpha^(15-i) in GF(32) = GF(2)[x]/(x^5+x^2+1),
 * alpha = x: every single-symbol error and every adjacent transposition is
 * caught. Printed XXXX-XXXX-XXXX-XXXX. Vectors: tests/vectors/claim.tsv.
 * Pure functions, no I/O; the same rules are in web/src/claim.js.
 */

#include <stddef.h>

#define BC_CLAIM_DATA_SYMBOLS 15
#define BC_CLAIM_SYMBOLS 16            /* data + check */
#define BC_CLAIM_CANON_BYTES 17        /* 16 symbols + NUL */
#define BC_CLAIM_PRINTED_BYTES 20      /* XXXX-XXXX-XXXX-XXXX + NUL */
#define BC_CLAIM_INPUT_MAX 64          /* longest OPRF input: bc1|claim|<15>|dob|YYYY-MM-DD */

enum bc_claim_status {
	BC_CLAIM_OK = 0,
	BC_CLAIM_BAD_LENGTH = -1,   /* not 16 symbols once hyphens and spaces are removed */
	BC_CLAIM_BAD_SYMBOL = -2,   /* a character outside the alphabet (U, punctuation, ...) */
	BC_CLAIM_BAD_CHECK = -3,    /* the check symbol does not match: a typo */
};

/*
 * Canonical form of a typed code: upper case, hyphens and spaces removed,
 * O -> 0, I and L -> 1, then the check symbol verified.
 * in: len bytes (any). out: BC_CLAIM_CANON_BYTES, NUL-terminated 16 symbols
 * on success, "" otherwise. Returns BC_CLAIM_OK or a negative status; a bad
 * symbol is reported before a bad length.
 */
int bc_claim_canon(const char *in, size_t len, char out[BC_CLAIM_CANON_BYTES]);

/* The check symbol (a character of the alphabet) of 15 canonical data symbols; 0 if one is invalid. */
char bc_claim_check_symbol(const char data[BC_CLAIM_DATA_SYMBOLS]);

/*
 * A fresh code: 75 bits from randombytes_buf (libsodium), 15 data symbols
 * and the check symbol. out: BC_CLAIM_CANON_BYTES. Needs sodium_init().
 */
void bc_claim_generate(char out[BC_CLAIM_CANON_BYTES]);

/* XXXX-XXXX-XXXX-XXXX of a canonical code; out: BC_CLAIM_PRINTED_BYTES. */
void bc_claim_format(const char canon[BC_CLAIM_CANON_BYTES], char out[BC_CLAIM_PRINTED_BYTES]);

/*
 * OPRF input of a claim token (DESIGN.md §4, kind 6): "bc1|claim|<15 data
 * symbols>|<nir13>", or with nir NULL or "", "bc1|claim|<15>|dob|<dob>".
 * canon: a canonical code (its check symbol is not part of the input).
 * out: size bytes, NUL-terminated. Returns the length, or -1 if neither a
 * 13-character NIR nor a 10-character date is given or out is too small.
 */
int bc_claim_oprf_input(const char canon[BC_CLAIM_CANON_BYTES], const char *nir, const char *dob,
			char *out, size_t size);

/* "ok", "bad_length", "bad_symbol", "bad_check" (stable codes for errors and JSON). */
const char *bc_claim_status_name(int status);

/* A sentence for a person who typed the code, in "fr" or "en" (never quotes the code). */
const char *bc_claim_status_message(int status, const char *lang);

#endif
