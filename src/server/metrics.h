#ifndef BC_SERVER_METRICS_H
#define BC_SERVER_METRICS_H

/*
 * Prometheus counters of the service: requests by route template and status,
 * a latency histogram by route, evaluated elements, rate-limited requests.
 * Lock-free (relaxed atomics); never an identifier, an address or a bucket
 * number, only route templates.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "server/redis_limiter.h"
#include "server/routes.h"

#define BC_SERVER_METRICS_N_STATUS 12 /* 200 204 304 400 404 405 413 429 500 501 503 other */
#define BC_SERVER_METRICS_N_LATENCY 12 /* histogram upper bounds, the last is +Inf */

struct bc_server_metrics {
	atomic_uint_fast64_t requests[BC_SERVER_ROUTES_MAX][BC_SERVER_METRICS_N_STATUS];
	atomic_uint_fast64_t latency[BC_SERVER_ROUTES_MAX][BC_SERVER_METRICS_N_LATENCY];
	atomic_uint_fast64_t latency_sum_us[BC_SERVER_ROUTES_MAX];
	atomic_uint_fast64_t bytes[BC_SERVER_ROUTES_MAX];
	atomic_uint_fast64_t evaluated_elements;
	atomic_uint_fast64_t rate_limited_requests;
	atomic_uint_fast64_t rate_limited_elements;
	atomic_uint_fast64_t reloads;
	atomic_uint_fast64_t reload_failures;
	atomic_uint_fast64_t deadline_closed; /* connections cut by the request deadline */
	atomic_uint_fast64_t response_deadline_closed; /* cut by the response deadline */
	atomic_uint_fast64_t forwarded_unparsable; /* proxy-header entries that are no address */
	atomic_uint_fast64_t verify_codes_sent;    /* one-time codes handed to the mail server or Maildir */
	atomic_uint_fast64_t verify_mail_failures; /* codes that could not be mailed (502 mail_failed) */
	struct bc_server_redis_stats redis;        /* --redis: the shared store's counters */
};

/* Zero every counter. */
void bc_server_metrics_init(struct bc_server_metrics *m);

/* Count one finished request: status code, duration in seconds, body bytes. */
void bc_server_metrics_request(struct bc_server_metrics *m, unsigned route, unsigned status,
			       double seconds, uint64_t bytes);

/*
 * Render the Prometheus text exposition (format 0.0.4) into a malloc'd,
 * NUL-terminated string (caller frees); index_id (32 hex, may be NULL) is
 * exported as an info gauge. Returns NULL if memory runs out.
 */
char *bc_server_metrics_render(struct bc_server_metrics *m, const char *index_id, size_t *len);

#endif
