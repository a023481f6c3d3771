#ifndef BC_INDEX_INDEX_H
#define BC_INDEX_INDEX_H

/*
 * Index format v1 (DESIGN.md §4, §5, §7, §8; docs/index-format.md): token
 * inputs, the keyed BLAKE2b derivations, entry sealing, payloads, and the
 * read-only index reader used by `check` and `serve`. Building and
 * publishing are in index/build.h; ingest (src/ingest/) uses them.
 *
 * Conventions: caller-owned buffers, 0 / -1 returns, errors in struct
 * bc_error (never an identifier in a message). Every function calls
 * sodium_init() itself where it needs libsodium.
 */

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "vocab/vocab.h"
/* base64url (index.json, the API) is util/base64url.h, included here for the
 * callers that used it from index.h. */
#include "util/base64url.h"

#define BC_INDEX_FORMAT 1
#define BC_INDEX_SUITE "ristretto255-SHA512"
#define BC_Y_BYTES 64            /* OPRF output */
#define BC_SALT_BYTES 32
#define BC_TAG_BYTES 16
#define BC_ENTRY_KEY_BYTES 32
#define BC_ENTRY_BYTES 48        /* tag 16 || ciphertext 16 || Poly1305 tag 16 */
#define BC_HASH_BYTES 32         /* BLAKE2b-256 of a bucket / verified.bin */
#define BC_INDEX_ID_HEX 32       /* index_id: 32 lowercase hex chars (+ NUL: 33) */
#define BC_VERIFIED_ALIGN 64     /* verified.bin holds a multiple of 64 entries (>= 64) */
#define BC_INDEX_MAX_BUCKET_BITS 24
#define BC_DEFAULT_ANONYMITY 1024

/* Token kinds, payload and breach: vocab/vocab.h. */

/*
 * Build the OPRF input of a token from canonical parts (DESIGN.md §4 table),
 * UTF-8, no terminator in the count (a NUL is still written after it):
 *   BC_TOKEN_NIR       a = nir13                      "bc1|nir|<a>"
 *   BC_TOKEN_NAMEDOB   a = LAST, b = FIRST, c = dob   "bc1|namedob|<a>|<b>|<c>"
 *   BC_TOKEN_EMAIL     a = canonical email            "bc1|email|<a>"
 *   BC_TOKEN_PHONE     a = E.164                      "bc1|phone|<a>"
 *   BC_TOKEN_VERIFIED  a = nir13                      "bc1|verified|<a>"
 *                      (the POPRF info is the canonical email, passed apart)
 * Parts not used by the kind must be NULL; used ones must be non-empty
 * NUL-terminated canonical strings (the caller normalises: normalize.h).
 * buf: bufsize bytes. Returns the input length (excluding the NUL), or -1 if
 * the kind is unknown, a part is missing/empty, or buf is too small.
 */
int bc_token_input(int kind, const char *a, const char *b, const char *c,
		   char *buf, size_t bufsize);

/*
 * bucket32 = first 4 bytes, big-endian, of BLAKE2b-256(key = y,
 * "bucket" || salt) (DESIGN.md §5). y: 64 bytes, salt: 32 bytes.
 */
uint32_t bc_index_bucket32(const uint8_t y[BC_Y_BYTES], const uint8_t salt[BC_SALT_BYTES]);

/* bucket = bucket32 >> (32 - bucket_bits), 0 when bucket_bits = 0;
 * bucket_bits in 0..BC_INDEX_MAX_BUCKET_BITS. */
uint32_t bc_index_bucket(const uint8_t y[BC_Y_BYTES], const uint8_t salt[BC_SALT_BYTES], unsigned bucket_bits);

/* Same from a bucket32 already computed. */
uint32_t bc_index_bucket_of(uint32_t bucket32, unsigned bucket_bits);

/* tag = BLAKE2b-128(key = y, "tag" || salt || u32le(breach_id)) (DESIGN.md §5).
 * tag: out, 16 bytes. */
void bc_index_tag(const uint8_t y[BC_Y_BYTES], const uint8_t salt[BC_SALT_BYTES], uint32_t breach_id,
		  uint8_t tag[BC_TAG_BYTES]);

/* k = BLAKE2b-256(key = y, "key" || salt || u32le(breach_id)) (DESIGN.md §5).
 * k: out, 32 bytes (secret: wipe after use). */
void bc_index_key(const uint8_t y[BC_Y_BYTES], const uint8_t salt[BC_SALT_BYTES], uint32_t breach_id,
		  uint8_t k[BC_ENTRY_KEY_BYTES]);

/*
 * entry = tag || ChaCha20-Poly1305-IETF(k, nonce = 12 zero bytes, no AD,
 * payload) (DESIGN.md §5). k: 32, payload: 16, tag: 16, entry: out, 48 bytes.
 */
void bc_entry_seal(const uint8_t k[BC_ENTRY_KEY_BYTES], const uint8_t payload[BC_PAYLOAD_BYTES], const uint8_t tag[BC_TAG_BYTES],
		   uint8_t entry[BC_ENTRY_BYTES]);

/* Decrypt an entry's ciphertext with k. payload: out, 16 bytes. Returns 0, or
 * -1 if authentication fails (payload then zeroed). The tag is not checked. */
int bc_entry_open(const uint8_t k[BC_ENTRY_KEY_BYTES], const uint8_t entry[BC_ENTRY_BYTES], uint8_t payload[BC_PAYLOAD_BYTES]) BC_MUST_CHECK;

/*
 * Binary search of a bucket (n entries of 48 bytes sorted by memcmp of the
 * first 16 bytes) for tag. Returns a pointer to the matching entry inside
 * bucket, or NULL. Padding entries are random and match with probability
 * 2^-128.
 */
const uint8_t *bc_index_lookup(const uint8_t *bucket, size_t n_entries, const uint8_t tag[BC_TAG_BYTES]);

/*
 * A published index opened read-only: index.json parsed (jansson),
 * buckets.bin and verified.bin mapped read-only. Opaque; accessors below.
 * Thread-safe for concurrent reads once opened.
 */
struct bc_index;

/*
 * Open the index directory dir (a symlink to DIR.<index_id>/ is followed
 * once, at open: the opened version stays valid after a new publication).
 * Checks format, suite, sizes and that the files have the sizes index.json
 * states; does NOT hash the buckets (bc_index_verify does).
 * *out: allocated, free with bc_index_free. Returns 0, or -1 with err filled
 * (codes "io", "bad_json", "bad_field", "bad_size").
 */
int bc_index_open(const char *dir, struct bc_index **out, struct bc_error *err) BC_MUST_CHECK;

/* Unmap, free (NULL is fine). */
void bc_index_free(struct bc_index *idx);

/* Hash every bucket and verified.bin and compare with index.json, and
 * recompute index_id. Returns 0, or -1 with err naming the bucket. */
int bc_index_verify(const struct bc_index *idx, struct bc_error *err) BC_MUST_CHECK;

/* Hash of bucket i against index.json: 0 if it matches, -1 otherwise. */
int bc_index_verify_bucket(const struct bc_index *idx, uint32_t i) BC_MUST_CHECK;

/*
 * Recompute index_id from the bucket hashes, verified_hash and salt that
 * index.json lists (DESIGN.md §5), without reading any bucket: what a
 * client checks on a downloaded index.json before trusting its hashes
 * (each bucket is then checked against its hash as it arrives).
 * Returns 0, or -1 with err "bad_hash".
 */
int bc_index_check_id(const struct bc_index *idx, struct bc_error *err) BC_MUST_CHECK;

/* Check bytes (e.g. a downloaded bucket) against expected hash (32 bytes).
 * Returns 0 if BLAKE2b-256(data) == expected, else -1. */
int bc_index_hash_check(const uint8_t *data, size_t len, const uint8_t expected[BC_HASH_BYTES]) BC_MUST_CHECK;

const uint8_t *bc_index_salt(const struct bc_index *idx);          /* 32 bytes */
unsigned bc_index_bucket_bits(const struct bc_index *idx);
uint32_t bc_index_n_buckets(const struct bc_index *idx);           /* 1 << bucket_bits */
uint32_t bc_index_bucket_entries(const struct bc_index *idx);      /* entries per bucket */
uint32_t bc_index_min_real_entries(const struct bc_index *idx);
const char *bc_index_id(const struct bc_index *idx);               /* 32 hex + NUL */
const uint8_t *bc_index_public_key(const struct bc_index *idx);    /* pkS, 32 bytes */
const uint8_t *bc_index_verified_public_key(const struct bc_index *idx); /* pkV, 32 */
const char *bc_index_path(const struct bc_index *idx);             /* resolved DIR.<id> */

/* The index.json text as on disk (NUL-terminated, length in *len if non-NULL),
 * and the parsed object (borrowed json_t *, cast from void * to avoid
 * pulling jansson.h into every includer). */
const char *bc_index_json_text(const struct bc_index *idx, size_t *len);
const void *bc_index_json(const struct bc_index *idx);

/* Bucket i (i < n_buckets): pointer into the mapping and its length in
 * bytes (bucket_entries * 48). NULL if i is out of range. */
const uint8_t *bc_index_bucket_ptr(const struct bc_index *idx, uint32_t i, size_t *len);

/* Expected BLAKE2b-256 of bucket i (32 bytes), or NULL if out of range. */
const uint8_t *bc_index_bucket_hash(const struct bc_index *idx, uint32_t i);

/* Whole buckets.bin (n_buckets * bucket_entries * 48 bytes). */
const uint8_t *bc_index_buckets_ptr(const struct bc_index *idx, size_t *len);

/* verified.bin: pointer, length in bytes (multiple of 64*48), and its hash. */
const uint8_t *bc_index_verified_ptr(const struct bc_index *idx, size_t *len);
const uint8_t *bc_index_verified_hash(const struct bc_index *idx);

/* Breach catalogue: n breaches in index.json order (ascending id). */
size_t bc_index_n_breaches(const struct bc_index *idx);
const struct bc_breach *bc_index_breach(const struct bc_index *idx, size_t i);

/* Breach by id, or by name (ASCII case-insensitive); NULL if none. */
const struct bc_breach *bc_index_breach_by_id(const struct bc_index *idx, uint32_t id);
const struct bc_breach *bc_index_breach_by_name(const struct bc_index *idx, const char *name);

/*
 * Convenience for a client holding y (local check, or after Finalize):
 * look y up in every breach of the index. For each breach whose entry is
 * present (in bucket(y) for kinds 1-4, in verified.bin for kind 5) and
 * decrypts, calls cb(breach, payload, arg). verified: 1 to search
 * verified.bin, 0 for the buckets. Returns the number of matches, or -1 if
 * a matching entry failed to decrypt (corrupt index; err filled).
 */
int bc_index_find(const struct bc_index *idx, const uint8_t y[BC_Y_BYTES], int verified,
		  void (*cb)(const struct bc_breach *breach, const struct bc_payload *p,
			     void *arg),
		  void *arg, struct bc_error *err);

/*
 * The lookup under bc_index_find, over entries the caller holds: area is
 * n_entries entries of 48 bytes sorted by tag (a bucket of idx, downloaded
 * or mapped, or verified.bin). For each breach of idx, in catalogue order
 * (i = 0 .. n_breaches - 1), whose tag for y is in area and whose entry
 * decrypts: cb(i, breach, payload, arg, err); a non-zero return from cb
 * stops the search (cb fills err). y: 64 bytes (secret; the derived keys
 * are wiped). Returns the number of matches, or -1 with err filled
 * ("bad_entry" when an entry does not decrypt: corrupt index; or cb's).
 */
int bc_index_find_in(const struct bc_index *idx, const uint8_t *area, size_t n_entries,
		     const uint8_t y[BC_Y_BYTES],
		     int (*cb)(size_t i, const struct bc_breach *breach, const struct bc_payload *p,
			       void *arg, struct bc_error *err),
		     void *arg, struct bc_error *err);

#endif
