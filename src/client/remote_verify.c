/*
 * Email verification against the server (DESIGN.md §6, docs/verify.md):
 * /v1/verify/start and /v1/verify/evaluate. See client/client.h.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "client/remote_internal.h"
#include "util/base64url.h"

/* After a failed verify call: the server's own error code when it is one of
 * the verify codes, so that the CLI can say what to do. */
static void verify_error_code(const struct sink *s, struct bc_error *err)
{
	json_t *j = s->buf ? json_loadb((const char *)s->buf, s->len, 0, NULL) : NULL;
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));

	if (c && err) {
		if (!strcmp(c, bc_err_code_invalid))
			err->code = bc_err_code_invalid;
		else if (!strcmp(c, bc_err_code_expired))
			err->code = bc_err_code_expired;
		else if (!strcmp(c, bc_err_too_many_tries))
			err->code = bc_err_too_many_tries;
		else if (!strcmp(c, bc_err_mail_failed))
			err->code = bc_err_mail_failed;
		else if (!strcmp(c, bc_err_not_implemented))
			err->code = bc_err_not_implemented;
		else if (!strcmp(c, bc_err_bad_field))
			err->code = bc_err_bad_input;
	}
	json_decref(j);
}

/*
 * POST req (taken: freed here) to the route (e.g. "verify/start") of be's
 * server. retry: whether a 429 may be waited out and the request sent again.
 * Returns 0 with *ans the answer (NULL when not JSON; the caller frees it), or
 * -1 with err (the server's verify code when it gave one). The body, which
 * holds the address or the code, is wiped.
 */
static int verify_post(struct bc_client_backend *be, const char *route, json_t *req, int retry,
		       json_t **ans, struct bc_error *err)
{
	struct remote *r = be->ctx;
	struct sink s = { .max = 1u << 16 };
	char url[URL_MAX + 32];
	char *body;
	long saved;
	int ret;

	*ans = NULL;
	if (!bc_client_is_remote(be)) {
		json_decref(req);
		return bc_error_set(err, bc_err_usage, "email verification needs --server");
	}
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	snprintf(url, sizeof(url), "%s/v1/%s", r->server, route);
	saved = r->max_wait_s;
	if (!retry)
		r->max_wait_s = 0;
	ret = bc_client_http_do(r, url, body, &s, route, err);
	r->max_wait_s = saved;
	if (ret) {
		verify_error_code(&s, err);
		ret = -1;
	} else {
		*ans = json_loadb((const char *)s.buf, s.len, 0, NULL);
	}
	sodium_memzero(body, strlen(body));
	free(body);
	bc_client_sink_free(&s);
	return ret;
}

int bc_client_remote_verify_start(struct bc_client_backend *be, const char *email, char id[64],
				  struct bc_error *err)
{
	json_t *ans;
	const char *v;
	int ret = -1;

	id[0] = '\0';
	if (verify_post(be, "verify/start", json_pack("{s:s}", "email", email), 1, &ans, err))
		return -1;
	v = json_string_value(json_object_get(ans, "verification_id"));
	if (!v || strlen(v) >= 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
						 strlen(v)) {
		bc_error_set(err, bc_err_bad_response, "verify/start: the server's answer has no verification_id");
		goto out;
	}
	snprintf(id, 64, "%s", v);
	ret = 0;
out:
	json_decref(ans);
	return ret;
}

int bc_client_remote_verify_evaluate(struct bc_client_backend *be, const char *id, const char *code,
				     const uint8_t blinded[OPRF_ELEMENT_BYTES],
				     uint8_t evaluated[OPRF_ELEMENT_BYTES], uint8_t proof[OPRF_PROOF_BYTES],
				     struct bc_error *err)
{
	char b64[64];
	json_t *ans;
	int ret = -1;

	bc_b64url_encode(blinded, OPRF_ELEMENT_BYTES, b64);
	/* never sent twice: a 429 here is reported, not waited out and retried */
	if (verify_post(be, "verify/evaluate",
			json_pack("{s:s,s:s,s:s}", "verification_id", id, "code", code, "blinded_element", b64),
			0, &ans, err))
		return -1;
	if (bc_client_b64_field(ans, "evaluated_element", evaluated, OPRF_ELEMENT_BYTES, err) ||
	    bc_client_b64_field(ans, "proof", proof, OPRF_PROOF_BYTES, err))
		goto out;
	ret = 0;
out:
	json_decref(ans);
	return ret;
}
