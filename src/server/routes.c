/*
 * The routing table of the API listener (DESIGN.md §8, docs/openapi.yaml).
 * Adding a route is one handler (in its own file) and one line below; the
 * metrics and the log show it by its template. See docs/server.md.
 */

#include <stdio.h>
#include <string.h>

#include "server/internal.h"

static const struct bc_server_route routes[] = {
	{ "/v1/config", BC_SERVER_GET, bc_server_handle_config, 0 },
	{ "/v1/evaluate", BC_SERVER_POST, bc_server_handle_evaluate, 0 },
	{ "/v1/buckets/{index_id}/{bucket}", BC_SERVER_GET, bc_server_handle_bucket, 1 },
	{ "/v1/verified/{index_id}", BC_SERVER_GET, bc_server_handle_verified, 1 },
	{ "/v1/index/{index_id}/buckets.bin", BC_SERVER_GET, bc_server_handle_buckets_bin, 1 },
	{ "/v1/index/{index_id}/index.json", BC_SERVER_GET, bc_server_handle_index_json, 1 },
	{ "/v1/breaches", BC_SERVER_GET, bc_server_handle_breaches, 0 },
	{ "/v1/breaches/{name}", BC_SERVER_GET, bc_server_handle_breach, 0 },
	{ "/v1/verify/start", BC_SERVER_POST, bc_server_handle_verify_start, 0 },
	{ "/v1/verify/evaluate", BC_SERVER_POST, bc_server_handle_verify_evaluate, 0 },
	{ "/healthz", BC_SERVER_GET, bc_server_handle_healthz, 0 },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

_Static_assert(N_ROUTES < BC_SERVER_ROUTE_METRICS, "raise BC_SERVER_ROUTES_MAX");

unsigned bc_server_route_count(void)
{
	return (unsigned)N_ROUTES;
}

const char *bc_server_route_template(unsigned route)
{
	if (route < N_ROUTES)
		return routes[route].template;
	if (route == BC_SERVER_ROUTE_METRICS)
		return "/metrics";
	if (route == BC_SERVER_ROUTE_PAGE)
		return "/{page}";
	return "unknown";
}

unsigned bc_server_route_find(const char *template)
{
	unsigned i;

	for (i = 0; i < BC_SERVER_ROUTES_MAX; i++)
		if (!strcmp(bc_server_route_template(i), template))
			return i;
	return BC_SERVER_ROUTE_UNKNOWN;
}

/*
 * 1 if url matches template segment by segment: a literal segment is equal,
 * a {parameter} is any non-empty segment ({index_id} into p->index_id, any
 * other into p->rest, which then runs to the end of url: it is last).
 */
static int match(const char *template, const char *url, struct bc_server_params *p)
{
	const char *t = template, *u = url;

	memset(p, 0, sizeof(*p));
	while (*t && *u) {
		size_t tl = strcspn(t, "/"), ul = strcspn(u, "/");

		if (*t == '{') {
			if (ul == 0)
				return 0;
			if (!strncmp(t, "{index_id}", tl)) {
				p->index_id = u;
				p->index_id_len = ul;
			} else {
				p->rest = u;
			}
		} else if (tl != ul || memcmp(t, u, tl)) {
			return 0;
		}
		t += tl;
		u += ul;
		if (*t != *u)
			return 0;
		if (*t) {
			t++;
			u++;
		}
	}
	return !*t && !*u;
}

unsigned bc_server_route_of(const char *url, struct bc_server_params *p)
{
	unsigned i;

	for (i = 0; i < N_ROUTES; i++)
		if (match(routes[i].template, url, p))
			return i;
	memset(p, 0, sizeof(*p));
	if (!strcmp(url, "/v1") || !strncmp(url, "/v1/", 4))
		return BC_SERVER_ROUTE_UNKNOWN;
	return BC_SERVER_ROUTE_PAGE;
}

int bc_server_route_has_body(unsigned route)
{
	return route < N_ROUTES && routes[route].method == BC_SERVER_POST;
}

static int is_hex_id(const char *s, size_t len)
{
	size_t i;

	if (len != BC_INDEX_ID_HEX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

enum MHD_Result bc_server_dispatch(struct MHD_Connection *c, struct bc_server_request *r,
				   const char *url, const char *method)
{
	struct bc_server_snapshot *s = r->snap;
	struct bc_server_params p;
	int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int is_post = !strcmp(method, "POST");

	r->route = bc_server_route_of(url, &p);
	if (r->route == BC_SERVER_ROUTE_UNKNOWN)
		return bc_server_not_found(c, r);
	/* serve --evaluator-only: the files come from the bucket host (#15) */
	if (r->srv->opt.evaluator_only &&
	    (r->route == BC_SERVER_ROUTE_PAGE || routes[r->route].files))
		return bc_server_not_found(c, r);
	if (r->route == BC_SERVER_ROUTE_PAGE)
		return bc_server_handle_page(c, r, url, method);
	if (routes[r->route].method == BC_SERVER_POST && !is_post)
		return bc_server_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				       "this resource allows POST only", "POST", 0);
	if (routes[r->route].method == BC_SERVER_GET && !is_get)
		return bc_server_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				       "this resource allows GET and HEAD only", "GET, HEAD", 0);
	if (!s)
		return bc_server_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "internal",
				       "no index is loaded", NULL, 0);
	if (p.index_id) {
		if (!is_hex_id(p.index_id, p.index_id_len))
			return bc_server_not_found(c, r);
		if (memcmp(p.index_id, s->id, BC_INDEX_ID_HEX))
			return bc_server_error(c, r, MHD_HTTP_NOT_FOUND, "stale_index",
					       "this index_id is not the one being served: fetch /v1/config again",
					       NULL, 0);
	}
	if (r->too_large) {
		char msg[80];

		snprintf(msg, sizeof(msg), "the request body is larger than %d bytes",
			 BC_SERVER_MAX_BODY);
		return bc_server_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", msg, NULL, 0);
	}
	return routes[r->route].handle(c, r, &p);
}
