#ifndef BC_SERVER_EVALUATE_H
#define BC_SERVER_EVALUATE_H

/*
 * The body of POST /v1/evaluate (DESIGN.md §8, docs/openapi.yaml):
 * {"blinded_elements": ["<base64url of 32 bytes>", ...]}. Parsed apart
 * from the HTTP handling so that it can be fuzzed (fuzz/fuzz_evaluate.c).
 */

#include <stddef.h>
#include <stdint.h>

#include "oprf/oprf.h"

/* Why a body was refused: the HTTP status, the API's error code and a
 * message naming the field (never the element's value). */
struct bc_server_body_error {
	unsigned status; /* 400 */
	const char *code; /* "bad_json", "bad_field", "batch_too_large", "invalid_element" */
	char message[160];
};

/* Fill *e: status 400, code (a string literal), the message from fmt.
 * Returns -1 (for `return bc_server_body_error(...)`). */
int bc_server_body_error(struct bc_server_body_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parse body (len bytes, any content) into *n blinded elements of
 * OPRF_ELEMENT_BYTES each in blinded (room for OPRF_MAX_BATCH), at most
 * max_batch (1..OPRF_MAX_BATCH). Only the encoding is checked here; whether
 * each is a valid ristretto255 element is found by the evaluation.
 * Returns 0, or -1 with *e filled.
 */
int bc_server_evaluate_parse(const char *body, size_t len, unsigned max_batch,
			     uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES], size_t *n,
			     struct bc_server_body_error *e);

#endif
