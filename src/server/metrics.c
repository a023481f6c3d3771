#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/metrics.h"

static const unsigned statuses[BC_SERVER_METRICS_N_STATUS - 1] = {
	200, 204, 304, 400, 404, 405, 413, 429, 500, 501, 503
};

static const double bounds[BC_SERVER_METRICS_N_LATENCY - 1] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0
};

void bc_server_metrics_init(struct bc_server_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void bc_server_metrics_request(struct bc_server_metrics *m, unsigned route, unsigned status,
			double seconds, uint64_t bytes)
{
	size_t s, b;

	if (route >= BC_SERVER_ROUTES_MAX)
		route = BC_SERVER_ROUTE_UNKNOWN;
	for (s = 0; s < BC_SERVER_METRICS_N_STATUS - 1; s++)
		if (statuses[s] == status)
			break;
	for (b = 0; b < BC_SERVER_METRICS_N_LATENCY - 1; b++)
		if (seconds <= bounds[b])
			break;
	atomic_fetch_add_explicit(&m->requests[route][s], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency[route][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us[route], (uint64_t)(seconds * 1e6),
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&m->bytes[route], bytes, memory_order_relaxed);
}

struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t cap = o->cap * 2 + (size_t)n;
			char *p = realloc(o->buf, cap);

			if (!p) {
				o->failed = 1;
				return;
			}
			o->buf = p;
			o->cap = cap;
		}
	}
}

/* The k-th route id in output order: the routing table's, then the three
 * fixed ones; k < bc_server_route_count() + 3. */
static unsigned route_at(size_t k)
{
	size_t n = bc_server_route_count();

	return k < n ? (unsigned)k : (unsigned)(BC_SERVER_ROUTE_METRICS + (k - n));
}

static uint64_t get(atomic_uint_fast64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

/* The request counters of route r by status. */
static void put_requests(struct out *o, struct bc_server_metrics *m, unsigned r)
{
	const char *t = bc_server_route_template(r);
	size_t s;

	for (s = 0; s < BC_SERVER_METRICS_N_STATUS; s++) {
		uint64_t v = get(&m->requests[r][s]);
		char code[8];

		if (!v)
			continue;
		if (s < BC_SERVER_METRICS_N_STATUS - 1)
			snprintf(code, sizeof(code), "%u", statuses[s]);
		else
			snprintf(code, sizeof(code), "other");
		put(o, "breachcheck_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", t, code,
		    (unsigned long long)v);
	}
}

/* The latency histogram of route r, if it had a request. */
static void put_latency(struct out *o, struct bc_server_metrics *m, unsigned r)
{
	const char *t = bc_server_route_template(r);
	uint64_t cum = 0;
	size_t b;

	for (b = 0; b < BC_SERVER_METRICS_N_LATENCY; b++)
		cum += get(&m->latency[r][b]);
	if (!cum)
		return;
	cum = 0;
	for (b = 0; b < BC_SERVER_METRICS_N_LATENCY; b++) {
		cum += get(&m->latency[r][b]);
		if (b < BC_SERVER_METRICS_N_LATENCY - 1)
			put(o, "breachcheck_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    t, bounds[b], (unsigned long long)cum);
		else
			put(o, "breachcheck_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			    t, (unsigned long long)cum);
	}
	put(o, "breachcheck_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
	       "breachcheck_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
	    t, get(&m->latency_sum_us[r]) / 1e6, t, (unsigned long long)cum);
}

char *bc_server_metrics_render(struct bc_server_metrics *m, const char *index_id, size_t *len)
{
	struct out o = { malloc(8192), 0, 8192, 0 };
	size_t k, n_routes = bc_server_route_count() + 3;

	if (!o.buf)
		return NULL;
	put(&o, "# HELP breachcheck_http_requests_total HTTP requests by route template and status.\n"
		"# TYPE breachcheck_http_requests_total counter\n");
	for (k = 0; k < n_routes; k++)
		put_requests(&o, m, route_at(k));
	put(&o, "# HELP breachcheck_http_request_duration_seconds Time from the request line to the end of the response.\n"
		"# TYPE breachcheck_http_request_duration_seconds histogram\n");
	for (k = 0; k < n_routes; k++)
		put_latency(&o, m, route_at(k));
	put(&o, "# HELP breachcheck_http_response_bytes_total Response body bytes by route template.\n"
		"# TYPE breachcheck_http_response_bytes_total counter\n");
	for (k = 0; k < n_routes; k++) {
		unsigned r = route_at(k);

		if (get(&m->bytes[r]))
			put(&o, "breachcheck_http_response_bytes_total{route=\"%s\"} %llu\n",
			    bc_server_route_template(r), (unsigned long long)get(&m->bytes[r]));
	}
	put(&o, "# HELP breachcheck_evaluated_elements_total Blinded elements evaluated (VOPRF).\n"
		"# TYPE breachcheck_evaluated_elements_total counter\n"
		"breachcheck_evaluated_elements_total %llu\n"
		"# HELP breachcheck_rate_limited_requests_total Evaluate requests refused with 429.\n"
		"# TYPE breachcheck_rate_limited_requests_total counter\n"
		"breachcheck_rate_limited_requests_total %llu\n"
		"# HELP breachcheck_rate_limited_elements_total Blinded elements in requests refused with 429.\n"
		"# TYPE breachcheck_rate_limited_elements_total counter\n"
		"breachcheck_rate_limited_elements_total %llu\n"
		"# HELP breachcheck_index_reloads_total Successful index reloads (SIGHUP).\n"
		"# TYPE breachcheck_index_reloads_total counter\n"
		"breachcheck_index_reloads_total %llu\n"
		"# HELP breachcheck_index_reload_failures_total Failed index reloads (the old index stays).\n"
		"# TYPE breachcheck_index_reload_failures_total counter\n"
		"breachcheck_index_reload_failures_total %llu\n"
		"# HELP breachcheck_request_deadline_closed_total Connections closed because a request was not received in full within --timeout.\n"
		"# TYPE breachcheck_request_deadline_closed_total counter\n"
		"breachcheck_request_deadline_closed_total %llu\n"
		"# HELP breachcheck_response_deadline_closed_total Connections closed because a response was not sent within --timeout plus its size at --min-send-rate.\n"
		"# TYPE breachcheck_response_deadline_closed_total counter\n"
		"breachcheck_response_deadline_closed_total %llu\n"
		"# HELP breachcheck_forwarded_unparsable_total Entries of X-Forwarded-For or Forwarded from a trusted proxy that are not an address (the walk stopped there).\n"
		"# TYPE breachcheck_forwarded_unparsable_total counter\n"
		"breachcheck_forwarded_unparsable_total %llu\n"
		"# HELP breachcheck_verify_codes_sent_total One-time codes of email verification handed to the SMTP server or written to the Maildir.\n"
		"# TYPE breachcheck_verify_codes_sent_total counter\n"
		"breachcheck_verify_codes_sent_total %llu\n"
		"# HELP breachcheck_verify_mail_failures_total One-time codes that could not be mailed (502 mail_failed): the mail server refused or did not answer.\n"
		"# TYPE breachcheck_verify_mail_failures_total counter\n"
		"breachcheck_verify_mail_failures_total %llu\n",
	    (unsigned long long)get(&m->evaluated_elements),
	    (unsigned long long)get(&m->rate_limited_requests),
	    (unsigned long long)get(&m->rate_limited_elements),
	    (unsigned long long)get(&m->reloads),
	    (unsigned long long)get(&m->reload_failures),
	    (unsigned long long)get(&m->deadline_closed),
	    (unsigned long long)get(&m->response_deadline_closed),
	    (unsigned long long)get(&m->forwarded_unparsable),
	    (unsigned long long)get(&m->verify_codes_sent),
	    (unsigned long long)get(&m->verify_mail_failures));
	if (m->redis.enabled)
		put(&o, "# HELP breachcheck_redis_errors_total Failed connections, commands or replies of the shared store (--redis).\n"
			"# TYPE breachcheck_redis_errors_total counter\n"
			"breachcheck_redis_errors_total %llu\n"
			"# HELP breachcheck_redis_unavailable_total Evaluate requests refused with 503 because the shared store did not answer (fail closed).\n"
			"# TYPE breachcheck_redis_unavailable_total counter\n"
			"breachcheck_redis_unavailable_total %llu\n"
			"# HELP breachcheck_redis_connects_total Successful connections to the shared store (the first, then reconnections).\n"
			"# TYPE breachcheck_redis_connects_total counter\n"
			"breachcheck_redis_connects_total %llu\n",
		    (unsigned long long)get(&m->redis.errors),
		    (unsigned long long)get(&m->redis.unavailable),
		    (unsigned long long)get(&m->redis.connects));
	if (index_id)
		put(&o, "# HELP breachcheck_index_info The index being served.\n"
			"# TYPE breachcheck_index_info gauge\n"
			"breachcheck_index_info{index_id=\"%s\"} 1\n", index_id);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.buf;
}
