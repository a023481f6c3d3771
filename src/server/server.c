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
#include "server/redis_limiter.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/server.h"
#include "util/parallel.h"

void bc_server_options_init(struct bc_server_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->listen = BC_SERVER_DEFAULT_LISTEN;
	opt->metrics_listen = BC_SERVER_DEFAULT_METRICS_LISTEN;
	opt->rate_per_client = BC_SERVER_DEFAULT_RATE_PER_CLIENT;
	opt->rate_global = BC_SERVER_DEFAULT_RATE_GLOBAL;
	opt->max_batch = BC_SERVER_DEFAULT_MAX_BATCH;
	opt->timeout = BC_SERVER_DEFAULT_TIMEOUT;
	opt->min_send_rate = BC_SERVER_DEFAULT_MIN_SEND_RATE;
	opt->max_connections = BC_SERVER_DEFAULT_MAX_CONNECTIONS;
	opt->max_connections_per_ip = -1;
	opt->rate_per_56 = -1;
	opt->rate_per_48 = -1;
	opt->rate_per_24 = -1;
	opt->log_fd = 2;
	opt->verify_starts_per_client = BC_SERVER_DEFAULT_VERIFY_PER_CLIENT;
	opt->verify_starts_per_net = BC_SERVER_DEFAULT_VERIFY_PER_NET;
	opt->verify_starts_global = BC_SERVER_DEFAULT_VERIFY_GLOBAL;
}

/* What the header scan found: Content-Length values, Host lines. */
struct header_scan {
	int lengths;
	unsigned long long first_length;
	int length_conflict;
	int hosts;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct header_scan *hs = cls;
	unsigned long long v;

	(void)kind;
	if (!key || !value)
		return MHD_YES;
	if (!strcasecmp(key, MHD_HTTP_HEADER_HOST)) {
		hs->hosts++;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		v = strtoull(value, NULL, 10);
		if (hs->lengths && v != hs->first_length)
			hs->length_conflict = 1;
		hs->lengths++;
		hs->first_length = v;
	}
	return MHD_YES;
}

/*
 * Why the request's framing headers are refused with 400, or NULL:
 * Content-Length headers with different values, which libmicrohttpd does
 * not refuse (it uses the first), so a proxy in front that used another one
 * would frame the stream differently (RFC 9110 §8.6); an HTTP/1.1 request
 * without a Host header or with several (RFC 9112 §3.2).
 */
static const char *bad_framing(struct MHD_Connection *c, const char *version)
{
	struct header_scan hs = { 0, 0, 0, 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &hs);
	if (hs.length_conflict)
		return "the request has Content-Length headers with different values";
	if (hs.hosts > 1)
		return "the request has more than one Host header (RFC 9112 section 3.2)";
	if (hs.hosts == 0 && version && !strcmp(version, MHD_HTTP_VERSION_1_1))
		return "an HTTP/1.1 request must have a Host header (RFC 9112 section 3.2)";
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct bc_server_request *r = *con_cls;
	struct bc_server_params p;

	const char *bad;

	(void)cls;
	if (!r)
		return MHD_NO;
	if (r->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->headers_seen) {
		r->headers_seen = 1;
		r->method = bc_server_method_name(method);
		if ((bad = bad_framing(c, version))) {
			/* answered at once: the connection is closed after it */
			r->route = bc_server_route_of(url, &p);
			return bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request", bad, NULL, 0);
		}
		if (!strcmp(method, "POST") && bc_server_route_has_body(bc_server_route_of(url, &p))) {
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_CONTENT_LENGTH);

			if (cl && strtoull(cl, NULL, 10) > BC_SERVER_MAX_BODY) {
				r->too_large = 1;
				return bc_server_dispatch(c, r, url, method);
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
	return bc_server_dispatch(c, r, url, method);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct bc_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	struct bc_server_request *r;

	(void)uri;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->conn = ci ? ci->socket_context : NULL;
	r->srv = srv;
	r->route = BC_SERVER_ROUTE_UNKNOWN;
	r->method = "other";
	r->t0 = bc_server_ratelimit_now();
	r->snap = bc_server_snapshot_get(srv);
	atomic_fetch_add(&srv->active, 1);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct bc_server *srv = cls;
	struct bc_server_request *r = *con_cls;
	double dt;

	(void)c;
	if (!r)
		return;
	*con_cls = NULL;
	dt = bc_server_ratelimit_now() - r->t0;
	if (!r->answered)
		r->status = 0;
	bc_server_metrics_request(&srv->metrics, r->route, r->status, dt, r->bytes);
	/* answered, but the connection ended before the response was sent */
	bc_server_log_request(srv, r, dt, r->answered && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->conn) {
		atomic_store(&r->conn->since, bc_server_ratelimit_now());
		atomic_store(&r->conn->responding, 0);
	}
	bc_server_snapshot_put(r->snap);
	atomic_fetch_sub(&srv->active, 1);
	if (r->body) /* a verify/start body holds an email address */
		sodium_memzero(r->body, r->body_len);
	free(r->body);
	free(r);
}

/* ---- the metrics listener ---- */

static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct bc_server *srv = cls;
	struct bc_server_request *r = *con_cls;
	struct MHD_Response *resp;
	struct bc_server_snapshot *s;
	enum MHD_Result ret;
	const char *bad;
	char *text;
	size_t len = 0;

	(void)upload_data;
	if (!r)
		return MHD_NO;
	if (r->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->headers_seen) {
		r->headers_seen = 1; /* answer in the next call: keep-alive (see on_request) */
		r->method = bc_server_method_name(method);
		r->route = BC_SERVER_ROUTE_METRICS;
		if ((bad = bad_framing(c, version)))
			return bc_server_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request", bad, NULL, 0);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* no route here takes a body: read it, answer once it is all in */
		*upload_data_size = 0;
		return MHD_YES;
	}
	r->method = bc_server_method_name(method);
	r->route = BC_SERVER_ROUTE_METRICS;
	if (strcmp(url, "/metrics")) {
		r->route = BC_SERVER_ROUTE_UNKNOWN;
		return bc_server_not_found(c, r);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return bc_server_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				       "this resource allows GET and HEAD only", "GET, HEAD", 0);
	s = bc_server_snapshot_get(srv);
	text = bc_server_metrics_render(&srv->metrics, s ? s->id : NULL, &len);
	bc_server_snapshot_put(s);
	if (!text)
		return bc_server_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				       "out of memory", NULL, 0);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = bc_server_queue(c, r, MHD_HTTP_OK, resp, len);
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
	return bc_error_set_field(err, bc_err_bad_field, field,
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
	if (threads == 0)
		threads = (unsigned)bc_ncpu();
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
			     metrics ? MHD_OPTION_END : MHD_OPTION_NOTIFY_CONNECTION, bc_server_on_connection, srv,
			     MHD_OPTION_END);
	if (!d) {
		bc_error_set_field(err, bc_err_listen, field,
				   "%s %s: cannot listen there (the port is in use, or the address is "
				   "not one of this machine's): give another with %s ADDR:PORT%s",
				   field, listen, field, metrics ? ", or 'none'" : "");
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	return d;
}

/* A rate of flag (elements per minute, or per second for the global one)
 * is 0 (no limit) or at least max_batch, so that one request can pass. */
static int check_rate(unsigned long rate, unsigned max_batch, const char *flag,
		      struct bc_error *err)
{
	if (rate && rate < max_batch)
		return bc_error_set_field(err, bc_err_bad_field, flag,
					  "%s must be at least --max-batch (or 0 for no limit)", flag);
	return 0;
}

/* An aggregate limit: its value, or factor x the per-client one (-1). */
static unsigned aggregate(long value, unsigned factor, unsigned per_client)
{
	unsigned long v = value >= 0 ? (unsigned long)value : (unsigned long)factor * per_client;

	return v > 100000000UL ? 100000000U : (unsigned)v;
}

/* Check the options and derive the rate limits into *lim. */
static int check_options(const struct bc_server_options *opt, struct bc_server_rl_limits *lim,
			 struct bc_error *err)
{
	memset(lim, 0, sizeof(*lim));
	if (!opt->index_dir || !opt->key)
		return bc_error_set_field(err, bc_err_bad_field, "--index", "--index and --key are required");
	if (opt->max_batch < 1 || opt->max_batch > OPRF_MAX_BATCH)
		return bc_error_set_field(err, bc_err_bad_field, "--max-batch", "--max-batch must be 1..%d",
					  OPRF_MAX_BATCH);
	lim->per_min[BC_SERVER_RL_CLIENT] = opt->rate_per_client;
	lim->per_min[BC_SERVER_RL_NET56] = aggregate(opt->rate_per_56, BC_SERVER_DEFAULT_NET56_FACTOR,
						     opt->rate_per_client);
	lim->per_min[BC_SERVER_RL_NET48] = aggregate(opt->rate_per_48, BC_SERVER_DEFAULT_NET48_FACTOR,
						     opt->rate_per_client);
	lim->per_min[BC_SERVER_RL_NET24] = aggregate(opt->rate_per_24, BC_SERVER_DEFAULT_NET24_FACTOR,
						     opt->rate_per_client);
	lim->global_per_sec = opt->rate_global;
	if (check_rate(opt->rate_per_client, opt->max_batch, "--rate-per-client", err) < 0 ||
	    check_rate(opt->rate_global, opt->max_batch, "--rate-global", err) < 0 ||
	    check_rate(lim->per_min[BC_SERVER_RL_NET56], opt->max_batch, "--rate-per-56", err) < 0 ||
	    check_rate(lim->per_min[BC_SERVER_RL_NET48], opt->max_batch, "--rate-per-48", err) < 0 ||
	    check_rate(lim->per_min[BC_SERVER_RL_NET24], opt->max_batch, "--rate-per-24", err) < 0)
		return -1;
	if (opt->n_trusted_proxies > BC_SERVER_MAX_TRUSTED_PROXIES)
		return bc_error_set_field(err, bc_err_bad_field, "--trusted-proxy",
					  "at most %d --trusted-proxy", BC_SERVER_MAX_TRUSTED_PROXIES);
	return 0;
}

int bc_server_start(const struct bc_server_options *opt, struct bc_server **out,
		    struct bc_error *err)
{
	struct bc_server_rl_limits limits;
	struct bc_server *srv = NULL;
	char *origin = NULL;
	size_t csp_len;
	int ret = -1;

	*out = NULL;
	if (check_options(opt, &limits, err) < 0)
		goto out;
	if (opt->evaluator_only && !(opt->buckets_url && *opt->buckets_url)) {
		bc_error_set_field(err, bc_err_bad_field, "--evaluator-only",
				   "--evaluator-only needs --buckets-url: the buckets come from "
				   "another host (breachcheck export)");
		goto out;
	}
	if (opt->buckets_url && *opt->buckets_url && !(origin = url_origin(opt->buckets_url))) {
		bc_error_set_field(err, bc_err_bad_field, "--buckets-url",
				   "--buckets-url must be an absolute http:// or https:// URL");
		goto out;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		bc_error_set(err, bc_err_internal, "out of memory");
		goto out;
	}
	srv->opt = *opt;
	if (!srv->opt.timeout)
		srv->opt.timeout = BC_SERVER_DEFAULT_TIMEOUT;
	srv->web_fd = -1;
	pthread_mutex_init(&srv->cur_lock, NULL);
	pthread_mutex_init(&srv->conns_lock, NULL);
	atomic_init(&srv->active, 0);
	bc_server_metrics_init(&srv->metrics);
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
		bc_error_set(err, bc_err_internal, "out of memory");
		goto out;
	}
	snprintf(srv->csp, csp_len,
		 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		 "connect-src 'self'%s%s; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
		 origin ? " " : "", origin ? origin : "");
	if (opt->redis_url && *opt->redis_url) {
		srv->metrics.redis.enabled = 1;
		srv->limiter = bc_server_limiter_redis(opt->redis_url, &limits, opt->key->sk_s,
						       &srv->metrics.redis, err);
		if (!srv->limiter)
			goto out;
	} else {
		srv->limiter = bc_server_limiter_memory(&limits, BC_SERVER_RL_SLOTS);
		if (!srv->limiter) {
			bc_error_set(err, bc_err_internal, "out of memory");
			goto out;
		}
	}
	if (bc_server_verify_new(srv, err) < 0)
		goto out;
	if (opt->web_dir && *opt->web_dir && !opt->evaluator_only) {
		if (bc_server_web_check(opt->web_dir, opt->key_path, opt->index_dir, err) < 0)
			goto out;
		srv->web_fd = open(opt->web_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (srv->web_fd < 0) {
			bc_error_set_field(err, bc_err_io, "--web", "--web: cannot open the page directory: %s",
					   strerror(errno));
			goto out;
		}
	}
	if (bc_server_snapshot_open(srv, &srv->cur, err) < 0)
		goto out;
	if (bc_server_reaper_start(srv) < 0) {
		bc_error_set(err, bc_err_internal, "cannot start the request deadline thread");
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
		bc_server_reaper_stop(srv);
		MHD_stop_daemon(srv->api);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	bc_server_reaper_stop(srv);
	if (srv->metrics_daemon)
		MHD_stop_daemon(srv->metrics_daemon);
	bc_server_snapshot_put(srv->cur);
	if (srv->web_fd >= 0)
		close(srv->web_fd);
	if (srv->limiter)
		srv->limiter->free(srv->limiter);
	bc_server_verify_free(srv);
	pthread_mutex_destroy(&srv->cur_lock);
	pthread_mutex_destroy(&srv->conns_lock);
	free(srv->index_dir);
	free(srv->buckets_url);
	free(srv->csp);
	free(srv);
}
