#ifndef BC_OPRF_KEYFILE_H
#define BC_OPRF_KEYFILE_H

/*
 * The breachcheck key file (format in docs/oprf.md): a text file
 *
 *     breachcheck-key v1
 *     seed <64 lowercase hex digits>
 *
 * holding a 32-byte random seed, mode 0600. The two key pairs are derived
 * from it (DESIGN.md §5):
 *   (sk_s, pk_s) = DeriveKeyPair(seed, "breachcheck v1")          VOPRF 0x01
 *   (sk_v, pk_v) = DeriveKeyPair(seed, "breachcheck v1 verified") POPRF 0x02
 */

#include <stdint.h>

#include "oprf/oprf.h"
#include "util/error.h"

#define BC_KEY_INFO_STANDARD "breachcheck v1"
#define BC_KEY_INFO_VERIFIED "breachcheck v1 verified"

/* All fields live in one sodium_malloc'd, read-only-after-load block. */
struct bc_key {
	uint8_t seed[OPRF_SEED_BYTES];
	uint8_t sk_s[OPRF_SCALAR_BYTES];  /* VOPRF secret key (mode 0x01) */
	uint8_t pk_s[OPRF_ELEMENT_BYTES]; /* VOPRF public key */
	uint8_t sk_v[OPRF_SCALAR_BYTES];  /* POPRF secret key (mode 0x02) */
	uint8_t pk_v[OPRF_ELEMENT_BYTES]; /* POPRF public key */
};

/*
 * Create a new key file at path with a fresh random seed, O_CREAT|O_EXCL,
 * mode 0600. Refuses to overwrite an existing file (code "exists").
 * Returns 0, or -1 with err filled (never containing the seed).
 */
int bc_key_generate(const char *path, struct bc_error *err);

/*
 * Load and check a key file: refuses a file readable or writable by group
 * or others ("key file X is readable by others: chmod 600 X"; with a path
 * too long to be quoted twice, err->file = X and "... chmod 600 it"), a file that
 * is not a regular file, and any content other than the exact v1 format.
 * *out: receives a struct allocated with sodium_malloc, made read-only;
 * free with bc_key_free. Returns 0, or -1 with err filled (*out = NULL).
 */
int bc_key_load(const char *path, struct bc_key **out, struct bc_error *err) BC_MUST_CHECK;

/* Wipe and free a key from bc_key_load (NULL is fine). */
void bc_key_free(struct bc_key *key);

#endif
