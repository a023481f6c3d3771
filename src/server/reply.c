#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/internal.h"

void bc_server_common_headers(struct bc_server *srv, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", srv->csp);
}

struct MHD_Response *bc_server_persistent(struct bc_server *srv, const void *buf, size_t len,
					  const char *type, const char *cache, const char *etag)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)buf, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	if (etag) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	}
	bc_server_common_headers(srv, resp);
	return resp;
}

struct MHD_Response *bc_server_copied(struct bc_server *srv, const char *text, size_t len,
				      const char *type, const char *cache)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	bc_server_common_headers(srv, resp);
	return resp;
}

/* The body is owned by the response (freed with it: MHD_RESPMEM_MUST_FREE). */
struct MHD_Response *bc_server_json_response(struct bc_server *srv, const json_t *v,
					     const char *cache, size_t *len)
{
	struct MHD_Response *resp;
	char *text = json_dumps(v, JSON_COMPACT);

	if (!text)
		return NULL;
	*len = strlen(text);
	resp = MHD_create_response_from_buffer(*len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, BC_SERVER_JSON_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	bc_server_common_headers(srv, resp);
	return resp;
}

enum MHD_Result bc_server_queue(struct MHD_Connection *c, struct bc_server_request *r,
				unsigned status, struct MHD_Response *resp, uint64_t bytes)
{
	r->status = status;
	r->bytes = bytes;
	r->answered = 1;
	if (r->conn) {
		atomic_store(&r->conn->respond_by, bc_server_respond_by(r->srv, bytes));
		atomic_store(&r->conn->responding, 1);
	}
	return MHD_queue_response(c, status, resp);
}

enum MHD_Result bc_server_error(struct MHD_Connection *c, struct bc_server_request *r,
				unsigned status, const char *code, const char *message,
				const char *allow, unsigned retry_after)
{
	struct MHD_Response *resp;
	json_t *doc;
	char *text;
	size_t len;
	enum MHD_Result ret;

	doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return MHD_NO;
	len = strlen(text);
	resp = bc_server_copied(r->srv, text, len, BC_SERVER_JSON_TYPE, "no-store");
	free(text);
	if (!resp)
		return MHD_NO;
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (retry_after) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u", retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, buf);
	}
	ret = bc_server_queue(c, r, status, resp, len);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result bc_server_not_found(struct MHD_Connection *c, struct bc_server_request *r)
{
	return bc_server_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource", NULL, 0);
}

void bc_server_etag(const struct bc_server_snapshot *s, const char *what, char *buf, size_t size)
{
	snprintf(buf, size, "\"%s-%s\"", s->id, what);
}

static int etag_matches(struct MHD_Connection *c, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);

	if (!inm)
		return 0;
	while (*inm == ' ')
		inm++;
	return !strcmp(inm, "*") || strstr(inm, etag) != NULL;
}

enum MHD_Result bc_server_immutable(struct MHD_Connection *c, struct bc_server_request *r,
				    const char *what, struct MHD_Response *resp, size_t len)
{
	struct MHD_Response *nm;
	enum MHD_Result ret;
	char etag[64];

	bc_server_etag(r->snap, what, etag, sizeof(etag));
	if (!etag_matches(c, etag))
		return bc_server_queue(c, r, MHD_HTTP_OK, resp, len);
	nm = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!nm)
		return MHD_NO;
	MHD_add_response_header(nm, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(nm, MHD_HTTP_HEADER_CACHE_CONTROL, BC_SERVER_IMMUTABLE);
	MHD_add_response_header(nm, "Access-Control-Allow-Origin", "*");
	bc_server_common_headers(r->srv, nm);
	ret = bc_server_queue(c, r, MHD_HTTP_NOT_MODIFIED, nm, 0);
	MHD_destroy_response(nm);
	return ret;
}
