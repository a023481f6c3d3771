/*
 * The body of POST /v1/evaluate (evaluate.h): JSON in, blinded elements out.
 * Apart from the handler so that the fuzzer (fuzz/fuzz_evaluate.c) links it
 * alone.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "server/evaluate.h"
#include "util/base64url.h"

#define B64_ELEMENT_LEN 43 /* base64url, no padding, of 32 bytes */

int bc_server_body_error(struct bc_server_body_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = 400; /* Bad Request */
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

int bc_server_evaluate_parse(const char *body, size_t len, unsigned max_batch,
			     uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES], size_t *n,
			     struct bc_server_body_error *e)
{
	json_error_t jerr;
	json_t *doc, *arr;
	size_t i;
	int ret = -1;

	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return bc_server_body_error(e, "bad_json", "the request body is not valid JSON (line %d, column %d)",
				  jerr.line, jerr.column);
	if (!json_is_object(doc)) {
		bc_server_body_error(e, "bad_json", "the request body must be a JSON object");
		goto out;
	}
	arr = json_object_get(doc, "blinded_elements");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		bc_server_body_error(e, "bad_field", "blinded_elements must be a non-empty array of base64url strings");
		goto out;
	}
	*n = json_array_size(arr);
	if (*n > max_batch || *n > OPRF_MAX_BATCH) {
		bc_server_body_error(e, "batch_too_large", "blinded_elements holds more than max_batch (%u) elements",
			   max_batch);
		goto out;
	}
	for (i = 0; i < *n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *str = json_string_value(v);
		size_t slen;

		if (!str) {
			bc_server_body_error(e, "bad_field", "blinded_elements[%zu] must be a string", i);
			goto out;
		}
		slen = json_string_length(v);
		/* util's decoder: alphabet, length and trailing bits (libsodium's
		 * took some bytes above 0x7f for letters: fuzz/fuzz_evaluate.c) */
		if (slen != B64_ELEMENT_LEN ||
		    bc_b64url_decode(str, slen, blinded + i * OPRF_ELEMENT_BYTES, OPRF_ELEMENT_BYTES) !=
			    OPRF_ELEMENT_BYTES) {
			bc_server_body_error(e, "invalid_element",
				   "blinded_elements[%zu] is not a base64url (unpadded) encoding of 32 bytes", i);
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(doc);
	return ret;
}

