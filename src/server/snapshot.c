#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "oprf/oprf.h"
#include "server/internal.h"
#include "util/base64url.h"

/* Above this many buckets, responses are made per request instead of ahead. */
#define PREBUILT_BUCKETS_MAX 4096

struct MHD_Response *bc_server_bucket_response(struct bc_server *srv,
					       struct bc_server_snapshot *s, uint32_t i)
{
	const uint8_t *p;
	char etag[64], num[16];
	size_t len;

	p = bc_index_bucket_ptr(s->idx, i, &len);
	if (!p)
		return NULL;
	snprintf(num, sizeof(num), "%" PRIu32, i);
	bc_server_etag(s, num, etag, sizeof(etag));
	return bc_server_persistent(srv, p, len, BC_SERVER_OCTETS_TYPE, BC_SERVER_IMMUTABLE, etag);
}

static void snapshot_free(struct bc_server_snapshot *s)
{
	size_t i;

	if (!s)
		return;
	if (s->buckets) {
		for (i = 0; i < s->n_buckets; i++)
			if (s->buckets[i])
				MHD_destroy_response(s->buckets[i]);
		free(s->buckets);
	}
	if (s->breach) {
		for (i = 0; i < s->n_breaches; i++)
			if (s->breach[i])
				MHD_destroy_response(s->breach[i]);
		free(s->breach);
	}
	free(s->breach_len);
	if (s->verified)
		MHD_destroy_response(s->verified);
	if (s->buckets_bin)
		MHD_destroy_response(s->buckets_bin);
	if (s->index_json)
		MHD_destroy_response(s->index_json);
	if (s->config)
		MHD_destroy_response(s->config);
	if (s->breaches)
		MHD_destroy_response(s->breaches);
	if (s->healthz)
		MHD_destroy_response(s->healthz);
	bc_index_free(s->idx);
	free(s);
}

void bc_server_snapshot_put(struct bc_server_snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}

struct bc_server_snapshot *bc_server_snapshot_get(struct bc_server *srv)
{
	struct bc_server_snapshot *s;

	pthread_mutex_lock(&srv->cur_lock);
	s = srv->cur;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&srv->cur_lock);
	return s;
}

static json_t *b64_string(const uint8_t *bin, size_t len)
{
	char buf[128];

	if (bc_b64url_len(len) + 1 > sizeof(buf))
		return NULL;
	bc_b64url_encode(bin, len, buf);
	return json_string(buf);
}

/* The /v1/config document (DESIGN.md §8); breaches are index.json's own. */
static json_t *config_json(struct bc_server *srv, const struct bc_index *idx, json_t *breaches)
{
	return json_pack("{s:i,s:s,s:s,s:o,s:o,s:I,s:I,s:i,s:s,s:o,s:I,s:i,s:s,s:O}",
			 "format", BC_INDEX_FORMAT, "suite", BC_INDEX_SUITE, "mode", "voprf",
			 "public_key", b64_string(srv->opt.key->pk_s, OPRF_ELEMENT_BYTES),
			 "verified_public_key", b64_string(srv->opt.key->pk_v, OPRF_ELEMENT_BYTES),
			 "bucket_bits", (json_int_t)bc_index_bucket_bits(idx),
			 "bucket_entries", (json_int_t)bc_index_bucket_entries(idx),
			 "entry_bytes", BC_ENTRY_BYTES,
			 "index_id", bc_index_id(idx),
			 "salt", b64_string(bc_index_salt(idx), BC_SALT_BYTES),
			 "min_real_entries", (json_int_t)bc_index_min_real_entries(idx),
			 "max_batch", (int)srv->opt.max_batch,
			 "buckets_url", srv->buckets_url,
			 "breaches", breaches);
}

int bc_server_snapshot_open(struct bc_server *srv, struct bc_server_snapshot **out,
			    struct bc_error *err)
{
	struct bc_server_snapshot *s = calloc(1, sizeof(*s));
	json_t *breaches = NULL, *doc = NULL;
	const uint8_t *p;
	char etag[64];
	size_t i, len;
	int ret = -1;

	*out = NULL;
	if (!s) {
		bc_error_set(err, bc_err_internal, "out of memory");
		goto out;
	}
	atomic_init(&s->refs, 1);
	if (bc_index_open(srv->index_dir, &s->idx, err) < 0 || bc_index_verify(s->idx, err) < 0)
		goto out;
	if (sodium_memcmp(bc_index_public_key(s->idx), srv->opt.key->pk_s, OPRF_ELEMENT_BYTES)) {
		bc_error_set(err, bc_err_key_mismatch,
			     "the index was built with another key: its public_key differs from the key file's; "
			     "serve it with the key given to ingest");
		goto out;
	}
	memcpy(s->id, bc_index_id(s->idx), BC_INDEX_ID_HEX);
	s->id[BC_INDEX_ID_HEX] = '\0';
	s->n_buckets = bc_index_n_buckets(s->idx);
	if (!bc_index_bucket_ptr(s->idx, 0, &s->bucket_len))
		s->bucket_len = 0;
	if (s->n_buckets <= PREBUILT_BUCKETS_MAX) {
		s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
		if (!s->buckets)
			goto oom;
		for (i = 0; i < s->n_buckets; i++)
			if (!(s->buckets[i] = bc_server_bucket_response(srv, s, (uint32_t)i)))
				goto oom;
	}
	p = bc_index_verified_ptr(s->idx, &s->verified_len);
	bc_server_etag(s, "verified", etag, sizeof(etag));
	if (!(s->verified = bc_server_persistent(srv, p, s->verified_len, BC_SERVER_OCTETS_TYPE, BC_SERVER_IMMUTABLE, etag)))
		goto oom;
	p = bc_index_buckets_ptr(s->idx, &s->buckets_bin_len);
	bc_server_etag(s, "buckets.bin", etag, sizeof(etag));
	if (!(s->buckets_bin = bc_server_persistent(srv, p, s->buckets_bin_len, BC_SERVER_OCTETS_TYPE, BC_SERVER_IMMUTABLE, etag)))
		goto oom;
	p = (const uint8_t *)bc_index_json_text(s->idx, &s->index_json_len);
	bc_server_etag(s, "index.json", etag, sizeof(etag));
	if (!(s->index_json = bc_server_persistent(srv, p, s->index_json_len, BC_SERVER_JSON_TYPE, BC_SERVER_IMMUTABLE, etag)))
		goto oom;

	breaches = json_object_get(bc_index_json(s->idx), "breaches");
	if (!json_is_array(breaches)) {
		bc_error_set_field(err, bc_err_bad_field, "breaches", "index.json has no breaches array");
		breaches = NULL;
		goto out;
	}
	json_incref(breaches);
	s->n_breaches = json_array_size(breaches);
	s->breach = calloc(s->n_breaches + 1, sizeof(*s->breach));
	s->breach_len = calloc(s->n_breaches + 1, sizeof(*s->breach_len));
	if (!s->breach || !s->breach_len)
		goto oom;
	for (i = 0; i < s->n_breaches; i++)
		if (!(s->breach[i] = bc_server_json_response(srv, json_array_get(breaches, i), "no-cache",
						   &s->breach_len[i])))
			goto oom;
	if (!(doc = json_pack("{s:O}", "breaches", breaches)))
		goto oom;
	if (!(s->breaches = bc_server_json_response(srv, doc, "no-cache", &s->breaches_len)))
		goto oom;
	json_decref(doc);
	if (!(doc = config_json(srv, s->idx, breaches)))
		goto oom;
	if (!(s->config = bc_server_json_response(srv, doc, "no-cache", &s->config_len)))
		goto oom;
	json_decref(doc);
	if (!(doc = json_pack("{s:s,s:s}", "status", "ok", "index_id", s->id)))
		goto oom;
	if (!(s->healthz = bc_server_json_response(srv, doc, "no-store", &s->healthz_len)))
		goto oom;
	(void)len;
	*out = s;
	s = NULL;
	ret = 0;
	goto out;
oom:
	bc_error_set(err, bc_err_internal, "out of memory while preparing the index responses");
out:
	json_decref(doc);
	json_decref(breaches);
	snapshot_free(s);
	return ret;
}

int bc_server_reload(struct bc_server *srv, struct bc_error *err)
{
	struct bc_server_snapshot *s, *old;

	if (bc_server_snapshot_open(srv, &s, err) < 0) {
		atomic_fetch_add(&srv->metrics.reload_failures, 1);
		return -1;
	}
	pthread_mutex_lock(&srv->cur_lock);
	old = srv->cur;
	srv->cur = s;
	pthread_mutex_unlock(&srv->cur_lock);
	bc_server_snapshot_put(old);
	atomic_fetch_add(&srv->metrics.reloads, 1);
	return 0;
}

void bc_server_index_id(struct bc_server *srv, char out[33])
{
	struct bc_server_snapshot *s = bc_server_snapshot_get(srv);

	memcpy(out, s ? s->id : "", s ? sizeof(s->id) : 1);
	bc_server_snapshot_put(s);
}

