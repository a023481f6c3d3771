/* POST /v1/evaluate: the VOPRF evaluator (DESIGN.md §2, §8; RFC 9497 §3.3.2). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "server/clientaddr.h"
#include "server/evaluate.h"
#include "server/internal.h"
#include "util/error.h"
#include "util/base64url.h"

#define B64_ELEMENT_LEN 43 /* base64url, no padding, of 32 bytes */

/* 1 if the request's Content-Type is application/json (parameters allowed,
 * case-insensitive): anything else from a browser on another origin would
 * be a "simple" request, sent without a CORS preflight. */
int bc_server_is_json_request(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", n))
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

#define MAX_PROXY_LINES 16

/* The lines of the proxy header, in order (the last MAX_PROXY_LINES). */
struct proxy_lines {
	const char *name;
	const char *line[MAX_PROXY_LINES];
	size_t count;
};

static enum MHD_Result collect_line(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct proxy_lines *pl = cls;

	(void)kind;
	if (!key || !value || strcasecmp(key, pl->name))
		return MHD_YES;
	if (pl->count == MAX_PROXY_LINES) {
		memmove(pl->line, pl->line + 1, (MAX_PROXY_LINES - 1) * sizeof(pl->line[0]));
		pl->count--;
	}
	pl->line[pl->count++] = value;
	return MHD_YES;
}

/* The client's 16-byte address for the rate limit (all zero if unknown). */
void bc_server_client_address(struct MHD_Connection *c, struct bc_server *srv, uint8_t addr[16])
{
	const union MHD_ConnectionInfo *ci;
	struct proxy_lines pl = { srv->opt.proxy_forwarded ? "Forwarded" : "X-Forwarded-For",
				  { NULL }, 0 };
	unsigned unparsable = 0;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (srv->opt.n_trusted_proxies)
		MHD_get_connection_values(c, MHD_HEADER_KIND, collect_line, &pl);
	if (!ci || bc_server_client_addr(ci->client_addr, pl.line, pl.count, srv->opt.proxy_forwarded,
					 srv->trusted, srv->opt.n_trusted_proxies, addr,
					 &unparsable) < 0)
		memset(addr, 0, 16);
	if (unparsable)
		atomic_fetch_add_explicit(&srv->metrics.forwarded_unparsable, unparsable,
					  memory_order_relaxed);
}

/* {"evaluated_elements":[...],"proof":"..."} into out (room for n). */
static size_t evaluate_json(const uint8_t *evaluated, size_t n,
			    const uint8_t proof[OPRF_PROOF_BYTES], char *out)
{
	size_t i, len;

	memcpy(out, "{\"evaluated_elements\":[", 23);
	len = 23;
	for (i = 0; i < n; i++) {
		if (i)
			out[len++] = ',';
		out[len++] = '"';
		bc_b64url_encode(evaluated + i * OPRF_ELEMENT_BYTES, OPRF_ELEMENT_BYTES, out + len);
		len += B64_ELEMENT_LEN;
		out[len++] = '"';
	}
	memcpy(out + len, "],\"proof\":\"", 11);
	len += 11;
	bc_b64url_encode(proof, OPRF_PROOF_BYTES, out + len);
	len += bc_b64url_len(OPRF_PROOF_BYTES);
	memcpy(out + len, "\"}", 2);
	return len + 2;
}

/* The evaluation failed: name the first invalid element, if one is. */
static enum MHD_Result evaluation_failed(struct MHD_Connection *c, struct bc_server_request *r,
					 const uint8_t *blinded, size_t n)
{
	char msg[160];
	size_t i;

	for (i = 0; i < n; i++)
		if (!oprf_element_is_valid(blinded + i * OPRF_ELEMENT_BYTES))
			break;
	if (i == n)
		return bc_server_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				       "the evaluation failed", NULL, 0);
	snprintf(msg, sizeof(msg),
		 "blinded_elements[%zu] is not a valid ristretto255 element (non-canonical or identity)",
		 i);
	return bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "invalid_element", msg, NULL, 0);
}

enum MHD_Result bc_server_handle_evaluate(struct MHD_Connection *c, struct bc_server_request *r,
					  const struct bc_server_params *p)
{
	struct bc_server *srv = r->srv;
	uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t evaluated[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES];
	uint8_t addr[16];
	char out[OPRF_MAX_BATCH * (B64_ELEMENT_LEN + 3) + 160], msg[160];
	struct bc_server_body_error e;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned wait;
	size_t n = 0, len;

	(void)p;
	if (!bc_server_is_json_request(c))
		return bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_json",
				       "the request must have Content-Type: application/json", NULL, 0);
	if (bc_server_evaluate_parse(r->body, r->body_len, srv->opt.max_batch, blinded, &n, &e) < 0)
		return bc_server_error(c, r, e.status, e.code, e.message, NULL, 0);

	bc_server_client_address(c, srv, addr);
	wait = srv->limiter->take(srv->limiter, addr, (unsigned)n);
	if (wait == BC_SERVER_LIMITER_UNAVAILABLE)
		/* the shared store (--redis) does not answer: fail closed, counted in
		 * breachcheck_redis_unavailable_total (docs/deploy.md) */
		return bc_server_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
				       "the rate-limit store does not answer: try again in a "
				       "few seconds", NULL, 5);
	if (wait) {
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_requests, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_elements, n, memory_order_relaxed);
		snprintf(msg, sizeof(msg), "too many evaluations: retry after %u seconds", wait);
		return bc_server_error(c, r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited", msg, NULL, wait);
	}

	/* Elements are decoded once, inside the evaluation; which one was
	 * invalid is only looked for when it fails (the tokens stay spent). */
	if (oprf_blind_evaluate(OPRF_MODE_VOPRF, srv->opt.key->sk_s, srv->opt.key->pk_s, NULL, 0,
				blinded, n, evaluated, proof, NULL) < 0)
		return evaluation_failed(c, r, blinded, n);
	atomic_fetch_add_explicit(&srv->metrics.evaluated_elements, n, memory_order_relaxed);
	len = evaluate_json(evaluated, n, proof, out);
	resp = bc_server_copied(srv, out, len, BC_SERVER_JSON_TYPE, "no-store");
	if (!resp)
		return MHD_NO;
	ret = bc_server_queue(c, r, MHD_HTTP_OK, resp, len);
	MHD_destroy_response(resp);
	return ret;
}
