/*
 * libFuzzer target for the body of POST /v1/evaluate (src/server/evaluate_body.c,
 * what arrives from the network before any evaluation): arbitrary bytes as
 * the body, with the batch limit taken from the first byte. Checks, besides
 * the sanitizers: a body is accepted with 1..max_batch elements, each the
 * base64url (unpadded) encoding of 32 bytes that re-encodes to the body's
 * text; a refusal is 400 with a known code and a message naming no value.
 * Build: fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "server/evaluate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static const char *const codes[] = { "bad_json", "bad_field", "batch_too_large", "invalid_element" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	struct bc_server_body_error e;
	unsigned max_batch;
	size_t n = 0, i;
	int known = 0;

	if (size < 1)
		return 0;
	max_batch = 1 + data[0] % OPRF_MAX_BATCH;
	memset(&e, 0, sizeof(e));
	if (bc_server_evaluate_parse((const char *)data + 1, size - 1, max_batch, blinded, &n, &e) == 0) {
		json_t *doc = json_loadb((const char *)data + 1, size - 1, 0, NULL);
		json_t *arr = json_object_get(doc, "blinded_elements");

		CHECK(n >= 1 && n <= max_batch);
		CHECK(json_array_size(arr) == n);
		for (i = 0; i < n; i++) {
			char b64[64];

			sodium_bin2base64(b64, sizeof(b64), blinded + i * OPRF_ELEMENT_BYTES,
					  OPRF_ELEMENT_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			CHECK(!strcmp(b64, json_string_value(json_array_get(arr, i))));
		}
		json_decref(doc);
		return 0;
	}
	CHECK(e.status == 400);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		known |= e.code && !strcmp(e.code, codes[i]);
	CHECK(known);
	CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL);
	/* the message names fields and positions, never a value: no quote */
	CHECK(strchr(e.message, '"') == NULL);
	return 0;
}
