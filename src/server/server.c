#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "index/index.h"
#include "oprf/oprf.h"
#include "server/internal.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/server.h"

/* Above this many buckets, responses are made per request instead of ahead. */
#define PREBUILT_BUCKETS_MAX 4096
#define B64_ELEMENT_LEN 43 /* base64url, no padding, of 32 bytes */
#define IMMUTABLE "public, max-age=31536000, immutable"
#define JSON_TYPE "application/json"
#define OCTETS_TYPE "application/octet-stream"

/* One opened index version with its ready-made responses, shared by the
 * requests that started while it was current (reference counted). */
struct snapshot {
	atomic_uint refs;
	struct bc_index *idx;
	char id[BC_INDEX_ID_HEX + 1];
	uint32_t n_buckets;
	size_t bucket_len;
	struct MHD_Response **buckets; /* n_buckets, or NULL when made per request */
	struct MHD_Response *verified, *buckets_bin, *index_json, *config, *breaches, *healthz;
	size_t verified_len, buckets_bin_len, index_json_len, config_len, breaches_len, healthz_len;
	struct MHD_Response **breach; /* one per catalogue entry */
	size_t *breach_len;
	size_t n_breaches;
};

/* One API connection, for the request deadline (see reaper). */
struct conn {
	struct conn *prev, *next;
	int fd;
	int cut;               /* shut down by the reaper already */
	atomic_int responding; /* a response is queued: only the idle timeout applies */
	_Atomic double since;  /* when the current request started to be awaited */
};

struct bc_server {
	struct bc_server_options opt;
	char *index_dir;
	char *buckets_url;
	char *csp;
	struct bc_cidr trusted[BC_MAX_TRUSTED_PROXIES];
	int web_fd;
	struct MHD_Daemon *api, *metrics_daemon;
	unsigned port, metrics_port;
	pthread_mutex_t cur_lock;
	struct snapshot *cur;
	struct bc_ratelimit rl;
	struct bc_metrics metrics;
	atomic_uint active;
	pthread_mutex_t conns_lock;
	struct conn *conns;
	pthread_cond_t reaper_cond;
	pthread_t reaper;
	int reaper_running, reaper_stop;
};

struct request {
	struct bc_server *srv;
	struct snapshot *snap;
	struct conn *conn; /* NULL on the metrics listener */
	enum bc_route route;
	double t0;
	unsigned status;
	uint64_t bytes;
	const char *method; /* a known method name, or "other" */
	int answered;
	int headers_seen;
	int too_large;
	size_t body_len;
	char *body; /* BC_SERVER_MAX_BODY bytes, allocated for POST bodies only */
};

void bc_server_options_init(struct bc_server_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->listen = BC_SERVER_DEFAULT_LISTEN;
	opt->metrics_listen = BC_SERVER_DEFAULT_METRICS_LISTEN;
	opt->rate_per_client = BC_SERVER_DEFAULT_RATE_PER_CLIENT;
	opt->rate_global = BC_SERVER_DEFAULT_RATE_GLOBAL;
	opt->max_batch = BC_SERVER_DEFAULT_MAX_BATCH;
	opt->timeout = BC_SERVER_DEFAULT_TIMEOUT;
	opt->max_connections = BC_SERVER_DEFAULT_MAX_CONNECTIONS;
	opt->max_connections_per_ip = -1;
	opt->log_fd = 2;
}

/* ---- logging ---- */

static size_t iso_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return n;
}

static void log_line(struct bc_server *srv, const char *line, size_t len)
{
	ssize_t w;

	if (srv->opt.log_fd < 0)
		return;
	do
		w = write(srv->opt.log_fd, line, len);
	while (w < 0 && errno == EINTR);
}

void bc_server_log_event(struct bc_server *srv, const char *event, const char *extra)
{
	char line[1024], ts[40];
	int n;

	iso_time(ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"event\":\"%s\"%s}\n", ts, event,
		     extra ? extra : "");
	if (n > 0 && (size_t)n < sizeof(line))
		log_line(srv, line, (size_t)n);
}

static const char *method_name(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "DELETE",
					     "OPTIONS", "PATCH", "TRACE", "CONNECT" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(m, known[i]))
			return known[i];
	return "other";
}

static void log_request(struct bc_server *srv, const struct request *r, const char *method,
			double seconds, int aborted)
{
	char line[512], ts[40];
	int n;

	if (srv->opt.log_fd < 0)
		return;
	iso_time(ts, sizeof(ts));
	n = snprintf(line, sizeof(line),
		     "{\"time\":\"%s\",\"route\":\"%s\",\"method\":\"%s\",\"status\":%u,"
		     "\"duration_ms\":%.3f,\"bytes\":%" PRIu64 "%s}\n",
		     ts, bc_route_template(r->route), method, r->status, seconds * 1e3, r->bytes,
		     aborted ? ",\"aborted\":true" : "");
	if (n > 0 && (size_t)n < sizeof(line))
		log_line(srv, line, (size_t)n);
}

/* ---- snapshots ---- */

static void common_headers(struct bc_server *srv, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", srv->csp);
}

static struct MHD_Response *persistent(struct bc_server *srv, const void *buf, size_t len,
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
	common_headers(srv, resp);
	return resp;
}

static struct MHD_Response *copied(struct bc_server *srv, const char *text, size_t len,
				   const char *type, const char *cache)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	common_headers(srv, resp);
	return resp;
}

static void etag_of(const struct snapshot *s, const char *what, char *buf, size_t size)
{
	snprintf(buf, size, "\"%s-%s\"", s->id, what);
}

static struct MHD_Response *bucket_response(struct bc_server *srv, struct snapshot *s, uint32_t i)
{
	const uint8_t *p;
	char etag[64], num[16];
	size_t len;

	p = bc_index_bucket_ptr(s->idx, i, &len);
	if (!p)
		return NULL;
	snprintf(num, sizeof(num), "%" PRIu32, i);
	etag_of(s, num, etag, sizeof(etag));
	return persistent(srv, p, len, OCTETS_TYPE, IMMUTABLE, etag);
}

static void snapshot_free(struct snapshot *s)
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

static void snapshot_put(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}

static struct snapshot *snapshot_get(struct bc_server *srv)
{
	struct snapshot *s;

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

/* A persistent response whose body is a serialised JSON value, owned by
 * the response (freed with it through MHD_RESPMEM_MUST_FREE). */
static struct MHD_Response *json_response(struct bc_server *srv, const json_t *v, const char *cache,
					  size_t *len)
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
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	common_headers(srv, resp);
	return resp;
}

static int snapshot_open(struct bc_server *srv, struct snapshot **out, struct bc_error *err)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	json_t *breaches = NULL, *doc = NULL;
	const uint8_t *p;
	char etag[64];
	size_t i, len;
	int ret = -1;

	*out = NULL;
	if (!s) {
		bc_error_set(err, "internal", "out of memory");
		goto out;
	}
	atomic_init(&s->refs, 1);
	if (bc_index_open(srv->index_dir, &s->idx, err) < 0 || bc_index_verify(s->idx, err) < 0)
		goto out;
	if (sodium_memcmp(bc_index_public_key(s->idx), srv->opt.key->pk_s, OPRF_ELEMENT_BYTES)) {
		bc_error_set(err, "key_mismatch",
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
			if (!(s->buckets[i] = bucket_response(srv, s, (uint32_t)i)))
				goto oom;
	}
	p = bc_index_verified_ptr(s->idx, &s->verified_len);
	etag_of(s, "verified", etag, sizeof(etag));
	if (!(s->verified = persistent(srv, p, s->verified_len, OCTETS_TYPE, IMMUTABLE, etag)))
		goto oom;
	p = bc_index_buckets_ptr(s->idx, &s->buckets_bin_len);
	etag_of(s, "buckets.bin", etag, sizeof(etag));
	if (!(s->buckets_bin = persistent(srv, p, s->buckets_bin_len, OCTETS_TYPE, IMMUTABLE, etag)))
		goto oom;
	p = (const uint8_t *)bc_index_json_text(s->idx, &s->index_json_len);
	etag_of(s, "index.json", etag, sizeof(etag));
	if (!(s->index_json = persistent(srv, p, s->index_json_len, JSON_TYPE, IMMUTABLE, etag)))
		goto oom;

	breaches = json_object_get(bc_index_json(s->idx), "breaches");
	if (!json_is_array(breaches)) {
		bc_error_set_field(err, "bad_field", "breaches", "index.json has no breaches array");
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
		if (!(s->breach[i] = json_response(srv, json_array_get(breaches, i), "no-cache",
						   &s->breach_len[i])))
			goto oom;
	if (!(doc = json_pack("{s:O}", "breaches", breaches)))
		goto oom;
	if (!(s->breaches = json_response(srv, doc, "no-cache", &s->breaches_len)))
		goto oom;
	json_decref(doc);
	if (!(doc = config_json(srv, s->idx, breaches)))
		goto oom;
	if (!(s->config = json_response(srv, doc, "no-cache", &s->config_len)))
		goto oom;
	json_decref(doc);
	if (!(doc = json_pack("{s:s,s:s}", "status", "ok", "index_id", s->id)))
		goto oom;
	if (!(s->healthz = json_response(srv, doc, "no-store", &s->healthz_len)))
		goto oom;
	(void)len;
	*out = s;
	s = NULL;
	ret = 0;
	goto out;
oom:
	bc_error_set(err, "internal", "out of memory while preparing the index responses");
out:
	json_decref(doc);
	json_decref(breaches);
	snapshot_free(s);
	return ret;
}

/* ---- responses ---- */

static enum MHD_Result queue(struct MHD_Connection *c, struct request *r, unsigned status,
			     struct MHD_Response *resp, uint64_t bytes)
{
	enum MHD_Result ret;

	r->status = status;
	r->bytes = bytes;
	r->answered = 1;
	if (r->conn)
		atomic_store(&r->conn->responding, 1);
	ret = MHD_queue_response(c, status, resp);
	return ret;
}

static enum MHD_Result error_reply(struct MHD_Connection *c, struct request *r, unsigned status,
				   const char *code, const char *message, const char *allow,
				   unsigned retry_after)
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
	resp = copied(r->srv, text, len, JSON_TYPE, "no-store");
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
	ret = queue(c, r, status, resp, len);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result not_found(struct MHD_Connection *c, struct request *r)
{
	return error_reply(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource", NULL, 0);
}

static enum MHD_Result stale_index(struct MHD_Connection *c, struct request *r)
{
	return error_reply(c, r, MHD_HTTP_NOT_FOUND, "stale_index",
			   "this index_id is not the one being served: fetch /v1/config again", NULL, 0);
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

/* An immutable file: 304 when the client's ETag matches, else the body. */
static enum MHD_Result immutable_reply(struct MHD_Connection *c, struct request *r,
				       const char *what, struct MHD_Response *resp, size_t len)
{
	struct MHD_Response *nm;
	enum MHD_Result ret;
	char etag[64];

	etag_of(r->snap, what, etag, sizeof(etag));
	if (!etag_matches(c, etag))
		return queue(c, r, MHD_HTTP_OK, resp, len);
	nm = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!nm)
		return MHD_NO;
	MHD_add_response_header(nm, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(nm, MHD_HTTP_HEADER_CACHE_CONTROL, IMMUTABLE);
	MHD_add_response_header(nm, "Access-Control-Allow-Origin", "*");
	common_headers(r->srv, nm);
	ret = queue(c, r, MHD_HTTP_NOT_MODIFIED, nm, 0);
	MHD_destroy_response(nm);
	return ret;
}

/* ---- routing ---- */

struct route_params {
	const char *index_id; /* points into url, length 32 when valid */
	size_t index_id_len;
	const char *rest;     /* bucket number or breach name */
};

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

/* The rest of url after prefix, or NULL when url does not start with it. */
static const char *after(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(url, prefix, n) ? NULL : url + n;
}

static enum bc_route route_of(const char *url, struct route_params *p)
{
	const char *rest, *slash;

	memset(p, 0, sizeof(*p));
	if (!strcmp(url, "/v1/config"))
		return BC_ROUTE_CONFIG;
	if (!strcmp(url, "/v1/evaluate"))
		return BC_ROUTE_EVALUATE;
	if (!strcmp(url, "/v1/breaches"))
		return BC_ROUTE_BREACHES;
	if (!strcmp(url, "/v1/verify/start"))
		return BC_ROUTE_VERIFY_START;
	if (!strcmp(url, "/v1/verify/evaluate"))
		return BC_ROUTE_VERIFY_EVALUATE;
	if (!strcmp(url, "/healthz"))
		return BC_ROUTE_HEALTHZ;
	if ((rest = after(url, "/v1/breaches/"))) {
		if (!*rest || strchr(rest, '/'))
			return BC_ROUTE_UNKNOWN;
		p->rest = rest;
		return BC_ROUTE_BREACH;
	}
	if ((rest = after(url, "/v1/buckets/"))) {
		p->index_id = rest;
		slash = strchr(rest, '/');
		if (!slash || !slash[1] || strchr(slash + 1, '/'))
			return BC_ROUTE_UNKNOWN;
		p->index_id_len = (size_t)(slash - rest);
		p->rest = slash + 1;
		return BC_ROUTE_BUCKET;
	}
	if ((rest = after(url, "/v1/verified/"))) {
		if (!*rest || strchr(rest, '/'))
			return BC_ROUTE_UNKNOWN;
		p->index_id = rest;
		p->index_id_len = strlen(rest);
		return BC_ROUTE_VERIFIED;
	}
	if ((rest = after(url, "/v1/index/"))) {
		p->index_id = rest;
		slash = strchr(rest, '/');
		if (!slash)
			return BC_ROUTE_UNKNOWN;
		p->index_id_len = (size_t)(slash - rest);
		if (!strcmp(slash, "/buckets.bin"))
			return BC_ROUTE_BUCKETS_BIN;
		if (!strcmp(slash, "/index.json"))
			return BC_ROUTE_INDEX_JSON;
		return BC_ROUTE_UNKNOWN;
	}
	if (!strcmp(url, "/v1") || after(url, "/v1/"))
		return BC_ROUTE_UNKNOWN;
	return BC_ROUTE_PAGE;
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

/* ---- handlers ---- */

static enum MHD_Result handle_bucket(struct MHD_Connection *c, struct request *r,
				     const struct route_params *p)
{
	struct snapshot *s = r->snap;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint32_t i;

	if (parse_bucket(p->rest, s->n_buckets, &i) < 0)
		return not_found(c, r);
	if (s->buckets)
		return immutable_reply(c, r, p->rest, s->buckets[i], s->bucket_len);
	resp = bucket_response(r->srv, s, i);
	if (!resp)
		return MHD_NO;
	ret = immutable_reply(c, r, p->rest, resp, s->bucket_len);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle_breach(struct MHD_Connection *c, struct request *r, const char *name)
{
	const struct bc_breach *b;
	size_t i;

	if (strlen(name) > 256)
		return not_found(c, r);
	b = bc_index_breach_by_name(r->snap->idx, name);
	for (i = 0; b && i < r->snap->n_breaches; i++)
		if (bc_index_breach(r->snap->idx, i) == b)
			return queue(c, r, MHD_HTTP_OK, r->snap->breach[i], r->snap->breach_len[i]);
	return not_found(c, r);
}

/* The last X-Forwarded-For header line: the one the nearest proxy wrote
 * when a request carries several. */
static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	(void)kind;
	if (key && value && !strcasecmp(key, "X-Forwarded-For"))
		*(const char **)cls = value;
	return MHD_YES;
}

/* 1 if the request's Content-Type is application/json (parameters allowed,
 * case-insensitive): anything else from a browser on another origin would
 * be a "simple" request, sent without a CORS preflight. */
static int is_json_request(struct MHD_Connection *c)
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

static enum MHD_Result handle_evaluate(struct MHD_Connection *c, struct request *r)
{
	struct bc_server *srv = r->srv;
	uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t evaluated[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES];
	uint8_t addr[16], client[BC_CLIENT_KEY_BYTES];
	char out[OPRF_MAX_BATCH * (B64_ELEMENT_LEN + 3) + 160], msg[160];
	const union MHD_ConnectionInfo *ci;
	const char *xff;
	struct MHD_Response *resp;
	json_error_t jerr;
	json_t *doc = NULL, *arr;
	enum MHD_Result ret;
	unsigned wait;
	size_t n, i, len;

	if (r->too_large) {
		ret = error_reply(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
				  "the request body is larger than 16384 bytes", NULL, 0);
		goto out;
	}
	if (!is_json_request(c)) {
		ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "bad_json",
				  "the request must have Content-Type: application/json", NULL, 0);
		goto out;
	}
	doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		if (doc)
			snprintf(msg, sizeof(msg), "the request body must be a JSON object");
		else
			snprintf(msg, sizeof(msg), "the request body is not valid JSON (line %d, column %d)",
				 jerr.line, jerr.column);
		ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "bad_json", msg, NULL, 0);
		goto out;
	}
	arr = json_object_get(doc, "blinded_elements");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "bad_field",
				  "blinded_elements must be a non-empty array of base64url strings",
				  NULL, 0);
		goto out;
	}
	n = json_array_size(arr);
	if (n > srv->opt.max_batch) {
		snprintf(msg, sizeof(msg), "blinded_elements holds more than max_batch (%u) elements",
			 srv->opt.max_batch);
		ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "batch_too_large", msg, NULL, 0);
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		const char *str = json_string_value(e);
		size_t bin_len = 0;
		const char *end = NULL;

		if (!str) {
			snprintf(msg, sizeof(msg), "blinded_elements[%zu] must be a string", i);
			ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "bad_field", msg, NULL, 0);
			goto out;
		}
		len = json_string_length(e);
		if (len != B64_ELEMENT_LEN ||
		    sodium_base642bin(blinded + i * OPRF_ELEMENT_BYTES, OPRF_ELEMENT_BYTES, str, len,
				      NULL, &bin_len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) < 0 ||
		    bin_len != OPRF_ELEMENT_BYTES || end != str + len) {
			snprintf(msg, sizeof(msg),
				 "blinded_elements[%zu] is not a base64url (unpadded) encoding of 32 bytes", i);
			ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "invalid_element", msg, NULL, 0);
			goto out;
		}
	}

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	xff = NULL;
	if (srv->opt.n_trusted_proxies)
		MHD_get_connection_values(c, MHD_HEADER_KIND, last_xff, &xff);
	if (!ci || bc_client_addr(ci->client_addr, xff, srv->trusted, srv->opt.n_trusted_proxies,
				  addr) < 0)
		memset(addr, 0, sizeof(addr));
	bc_client_key(addr, client);
	wait = bc_ratelimit_take(&srv->rl, client, (unsigned)n, bc_ratelimit_now());
	if (wait) {
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_requests, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&srv->metrics.rate_limited_elements, n, memory_order_relaxed);
		snprintf(msg, sizeof(msg), "too many evaluations: retry after %u seconds", wait);
		ret = error_reply(c, r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited", msg, NULL, wait);
		goto out;
	}

	/* Elements are decoded once, inside the evaluation; which one was
	 * invalid is only looked for when it fails (the tokens stay spent). */
	if (oprf_blind_evaluate(OPRF_MODE_VOPRF, srv->opt.key->sk_s, srv->opt.key->pk_s, NULL, 0,
				blinded, n, evaluated, proof, NULL) < 0) {
		for (i = 0; i < n; i++)
			if (!oprf_element_is_valid(blinded + i * OPRF_ELEMENT_BYTES))
				break;
		if (i < n) {
			snprintf(msg, sizeof(msg),
				 "blinded_elements[%zu] is not a valid ristretto255 element (non-canonical or identity)",
				 i);
			ret = error_reply(c, r, MHD_HTTP_BAD_REQUEST, "invalid_element", msg, NULL, 0);
		} else {
			ret = error_reply(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					  "the evaluation failed", NULL, 0);
		}
		goto out;
	}
	atomic_fetch_add_explicit(&srv->metrics.evaluated_elements, n, memory_order_relaxed);
	len = 0;
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
	len += 2;
	resp = copied(srv, out, len, JSON_TYPE, "no-store");
	if (!resp) {
		ret = MHD_NO;
		goto out;
	}
	ret = queue(c, r, MHD_HTTP_OK, resp, len);
	MHD_destroy_response(resp);
out:
	json_decref(doc);
	return ret;
}

static enum MHD_Result dispatch(struct MHD_Connection *c, struct request *r, const char *url,
				const char *method)
{
	struct bc_server *srv = r->srv;
	struct snapshot *s = r->snap;
	struct route_params p;
	int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int is_post = !strcmp(method, "POST");
	int post_route;

	r->route = route_of(url, &p);
	post_route = r->route == BC_ROUTE_EVALUATE || r->route == BC_ROUTE_VERIFY_START ||
		     r->route == BC_ROUTE_VERIFY_EVALUATE;
	if (r->route == BC_ROUTE_UNKNOWN)
		return not_found(c, r);
	if (r->route == BC_ROUTE_PAGE) {
		struct MHD_Response *resp;
		enum MHD_Result ret;
		uint64_t bytes = 0;

		resp = bc_web_response(srv->web_fd, url, &bytes);
		if (!resp)
			return not_found(c, r);
		if (!is_get) {
			MHD_destroy_response(resp);
			return error_reply(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
					   "this resource allows GET and HEAD only", "GET, HEAD", 0);
		}
		common_headers(srv, resp);
		ret = queue(c, r, MHD_HTTP_OK, resp, bytes);
		MHD_destroy_response(resp);
		return ret;
	}
	if (post_route && !is_post)
		return error_reply(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				   "this resource allows POST only", "POST", 0);
	if (!post_route && !is_get)
		return error_reply(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				   "this resource allows GET and HEAD only", "GET, HEAD", 0);
	if (!s)
		return error_reply(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "internal",
				   "no index is loaded", NULL, 0);
	if (p.index_id) {
		if (!is_hex_id(p.index_id, p.index_id_len))
			return not_found(c, r);
		if (memcmp(p.index_id, s->id, BC_INDEX_ID_HEX))
			return stale_index(c, r);
	}
	switch (r->route) {
	case BC_ROUTE_CONFIG:
		return queue(c, r, MHD_HTTP_OK, s->config, s->config_len);
	case BC_ROUTE_BREACHES:
		return queue(c, r, MHD_HTTP_OK, s->breaches, s->breaches_len);
	case BC_ROUTE_BREACH:
		return handle_breach(c, r, p.rest);
	case BC_ROUTE_HEALTHZ:
		return queue(c, r, MHD_HTTP_OK, s->healthz, s->healthz_len);
	case BC_ROUTE_BUCKET:
		return handle_bucket(c, r, &p);
	case BC_ROUTE_VERIFIED:
		return immutable_reply(c, r, "verified", s->verified, s->verified_len);
	case BC_ROUTE_BUCKETS_BIN:
		return immutable_reply(c, r, "buckets.bin", s->buckets_bin, s->buckets_bin_len);
	case BC_ROUTE_INDEX_JSON:
		return immutable_reply(c, r, "index.json", s->index_json, s->index_json_len);
	case BC_ROUTE_VERIFY_START:
	case BC_ROUTE_VERIFY_EVALUATE:
		return error_reply(c, r, MHD_HTTP_NOT_IMPLEMENTED, "not_implemented",
				   "the verified tier (email verification) is not implemented by this server",
				   NULL, 0);
	case BC_ROUTE_EVALUATE:
		return handle_evaluate(c, r);
	default:
		return not_found(c, r);
	}
}

struct length_scan {
	int seen;
	unsigned long long first;
	int conflict;
};

static enum MHD_Result scan_length(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct length_scan *ls = cls;
	unsigned long long v;

	(void)kind;
	if (!key || !value || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		return MHD_YES;
	v = strtoull(value, NULL, 10);
	if (ls->seen && v != ls->first)
		ls->conflict = 1;
	ls->seen = 1;
	ls->first = v;
	return MHD_YES;
}

/* 1 if the request has Content-Length headers with different values, which
 * libmicrohttpd does not refuse (it uses the first): a proxy in front that
 * used another one would frame the stream differently (RFC 9110 §8.6). */
static int conflicting_lengths(struct MHD_Connection *c)
{
	struct length_scan ls = { 0, 0, 0 };

	if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH))
		return 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_length, &ls);
	return ls.conflict;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct request *r = *con_cls;
	struct route_params p;

	(void)cls;
	(void)version;
	if (!r)
		return MHD_NO;
	if (r->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->headers_seen) {
		r->headers_seen = 1;
		r->method = method_name(method);
		if (conflicting_lengths(c)) {
			/* answered at once: the connection is closed after it */
			r->route = route_of(url, &p);
			return error_reply(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
					   "the request has Content-Length headers with different values",
					   NULL, 0);
		}
		if (!strcmp(method, "POST") && route_of(url, &p) == BC_ROUTE_EVALUATE) {
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_CONTENT_LENGTH);

			if (cl && strtoull(cl, NULL, 10) > BC_SERVER_MAX_BODY) {
				r->too_large = 1;
				return dispatch(c, r, url, method);
			}
			r->body = malloc(BC_SERVER_MAX_BODY);
			if (!r->body)
				return MHD_NO;
		}
		/* libmicrohttpd 0.9.75 closes the connection after a response
		 * queued in this first call: answer in the next one (keep-alive) */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->body || r->body_len + *upload_data_size > BC_SERVER_MAX_BODY)
			r->too_large = 1;
		else
			memcpy(r->body + r->body_len, upload_data, *upload_data_size);
		if (!r->too_large)
			r->body_len += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(c, r, url, method);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct bc_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	struct request *r;

	(void)uri;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->conn = ci ? ci->socket_context : NULL;
	r->srv = srv;
	r->route = BC_ROUTE_UNKNOWN;
	r->method = "other";
	r->t0 = bc_ratelimit_now();
	r->snap = snapshot_get(srv);
	atomic_fetch_add(&srv->active, 1);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct bc_server *srv = cls;
	struct request *r = *con_cls;
	double dt;

	(void)c;
	if (!r)
		return;
	*con_cls = NULL;
	dt = bc_ratelimit_now() - r->t0;
	if (!r->answered)
		r->status = 0;
	bc_metrics_request(&srv->metrics, r->route, r->status, dt, r->bytes);
	/* answered, but the connection ended before the response was sent */
	log_request(srv, r, r->method, dt,
		    r->answered && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->conn) {
		atomic_store(&r->conn->since, bc_ratelimit_now());
		atomic_store(&r->conn->responding, 0);
	}
	snapshot_put(r->snap);
	atomic_fetch_sub(&srv->active, 1);
	free(r->body);
	free(r);
}

/* ---- the request deadline ---- */

/*
 * libmicrohttpd 0.9.75 only has an idle timeout: a client sending one header
 * or body byte within each timeout holds its connection for ever. Every API
 * connection is listed here; the reaper shuts down (the socket, so that
 * libmicrohttpd closes the connection in its own thread) any connection
 * whose current request has not been received in full within the timeout of
 * the connection's opening or of the end of its previous response.
 * A connection leaves the list in the CLOSED notification, which
 * libmicrohttpd makes before it closes the descriptor, under conns_lock:
 * the reaper never shuts down a descriptor that was reused.
 */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct bc_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *k;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = calloc(1, sizeof(*k));
		if (!k || !ci) {
			free(k);
			*socket_context = NULL;
			return;
		}
		k->fd = ci->connect_fd;
		atomic_init(&k->responding, 0);
		atomic_init(&k->since, bc_ratelimit_now());
		pthread_mutex_lock(&srv->conns_lock);
		k->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = k;
		srv->conns = k;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = k;
		return;
	}
	k = *socket_context;
	if (!k)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	if (k->prev)
		k->prev->next = k->next;
	else
		srv->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&srv->conns_lock);
	*socket_context = NULL;
	free(k);
}

static void *reaper_main(void *arg)
{
	struct bc_server *srv = arg;
	struct timespec ts;
	struct conn *k;
	double now;

	pthread_mutex_lock(&srv->conns_lock);
	while (!srv->reaper_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&srv->reaper_cond, &srv->conns_lock, &ts);
		now = bc_ratelimit_now();
		for (k = srv->conns; k; k = k->next) {
			if (k->cut || atomic_load(&k->responding) ||
			    now - atomic_load(&k->since) <= (double)srv->opt.timeout)
				continue;
			shutdown(k->fd, SHUT_RDWR);
			k->cut = 1;
			atomic_fetch_add_explicit(&srv->metrics.deadline_closed, 1, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&srv->conns_lock);
	return NULL;
}

static int reaper_start(struct bc_server *srv)
{
	pthread_condattr_t attr;
	int ret = -1;

	if (pthread_condattr_init(&attr))
		return -1;
	if (!pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) &&
	    !pthread_cond_init(&srv->reaper_cond, &attr)) {
		if (!pthread_create(&srv->reaper, NULL, reaper_main, srv)) {
			srv->reaper_running = 1;
			ret = 0;
		} else {
			pthread_cond_destroy(&srv->reaper_cond);
		}
	}
	pthread_condattr_destroy(&attr);
	return ret;
}

static void reaper_stop(struct bc_server *srv)
{
	if (!srv->reaper_running)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	srv->reaper_stop = 1;
	pthread_cond_signal(&srv->reaper_cond);
	pthread_mutex_unlock(&srv->conns_lock);
	pthread_join(srv->reaper, NULL);
	pthread_cond_destroy(&srv->reaper_cond);
	srv->reaper_running = 0;
}

/* ---- the metrics listener ---- */

static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct bc_server *srv = cls;
	struct request *r = *con_cls;
	struct MHD_Response *resp;
	struct snapshot *s;
	enum MHD_Result ret;
	char *text;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	if (!r)
		return MHD_NO;
	if (r->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->headers_seen) {
		r->headers_seen = 1; /* answer in the next call: keep-alive (see on_request) */
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* no route here takes a body: read it, answer once it is all in */
		*upload_data_size = 0;
		return MHD_YES;
	}
	r->method = method_name(method);
	r->route = BC_ROUTE_METRICS;
	if (strcmp(url, "/metrics")) {
		r->route = BC_ROUTE_UNKNOWN;
		return not_found(c, r);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return error_reply(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				   "this resource allows GET and HEAD only", "GET, HEAD", 0);
	s = snapshot_get(srv);
	text = bc_metrics_render(&srv->metrics, s ? s->id : NULL, &len);
	snapshot_put(s);
	if (!text)
		return error_reply(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory",
				   NULL, 0);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = queue(c, r, MHD_HTTP_OK, resp, len);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- lifecycle ---- */

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen, int *v6,
			const char *field, struct bc_error *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	unsigned long port;
	size_t hlen;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			goto bad;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] < '0' || colon[1] > '9')
		goto bad;
	if (*s != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			goto bad;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*in);
		*v6 = 0;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			goto bad;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		*v6 = 1;
	}
	return 0;
bad:
	return bc_error_set_field(err, "bad_field", field,
				  "%s: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080", field);
}

/* The origin (scheme://host[:port]) of an absolute http(s) URL, or NULL. */
static char *url_origin(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end;
	char *o;

	if (!p || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
		return NULL;
	end = p + 3;
	while (*end && *end != '/' && *end != '?' && *end != '#')
		end++;
	if (end == p + 3)
		return NULL;
	o = malloc((size_t)(end - url) + 1);
	if (!o)
		return NULL;
	memcpy(o, url, (size_t)(end - url));
	o[end - url] = '\0';
	return o;
}

static struct MHD_Daemon *start_daemon(struct bc_server *srv, const char *listen, int metrics,
				       unsigned *port, const char *field, struct bc_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO;
	unsigned threads = metrics ? 1 : srv->opt.threads;
	int per_ip = metrics ? 0 : srv->opt.max_connections_per_ip;
	int v6;

	if (parse_listen(listen, &ss, &sslen, &v6, field, err) < 0)
		return NULL;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (per_ip < 0)
		per_ip = srv->opt.n_trusted_proxies ? 0 : BC_SERVER_DEFAULT_MAX_PER_IP;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 1;
	}
	d = MHD_start_daemon(flags, 0, NULL, NULL,
			     metrics ? on_metrics : on_request, srv,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_TIMEOUT, srv->opt.timeout,
			     MHD_OPTION_CONNECTION_LIMIT, srv->opt.max_connections,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_ip,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
			     /* the request deadline is for the API listener only */
			     metrics ? MHD_OPTION_END : MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
			     MHD_OPTION_END);
	if (!d) {
		bc_error_set_field(err, "listen", field,
				   "%s: cannot listen on this address (in use, or not local?)", field);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	return d;
}

int bc_server_start(const struct bc_server_options *opt, struct bc_server **out,
		    struct bc_error *err)
{
	struct bc_server *srv = NULL;
	char *origin = NULL;
	size_t csp_len;
	int ret = -1;

	*out = NULL;
	if (!opt->index_dir || !opt->key) {
		bc_error_set_field(err, "bad_field", "--index", "--index and --key are required");
		goto out;
	}
	if (opt->max_batch < 1 || opt->max_batch > OPRF_MAX_BATCH) {
		bc_error_set_field(err, "bad_field", "--max-batch", "--max-batch must be 1..%d",
				   OPRF_MAX_BATCH);
		goto out;
	}
	if (opt->rate_per_client && opt->rate_per_client < opt->max_batch) {
		bc_error_set_field(err, "bad_field", "--rate-per-client",
				   "--rate-per-client must be at least --max-batch (or 0 for no limit)");
		goto out;
	}
	if (opt->rate_global && opt->rate_global < opt->max_batch) {
		bc_error_set_field(err, "bad_field", "--rate-global",
				   "--rate-global must be at least --max-batch (or 0 for no limit)");
		goto out;
	}
	if (opt->n_trusted_proxies > BC_MAX_TRUSTED_PROXIES) {
		bc_error_set_field(err, "bad_field", "--trusted-proxy", "at most %d --trusted-proxy",
				   BC_MAX_TRUSTED_PROXIES);
		goto out;
	}
	if (opt->buckets_url && *opt->buckets_url && !(origin = url_origin(opt->buckets_url))) {
		bc_error_set_field(err, "bad_field", "--buckets-url",
				   "--buckets-url must be an absolute http:// or https:// URL");
		goto out;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		bc_error_set(err, "internal", "out of memory");
		goto out;
	}
	srv->opt = *opt;
	if (!srv->opt.timeout)
		srv->opt.timeout = BC_SERVER_DEFAULT_TIMEOUT;
	srv->web_fd = -1;
	pthread_mutex_init(&srv->cur_lock, NULL);
	pthread_mutex_init(&srv->conns_lock, NULL);
	atomic_init(&srv->active, 0);
	bc_metrics_init(&srv->metrics);
	if (opt->n_trusted_proxies)
		memcpy(srv->trusted, opt->trusted_proxies, opt->n_trusted_proxies * sizeof(srv->trusted[0]));
	srv->opt.trusted_proxies = srv->trusted;
	srv->index_dir = strdup(opt->index_dir);
	srv->buckets_url = strdup(opt->buckets_url ? opt->buckets_url : "");
	if (srv->buckets_url) {
		size_t n = strlen(srv->buckets_url);

		while (n && srv->buckets_url[n - 1] == '/')
			srv->buckets_url[--n] = '\0';
	}
	csp_len = 256 + (origin ? strlen(origin) : 0);
	srv->csp = malloc(csp_len);
	if (!srv->index_dir || !srv->buckets_url || !srv->csp) {
		bc_error_set(err, "internal", "out of memory");
		goto out;
	}
	snprintf(srv->csp, csp_len,
		 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		 "connect-src 'self'%s%s; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
		 origin ? " " : "", origin ? origin : "");
	if (bc_ratelimit_init(&srv->rl, opt->rate_per_client, opt->rate_global,
			      BC_SERVER_RL_SLOTS) < 0) {
		bc_error_set(err, "internal", "out of memory");
		goto out;
	}
	if (opt->web_dir && *opt->web_dir) {
		srv->web_fd = open(opt->web_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (srv->web_fd < 0) {
			bc_error_set_field(err, "io", "--web", "--web: cannot open the page directory: %s",
					   strerror(errno));
			goto out;
		}
	}
	if (snapshot_open(srv, &srv->cur, err) < 0)
		goto out;
	if (reaper_start(srv) < 0) {
		bc_error_set(err, "internal", "cannot start the request deadline thread");
		goto out;
	}
	srv->api = start_daemon(srv, opt->listen, 0, &srv->port, "--listen", err);
	if (!srv->api)
		goto out;
	if (opt->metrics_listen && *opt->metrics_listen) {
		srv->metrics_daemon = start_daemon(srv, opt->metrics_listen, 1, &srv->metrics_port,
						   "--metrics-listen", err);
		if (!srv->metrics_daemon)
			goto out;
	}
	*out = srv;
	srv = NULL;
	ret = 0;
out:
	free(origin);
	bc_server_stop(srv, 0);
	return ret;
}

int bc_server_reload(struct bc_server *srv, struct bc_error *err)
{
	struct snapshot *s, *old;

	if (snapshot_open(srv, &s, err) < 0) {
		atomic_fetch_add(&srv->metrics.reload_failures, 1);
		return -1;
	}
	pthread_mutex_lock(&srv->cur_lock);
	old = srv->cur;
	srv->cur = s;
	pthread_mutex_unlock(&srv->cur_lock);
	snapshot_put(old);
	atomic_fetch_add(&srv->metrics.reloads, 1);
	return 0;
}

void bc_server_index_id(struct bc_server *srv, char out[33])
{
	struct snapshot *s = snapshot_get(srv);

	memcpy(out, s ? s->id : "", s ? sizeof(s->id) : 1);
	snapshot_put(s);
}

unsigned bc_server_port(const struct bc_server *srv)
{
	return srv->port;
}

unsigned bc_server_metrics_port(const struct bc_server *srv)
{
	return srv->metrics_port;
}

void bc_server_stop(struct bc_server *srv, unsigned drain_seconds)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned waited = 0;
	MHD_socket fd;

	if (!srv)
		return;
	if (srv->api) {
		fd = MHD_quiesce_daemon(srv->api);
		/* refuse new connections now rather than let them wait in the
		 * backlog; the descriptor itself is closed after the stop */
		if (fd != MHD_INVALID_SOCKET)
			shutdown(fd, SHUT_RDWR);
		while (atomic_load(&srv->active) > 0 && waited < drain_seconds * 50) {
			nanosleep(&tick, NULL);
			waited++;
		}
		reaper_stop(srv);
		MHD_stop_daemon(srv->api);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	reaper_stop(srv);
	if (srv->metrics_daemon)
		MHD_stop_daemon(srv->metrics_daemon);
	snapshot_put(srv->cur);
	if (srv->web_fd >= 0)
		close(srv->web_fd);
	bc_ratelimit_release(&srv->rl);
	pthread_mutex_destroy(&srv->cur_lock);
	pthread_mutex_destroy(&srv->conns_lock);
	free(srv->index_dir);
	free(srv->buckets_url);
	free(srv->csp);
	free(srv);
}
