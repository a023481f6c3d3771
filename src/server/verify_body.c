/*
 * The bodies of POST /v1/verify/start and /v1/verify/evaluate (verify.h):
 * JSON in, an address or a code, an id and an element out. Apart from the
 * handlers (verify.c) so that the fuzzer (fuzz/fuzz_verify.c) links it alone.
 */

#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "server/verify.h"
#include "util/base64url.h"

#define B64_ID_LEN 22      /* base64url, no padding, of 16 bytes */
#define B64_ELEMENT_LEN 43 /* of 32 bytes */

static json_t *load_object(const char *body, size_t len, struct bc_server_body_error *e)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!doc) {
		bc_server_body_error(e, "bad_json", "the request body is not valid JSON (line %d, column %d)", jerr.line,
			   jerr.column);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		bc_server_body_error(e, "bad_json", "the request body must be a JSON object");
		return NULL;
	}
	return doc;
}

int bc_server_verify_start_parse(const char *body, size_t len, char email[BC_EMAIL_MAX],
				 struct bc_server_body_error *e)
{
	json_t *doc = load_object(body, len, e), *v = NULL;
	int ret = -1;

	email[0] = '\0';
	if (!doc)
		return -1;
	v = json_object_get(doc, "email");
	if (!json_is_string(v)) {
		bc_server_body_error(e, "bad_field", "email must be a string");
		goto out;
	}
	if (bc_norm_email(json_string_value(v), json_string_length(v), email, BC_EMAIL_MAX) != BC_NORM_OK) {
		bc_server_body_error(e, "bad_field", "email is not a valid email address (one @ and a domain with a dot)");
		goto out;
	}
	ret = 0;
out:
	/* the address parsed into the document is wiped before it is freed
	 * (jansson allocated it writable; its lexer's buffer is not reachable) */
	if (json_is_string(v))
		sodium_memzero((char *)(uintptr_t)json_string_value(v), json_string_length(v));
	json_decref(doc);
	return ret;
}

/* s (slen bytes) is exactly the b64len-character base64url of outlen bytes,
 * decoded into out (util's decoder: alphabet, length, trailing bits). */
static int b64_exact(const char *s, size_t slen, size_t b64len, uint8_t *out, size_t outlen)
{
	return s && slen == b64len && bc_b64url_decode(s, slen, out, outlen) == (int)outlen;
}

int bc_server_verify_evaluate_parse(const char *body, size_t len, uint8_t id[BC_VERIFY_ID_BYTES],
				    char code[BC_VERIFY_CODE_DIGITS + 1],
				    uint8_t blinded[OPRF_ELEMENT_BYTES], struct bc_server_body_error *e)
{
	json_t *doc = load_object(body, len, e), *v;
	const char *s;
	int ret = -1, i;

	code[0] = '\0';
	if (!doc)
		return -1;
	if (json_object_get(doc, "blinded_elements")) {
		bc_server_body_error(e, "bad_field", "verify/evaluate takes exactly one blinded_element, not blinded_elements");
		goto out;
	}
	v = json_object_get(doc, "verification_id");
	if (!json_is_string(v) ||
	    !b64_exact(json_string_value(v), json_string_length(v), B64_ID_LEN, id, BC_VERIFY_ID_BYTES)) {
		bc_server_body_error(e, "bad_field", "verification_id must be the id /v1/verify/start returned");
		goto out;
	}
	v = json_object_get(doc, "code");
	s = json_string_value(v);
	if (!s || json_string_length(v) != BC_VERIFY_CODE_DIGITS) {
		bc_server_body_error(e, "bad_field", "code must be the 6 digits of the mail, as a string");
		goto out;
	}
	for (i = 0; i < BC_VERIFY_CODE_DIGITS; i++) {
		if (s[i] < '0' || s[i] > '9') {
			bc_server_body_error(e, "bad_field", "code must be the 6 digits of the mail, as a string");
			goto out;
		}
		code[i] = s[i];
	}
	code[BC_VERIFY_CODE_DIGITS] = '\0';
	v = json_object_get(doc, "blinded_element");
	if (!json_is_string(v)) {
		bc_server_body_error(e, "bad_field", "blinded_element must be a base64url string");
		goto out;
	}
	if (!b64_exact(json_string_value(v), json_string_length(v), B64_ELEMENT_LEN, blinded,
		       OPRF_ELEMENT_BYTES)) {
		bc_server_body_error(e, "invalid_element", "blinded_element is not a base64url (unpadded) encoding of 32 bytes");
		goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	return ret;
}

