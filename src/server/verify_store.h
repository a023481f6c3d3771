#ifndef BC_SERVER_VERIFY_STORE_H
#define BC_SERVER_VERIFY_STORE_H

/*
 * Where the one-time codes of email verification live (DESIGN.md §6,
 * docs/verify.md): a record per started verification and a start count
 * per address and day. The server never looks inside: a backend is a
 * struct of four functions. This file has the in-memory backend (one
 * process); a shared backend (Redis, for several evaluators) implements the
 * same functions with the same meaning.
 *
 * A record holds the code only as a keyed hash (the key is random and
 * rotated daily by the caller, src/server/verify.c) and the canonical
 * address the code was mailed to (the POPRF info of the evaluation); the
 * address is kept in memory only, never logged, and wiped when the record
 * goes. addr_key is a keyed hash of that address (what the per-address
 * counts are keyed by).
 */

#include <stddef.h>
#include <stdint.h>

#include "normalize/normalize.h"

#define BC_VERIFY_ID_BYTES 16
#define BC_VERIFY_HASH_BYTES 32
#define BC_VERIFY_TTL 1200           /* seconds a code lives (20 minutes: greylisting delays mail) */
#define BC_VERIFY_TRIES 5            /* wrong codes before the verification is dead */
#define BC_VERIFY_STARTS_PER_DAY 3   /* starts per address per UTC day */

/* Outcomes of the store's operations. */
enum bc_verify_status {
	BC_VERIFY_OK = 0,
	BC_VERIFY_LIVE_CODE = 1,      /* start: a live code exists for this address */
	BC_VERIFY_DAY_LIMIT = 2,      /* start: 3 starts for this address today */
	BC_VERIFY_FULL = 3,           /* start: no room (the global start limit should prevent it) */
	BC_VERIFY_CODE_INVALID = 4,   /* check: wrong code, a try used */
	BC_VERIFY_CODE_EXPIRED = 5,   /* check: no such verification, expired, or used already */
	BC_VERIFY_TOO_MANY_TRIES = 6, /* check: 5 wrong codes were given */
	BC_VERIFY_UNAVAILABLE = 7,    /* any: the shared store did not answer (fail closed: 503) */
};

/* One started verification. */
struct bc_verify_record {
	uint8_t id[BC_VERIFY_ID_BYTES];
	uint8_t addr_key[BC_VERIFY_HASH_BYTES];
	uint8_t code_hash[BC_VERIFY_HASH_BYTES];
	char email[BC_EMAIL_MAX];     /* canonical address, NUL-terminated */
	uint64_t expires;             /* seconds (the caller's clock) */
	unsigned tries;               /* wrong codes so far */
};

struct bc_verify_store {
	/*
	 * Record rec (copied) unless addr_key has a live code at time now
	 * (LIVE_CODE; *wait = seconds until it expires) or BC_VERIFY_STARTS_PER_DAY
	 * starts on day (LIVE_CODE first; DAY_LIMIT), or the store is full (FULL).
	 * A recorded start counts for the day. Thread-safe.
	 */
	int (*start)(struct bc_verify_store *s, const struct bc_verify_record *rec, const char *code,
		     uint32_t day, uint64_t now, unsigned *wait);
	/*
	 * The code of verification id, hashed under the current key (hash) and
	 * the previous day's (hash_prev, may equal hash): OK when either equals
	 * the record's in constant time; the record is then consumed (usable
	 * once) and its address copied to email (BC_EMAIL_MAX bytes). Otherwise
	 * CODE_INVALID (a try used; after BC_VERIFY_TRIES the record answers
	 * TOO_MANY_TRIES), CODE_EXPIRED or TOO_MANY_TRIES. Thread-safe.
	 * code (start and check): the 6 digits, NUL-terminated, which a shared
	 * backend uses to encrypt the address it stores (the memory one ignores
	 * it). Any function may answer UNAVAILABLE (a shared store down).
	 */
	int (*check)(struct bc_verify_store *s, const uint8_t id[BC_VERIFY_ID_BYTES], const char *code,
		     const uint8_t hash[BC_VERIFY_HASH_BYTES],
		     const uint8_t hash_prev[BC_VERIFY_HASH_BYTES], uint64_t now,
		     char email[BC_EMAIL_MAX]);
	/* The code of id could not be mailed: it is no longer live (the start still counts). */
	void (*cancel)(struct bc_verify_store *s, const uint8_t id[BC_VERIFY_ID_BYTES]);
	/*
	 * May be NULL (the caller keeps its own random keys). Otherwise the
	 * code-hash keys of UTC day (cur) and day - 1 (prev; equal to cur when
	 * that day has none), the same on every evaluator sharing the store,
	 * drawn at random by whichever evaluator asks first. Returns OK or
	 * UNAVAILABLE.
	 */
	int (*day_keys)(struct bc_verify_store *s, uint32_t day, uint8_t cur[32], uint8_t prev[32]);
	/* Free the backend (s included), wiping what it holds. */
	void (*free)(struct bc_verify_store *s);
};

/*
 * The in-memory backend: at most max_records verifications at a time and
 * max_addresses address-day counts (the oldest day's are dropped first).
 * Returns the store (free with s->free), or NULL if memory runs out.
 */
struct bc_verify_store *bc_verify_store_memory(size_t max_records, size_t max_addresses);

#endif
