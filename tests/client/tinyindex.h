#ifndef BC_TESTS_TINYINDEX_H
#define BC_TESTS_TINYINDEX_H

/*
 * A tiny index directory for the client tests, from given token inputs and
 * payloads, written by the index module's builder (index/build.h) without
 * going through a leak file and ingest. Test-only.
 */

#include <stddef.h>
#include <stdint.h>

#include "index/index.h"

struct tiny_token {
	const char *input;          /* OPRF input "bc1|..." */
	uint32_t breach_id;
	struct bc_payload payload;
};

/* Write a v1 key file (mode 0600) holding seed. Returns 0 or -1. */
int tiny_key_write(const char *path, const uint8_t seed[32]);

/*
 * Build index.json, buckets.bin and verified.bin in dir (created) for the
 * key derived from seed: every token evaluated with skS (anonymity K = 1).
 * breaches_json: the JSON array of the catalogue. Returns 0 or -1.
 */
int tiny_index_build(const char *dir, const uint8_t seed[32], const struct tiny_token *t,
		     size_t n, const char *breaches_json);

#endif
