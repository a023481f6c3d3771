/*
 * The routes answered from the index being served (DESIGN.md §8): the
 * configuration, the catalogue, the health check and the immutable files.
 * Their responses are made once per index version (snapshot.c); a request
 * only picks one.
 */

#include <stdint.h>
#include <string.h>

#include "server/internal.h"

enum MHD_Result bc_server_handle_config(struct MHD_Connection *c, struct bc_server_request *r,
					const struct bc_server_params *p)
{
	(void)p;
	return bc_server_queue(c, r, MHD_HTTP_OK, r->snap->config, r->snap->config_len);
}

enum MHD_Result bc_server_handle_breaches(struct MHD_Connection *c, struct bc_server_request *r,
					  const struct bc_server_params *p)
{
	(void)p;
	return bc_server_queue(c, r, MHD_HTTP_OK, r->snap->breaches, r->snap->breaches_len);
}

enum MHD_Result bc_server_handle_breach(struct MHD_Connection *c, struct bc_server_request *r,
					const struct bc_server_params *p)
{
	const struct bc_breach *b;
	size_t i;

	if (strlen(p->rest) > 256)
		return bc_server_not_found(c, r);
	b = bc_index_breach_by_name(r->snap->idx, p->rest);
	for (i = 0; b && i < r->snap->n_breaches; i++)
		if (bc_index_breach(r->snap->idx, i) == b)
			return bc_server_queue(c, r, MHD_HTTP_OK, r->snap->breach[i],
					       r->snap->breach_len[i]);
	return bc_server_not_found(c, r);
}

enum MHD_Result bc_server_handle_healthz(struct MHD_Connection *c, struct bc_server_request *r,
					 const struct bc_server_params *p)
{
	(void)p;
	return bc_server_queue(c, r, MHD_HTTP_OK, r->snap->healthz, r->snap->healthz_len);
}

/* Canonical decimal (no sign, no leading zero) below limit. */
static int parse_bucket(const char *s, uint32_t limit, uint32_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s > 9)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= limit)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

enum MHD_Result bc_server_handle_bucket(struct MHD_Connection *c, struct bc_server_request *r,
					const struct bc_server_params *p)
{
	struct bc_server_snapshot *s = r->snap;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint32_t i;

	if (parse_bucket(p->rest, s->n_buckets, &i) < 0)
		return bc_server_not_found(c, r);
	if (s->buckets)
		return bc_server_immutable(c, r, p->rest, s->buckets[i], s->bucket_len);
	resp = bc_server_bucket_response(r->srv, s, i);
	if (!resp)
		return MHD_NO;
	ret = bc_server_immutable(c, r, p->rest, resp, s->bucket_len);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result bc_server_handle_verified(struct MHD_Connection *c, struct bc_server_request *r,
					  const struct bc_server_params *p)
{
	(void)p;
	return bc_server_immutable(c, r, "verified", r->snap->verified, r->snap->verified_len);
}

enum MHD_Result bc_server_handle_buckets_bin(struct MHD_Connection *c,
					     struct bc_server_request *r,
					     const struct bc_server_params *p)
{
	(void)p;
	return bc_server_immutable(c, r, "buckets.bin", r->snap->buckets_bin,
				   r->snap->buckets_bin_len);
}

enum MHD_Result bc_server_handle_index_json(struct MHD_Connection *c, struct bc_server_request *r,
					    const struct bc_server_params *p)
{
	(void)p;
	return bc_server_immutable(c, r, "index.json", r->snap->index_json,
				   r->snap->index_json_len);
}
