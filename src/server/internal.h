#ifndef BC_SERVER_INTERNAL_H
#define BC_SERVER_INTERNAL_H

/*
 * Shared between the files of src/server; not a public API.
 *
 * The files, by job:
 *   server.c     lifecycle: options, listeners, request intake, stop
 *   routes.c     the routing table (one line per route) and dispatch
 *   reply.c      responses: headers, JSON errors, 304s
 *   snapshot.c   the index being served and its prebuilt responses, reload
 *   index_routes.c  the routes answered from the snapshot (config, buckets...)
 *   evaluate.c   POST /v1/evaluate (the VOPRF evaluator)
 *   web.c        the page's static files
 *   deadline.c   the request deadline (connections that send too slowly)
 *   log.c        the JSON-lines access and event log
 *   clientaddr.c, ratelimit.c, limiter.c, metrics.c: what their names say
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "index/index.h"
#include "server/limiter.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/server.h"

#define BC_SERVER_IMMUTABLE "public, max-age=31536000, immutable"
#define BC_SERVER_JSON_TYPE "application/json"
#define BC_SERVER_OCTETS_TYPE "application/octet-stream"

/* One opened index version with its ready-made responses, shared by the
 * requests that started while it was current (reference counted). */
struct bc_server_snapshot {
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

/* One API connection, for the request deadline (see deadline.c). */
struct bc_server_conn {
	struct bc_server_conn *prev, *next;
	int fd;
	int cut;               /* shut down by the reaper already */
	atomic_int responding; /* a response is queued: the response deadline applies */
	_Atomic double since;  /* when the current request started to be awaited */
	_Atomic double respond_by; /* when the response being sent must be out (0 = none) */
};

struct bc_server {
	struct bc_server_options opt;
	char *index_dir;
	char *buckets_url;
	char *csp;
	struct bc_server_cidr trusted[BC_SERVER_MAX_TRUSTED_PROXIES];
	int web_fd;
	struct MHD_Daemon *api, *metrics_daemon;
	unsigned port, metrics_port;
	pthread_mutex_t cur_lock;
	struct bc_server_snapshot *cur;
	struct bc_server_limiter *limiter;
	struct bc_server_verify *verify;  /* NULL when email verification is not set up */
	struct bc_server_metrics metrics;
	atomic_uint active;
	pthread_mutex_t conns_lock;
	struct bc_server_conn *conns;
	pthread_cond_t reaper_cond;
	pthread_t reaper;
	int reaper_running, reaper_stop;
};

/* One request, from its request line to its completion. */
struct bc_server_request {
	struct bc_server *srv;
	struct bc_server_snapshot *snap; /* a reference, NULL if no index is loaded */
	struct bc_server_conn *conn;     /* NULL on the metrics listener */
	unsigned route;                  /* a route id (see routes.c) */
	double t0;
	unsigned status;
	uint64_t bytes;
	const char *method; /* a known method name, or "other" */
	int answered;
	int headers_seen;
	int too_large;
	size_t body_len;
	char *body; /* BC_SERVER_MAX_BODY bytes, allocated for POST routes only */
};

/* ---- routes.c ---- */

/* What a route template's {parameters} matched in the URL. */
struct bc_server_params {
	const char *index_id; /* into the URL, index_id_len bytes ({index_id}), or NULL */
	size_t index_id_len;
	const char *rest;     /* the last other parameter ({bucket}, {name}), NUL-terminated */
};

typedef enum MHD_Result bc_server_handler(struct MHD_Connection *c, struct bc_server_request *r,
					  const struct bc_server_params *p);

#define BC_SERVER_GET 1  /* GET and HEAD */
#define BC_SERVER_POST 2 /* POST with a body of at most BC_SERVER_MAX_BODY bytes */

/* One line of the routing table. */
struct bc_server_route {
	const char *template; /* "/v1/buckets/{index_id}/{bucket}": the path and the metrics label */
	unsigned method;      /* BC_SERVER_GET or BC_SERVER_POST */
	bc_server_handler *handle;
	int files;            /* 1: an immutable index file (not served by --evaluator-only) */
};

/* The route id of a request path, with its parameters into p (p->rest
 * points into url). A path under /v1/ that no route matches is UNKNOWN;
 * any other is PAGE. */
unsigned bc_server_route_of(const char *url, struct bc_server_params *p);

/* 1 if route id takes a request body (a BC_SERVER_POST route). */
int bc_server_route_has_body(unsigned route);

/* Answer a request whose headers and body are in. */
enum MHD_Result bc_server_dispatch(struct MHD_Connection *c, struct bc_server_request *r,
				   const char *url, const char *method);

/* ---- reply.c ---- */

/* The security headers every response carries (CSP, nosniff, no-referrer). */
void bc_server_common_headers(struct bc_server *srv, struct MHD_Response *resp);

/* A response over len bytes of buf that outlive it (the index mapping),
 * with Content-Type type and Cache-Control cache; an ETag (and CORS for
 * everyone) when etag is not NULL. NULL if memory runs out. */
struct MHD_Response *bc_server_persistent(struct bc_server *srv, const void *buf, size_t len,
					  const char *type, const char *cache, const char *etag);

/* The same over a copy of text (len bytes). */
struct MHD_Response *bc_server_copied(struct bc_server *srv, const char *text, size_t len,
				      const char *type, const char *cache);

/* A response whose body is v serialised (compact JSON), *len its size. */
struct MHD_Response *bc_server_json_response(struct bc_server *srv, const json_t *v,
					     const char *cache, size_t *len);

/* Queue resp (not consumed) with status; bytes is the body size for the
 * log and the metrics. */
enum MHD_Result bc_server_queue(struct MHD_Connection *c, struct bc_server_request *r,
				unsigned status, struct MHD_Response *resp, uint64_t bytes);

/* A JSON error {"error":{"code","message"}}, with an Allow header (allow
 * not NULL) and Retry-After (retry_after > 0). message never holds an
 * identifier. */
enum MHD_Result bc_server_error(struct MHD_Connection *c, struct bc_server_request *r,
				unsigned status, const char *code, const char *message,
				const char *allow, unsigned retry_after);

enum MHD_Result bc_server_not_found(struct MHD_Connection *c, struct bc_server_request *r);

/* The ETag "\"<index_id>-<what>\"" of a file of snapshot s into buf. */
void bc_server_etag(const struct bc_server_snapshot *s, const char *what, char *buf, size_t size);

/* An immutable file of the snapshot: 304 when the client's If-None-Match
 * holds its ETag, else resp (len bytes). */
enum MHD_Result bc_server_immutable(struct MHD_Connection *c, struct bc_server_request *r,
				    const char *what, struct MHD_Response *resp, size_t len);

/* ---- snapshot.c ---- */

/* Open, verify and prepare the index at srv->index_dir; *out has one
 * reference. Returns 0, or -1 with err filled. */
int bc_server_snapshot_open(struct bc_server *srv, struct bc_server_snapshot **out,
			    struct bc_error *err) BC_MUST_CHECK;

/* A new reference to the current snapshot (NULL if none); drop with put. */
struct bc_server_snapshot *bc_server_snapshot_get(struct bc_server *srv);
void bc_server_snapshot_put(struct bc_server_snapshot *s);

/* The response of bucket i (made now; the caller destroys it). */
struct MHD_Response *bc_server_bucket_response(struct bc_server *srv,
					       struct bc_server_snapshot *s, uint32_t i);

/* ---- the handlers, one file per route or family of routes ---- */

bc_server_handler bc_server_handle_config, bc_server_handle_breaches, bc_server_handle_breach,
	bc_server_handle_healthz, bc_server_handle_bucket, bc_server_handle_verified,
	bc_server_handle_buckets_bin, bc_server_handle_index_json; /* index_routes.c */
bc_server_handler bc_server_handle_evaluate;                       /* evaluate.c */
bc_server_handler bc_server_handle_verify_start, bc_server_handle_verify_evaluate; /* verify.c */

/* ---- verify.c ---- */

/* Set up email verification from srv->opt (nothing when verify_mail is
 * NULL). Returns 0, or -1 with err ("bad_mail_config", "internal"). */
int bc_server_verify_new(struct bc_server *srv, struct bc_error *err);
void bc_server_verify_free(struct bc_server *srv);

/* ---- evaluate.c (shared with verify.c) ---- */

/* The client's 16-byte address for the rate limits (all zero if unknown):
 * the peer, or the proxy header's entry when the peer is a trusted proxy. */
void bc_server_client_address(struct MHD_Connection *c, struct bc_server *srv, uint8_t addr[16]);

/* 1 if the request's Content-Type is application/json. */
int bc_server_is_json_request(struct MHD_Connection *c);

/* ---- web.c ---- */

/*
 * The page's static files under the directory dirfd: url is the request path
 * ("/" -> index.html, "/a/" -> a/index.html). Only names made of
 * [A-Za-z0-9._-] not starting with '.' are served, with an extension of the
 * page (.html .js .css .svg .png .ico .woff2), regular and world-readable
 * (S_IROTH), with no symlink at any level under dirfd. Returns a response
 * (caller destroys) with Content-Type and Cache-Control set and *bytes the
 * body size, or NULL if there is no such file (or on a refused path).
 */
struct MHD_Response *bc_server_web_response(int dirfd, const char *url, uint64_t *bytes);

/*
 * Refuse a page directory (web_dir) that is, contains, or is inside the
 * directory of the key file key_path, its state KEYFILE.state, or the index
 * index_dir (its target), or that contains the directory holding the index
 * symlink and its versions (issue #14 item 1). Paths are compared after
 * realpath. key_path and index_dir may be NULL. Returns 0, or -1 with err
 * ("bad_field" on --web, or "io" if web_dir cannot be resolved).
 */
int bc_server_web_check(const char *web_dir, const char *key_path, const char *index_dir,
			struct bc_error *err);

/* The PAGE route: a file of --web (GET, HEAD), else 404. */
enum MHD_Result bc_server_handle_page(struct MHD_Connection *c, struct bc_server_request *r,
				      const char *url, const char *method);

/* ---- deadline.c ---- */

/* MHD_OPTION_NOTIFY_CONNECTION callback: lists API connections for the reaper. */
void bc_server_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe);
int bc_server_reaper_start(struct bc_server *srv);

/* The time (monotonic seconds) by which a response of bytes queued now
 * must be sent: --timeout plus bytes at --min-send-rate; 0 = no deadline. */
double bc_server_respond_by(const struct bc_server *srv, uint64_t bytes);
void bc_server_reaper_stop(struct bc_server *srv);

/* ---- log.c ---- */

/* "GET", "POST"... for a known method, else "other" (never the raw text). */
const char *bc_server_method_name(const char *m);

/* One access-log line for a finished request (seconds: its duration;
 * aborted: answered, but the connection ended before the response was sent). */
void bc_server_log_request(struct bc_server *srv, const struct bc_server_request *r,
			   double seconds, int aborted);

#endif
