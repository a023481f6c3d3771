/*
 * libFuzzer target for the bodies of POST /v1/verify/start and
 * /v1/verify/evaluate (src/server/verify_body.c, DESIGN.md §6, §8): what
 * arrives from the network before any code is checked or mail sent. The
 * first byte picks the route. Checks, besides the sanitizers: an accepted
 * start yields a canonical address (normalising it again gives itself); an
 * accepted evaluate yields 6 digits and a verification id and an element
 * that re-encode to the body's text; a refusal is a 400 with a known code and
 * a message that quotes no value.
 * Build: fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "normalize/normalize.h"
#include "server/verify.h"
#include "util/base64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static const char *const codes[] = { "bad_json", "bad_field", "invalid_element" };

static void check_refusal(const struct bc_server_body_error *e)
{
	size_t i;
	int known = 0;

	CHECK(e->status == 400);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		known |= e->code && !strcmp(e->code, codes[i]);
	CHECK(known);
	CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	CHECK(strchr(e->message, '"') == NULL);
}

/* The JSON string field name of body re-encodes as b64 of bin (n bytes). */
static void same_text(const char *body, size_t len, const char *name, const uint8_t *bin, size_t n)
{
	json_t *doc = json_loadb(body, len, 0, NULL);
	char b64[64];

	CHECK(doc != NULL);
	bc_b64url_encode(bin, n, b64);
	CHECK(!strcmp(b64, json_string_value(json_object_get(doc, name))));
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_server_body_error e;
	const char *body = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;

	if (size < 1)
		return 0;
	memset(&e, 0, sizeof(e));
	if (data[0] & 1) {
		uint8_t id[BC_VERIFY_ID_BYTES], blinded[OPRF_ELEMENT_BYTES];
		char code[BC_VERIFY_CODE_DIGITS + 1];
		int i;

		if (bc_server_verify_evaluate_parse(body, len, id, code, blinded, &e) < 0) {
			check_refusal(&e);
			return 0;
		}
		for (i = 0; i < BC_VERIFY_CODE_DIGITS; i++)
			CHECK(code[i] >= '0' && code[i] <= '9');
		CHECK(code[BC_VERIFY_CODE_DIGITS] == '\0');
		same_text(body, len, "verification_id", id, BC_VERIFY_ID_BYTES);
		same_text(body, len, "blinded_element", blinded, OPRF_ELEMENT_BYTES);
	} else {
		char email[BC_EMAIL_MAX], again[BC_EMAIL_MAX];

		if (bc_server_verify_start_parse(body, len, email, &e) < 0) {
			check_refusal(&e);
			return 0;
		}
		CHECK(memchr(email, '\0', BC_EMAIL_MAX) != NULL && strchr(email, '@') != NULL);
		CHECK(bc_norm_email(email, strlen(email), again, sizeof(again)) == BC_NORM_OK);
		CHECK(!strcmp(email, again));
	}
	return 0;
}
