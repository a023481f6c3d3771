#ifndef BC_UTIL_BASE64URL_H
#define BC_UTIL_BASE64URL_H

/*
 * base64url without padding (RFC 4648 §5; DESIGN.md §8: elements, salts and
 * keys in index.json and the API). One spelling per value: decoding rejects
 * non-zero trailing bits.
 */

#include <stddef.h>
#include <stdint.h>

/* Encoded length of n bytes, without the NUL. */
size_t bc_b64url_len(size_t n);

/* Encode n bytes of in; out needs bc_b64url_len(n) + 1 bytes (NUL-terminated). */
void bc_b64url_encode(const uint8_t *in, size_t n, char *out);

/* Decode len characters of in into out (outsize bytes). Returns the decoded
 * length, or -1 on a character outside the alphabet, an impossible length,
 * non-zero trailing bits, or more than outsize bytes. */
int bc_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outsize);

#endif
