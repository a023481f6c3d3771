#ifndef BC_SERVER_SERVER_H
#define BC_SERVER_SERVER_H

/*
 * `breachcheck serve`: the HTTP API of DESIGN.md §8 over libmicrohttpd
 * (docs/server.md, docs/openapi.yaml): the VOPRF evaluator, the immutable
 * bucket files served from the index mapping, the catalogue, the page,
 * and Prometheus metrics on a separate listener. The key stays in memory
 * and is never served; logs never hold an identifier, a request body, a
 * bucket number or a client address.
 */

#include <stddef.h>

#include "oprf/keyfile.h"
#include "server/clientaddr.h"
#include "util/error.h"

#define BC_SERVER_DEFAULT_LISTEN "127.0.0.1:8080"
#define BC_SERVER_DEFAULT_METRICS_LISTEN "127.0.0.1:9090"
#define BC_SERVER_DEFAULT_RATE_PER_CLIENT 60  /* elements per minute per client */
#define BC_SERVER_DEFAULT_RATE_GLOBAL 1000    /* elements per second, all clients */
#define BC_SERVER_DEFAULT_NET56_FACTOR 4      /* an IPv6 /56: 4 clients' limit */
#define BC_SERVER_DEFAULT_NET48_FACTOR 16     /* an IPv6 /48: 16 clients' limit */
#define BC_SERVER_DEFAULT_NET24_FACTOR 16     /* an IPv4 /24: 16 clients' limit */
#define BC_SERVER_DEFAULT_MAX_BATCH 16
#define BC_SERVER_DEFAULT_TIMEOUT 15          /* seconds a connection may idle */
#define BC_SERVER_DEFAULT_MIN_SEND_RATE 4096  /* bytes per second a response must reach */
#define BC_SERVER_DEFAULT_MAX_CONNECTIONS 4096
#define BC_SERVER_DEFAULT_MAX_PER_IP 64         /* without --trusted-proxy */
#define BC_SERVER_MAX_BODY 16384              /* bytes of a request body */
#define BC_SERVER_RL_SLOTS 65536              /* per-client rate-limit table entries */
#define BC_SERVER_DEFAULT_VERIFY_PER_CLIENT 5    /* verification starts per hour per client */
#define BC_SERVER_DEFAULT_VERIFY_PER_NET 80      /* per hour per IPv4 /24 or IPv6 /48 (16 clients) */
#define BC_SERVER_DEFAULT_VERIFY_GLOBAL 2000     /* per hour in total */

struct bc_mail_config;
struct bc_verify_store;

struct bc_server_options {
	const char *index_dir;        /* the index symlink DIR (re-resolved at reload) */
	const struct bc_key *key;     /* borrowed; must outlive the server */
	const char *key_path;         /* the key file's path, NULL if unknown: the page
				       * directory must keep apart from it and its state */
	const char *listen;           /* "ADDR:PORT" or "[V6ADDR]:PORT"; port 0 = any free port */
	const char *metrics_listen;   /* same syntax; NULL or "" = no metrics listener */
	const char *web_dir;          /* the page's files; NULL = no page */
	const char *buckets_url;      /* base URL of a bucket mirror; NULL or "" = this server */
	const struct bc_server_cidr *trusted_proxies; /* networks whose X-Forwarded-For is believed */
	size_t n_trusted_proxies;
	int proxy_forwarded;          /* 0: trusted proxies write X-Forwarded-For; 1: Forwarded
				       * (RFC 7239); the other header is ignored */
	unsigned rate_per_client;     /* blinded elements per minute per client, 0 = unlimited */
	unsigned rate_global;         /* blinded elements per second in total, 0 = unlimited */
	long rate_per_56;             /* elements per minute per IPv6 /56, 0 = unlimited,
				       * -1 = BC_SERVER_DEFAULT_NET56_FACTOR x rate_per_client */
	long rate_per_48;             /* the same per IPv6 /48 (default 16 x) */
	long rate_per_24;             /* the same per IPv4 /24 (default 16 x) */
	unsigned max_batch;           /* 1..OPRF_MAX_BATCH */
	unsigned threads;             /* 0 = one per online CPU */
	unsigned timeout;             /* idle connection timeout in seconds, and the request
				       * deadline (line, headers and body in full), 0 = default */
	unsigned min_send_rate;       /* bytes per second: a response of B bytes must be sent
				       * within timeout + B / min_send_rate seconds; 0 = only
				       * the idle timeout applies */
	unsigned max_connections;     /* 0 = default */
	int max_connections_per_ip;   /* 0 = no limit, -1 = default (64, or none with trusted proxies) */
	int log_fd;                   /* JSON-lines access log, -1 = none */
	const char *redis_url;        /* shared rate limits in Redis (redis://HOST[:PORT][/DB],
				       * unix:///PATH); NULL or "" = in memory (docs/deploy.md) */
	int evaluator_only;           /* 1: /v1/config, /v1/evaluate, /v1/verify/..., /v1/breaches,
				       * /healthz only: no bucket, index file or page route;
				       * needs buckets_url */
	/* Email verification (the /v1/verify routes, DESIGN.md §6, docs/verify.md) */
	const struct bc_mail_config *verify_mail; /* where codes go (SMTP or Maildir); NULL: the
				       * routes answer 501 */
	const char *service_name;     /* named in the code mail; NULL: "breachcheck" */
	struct bc_verify_store *verify_store; /* borrowed shared store; NULL: in memory */
	unsigned verify_starts_per_client; /* starts per hour per client (IPv4, IPv6 /64), 0 = unlimited */
	unsigned verify_starts_per_net;    /* per hour per IPv4 /24 and IPv6 /48, 0 = unlimited */
	unsigned verify_starts_global;     /* per hour in total, 0 = unlimited */
	unsigned verify_ttl;          /* seconds a code lives, 0 = BC_VERIFY_TTL (1200); tests shorten it */
};

struct bc_server;

/* Fill opt with the documented defaults (listen addresses, limits; no index,
 * key, web dir; log to stderr). */
void bc_server_options_init(struct bc_server_options *opt);

/*
 * Open and verify the index (hashes of every bucket), refuse it if its
 * public key is not the key's pkS, and start listening.
 * *out: allocated; stop and free with bc_server_stop.
 * Returns 0, or -1 with err filled (code "bad_field" for options, "key_mismatch",
 * "listen" if an address cannot be bound, or the index reader's codes).
 */
int bc_server_start(const struct bc_server_options *opt, struct bc_server **out,
		    struct bc_error *err);

/*
 * Re-open the index symlink (its current target), verify it and swap it in
 * atomically; requests in flight finish on the old one, which is unmapped
 * when the last of them completes. On failure the old index stays.
 * Returns 0, or -1 with err filled. Call from one thread at a time.
 */
int bc_server_reload(struct bc_server *srv, struct bc_error *err);

/* The bound TCP port of the API listener, and of the metrics one (0 if none). */
unsigned bc_server_port(const struct bc_server *srv);
unsigned bc_server_metrics_port(const struct bc_server *srv);

/* The index_id being served (32 hex + NUL) into out. */
void bc_server_index_id(struct bc_server *srv, char out[33]);

/*
 * Write one JSON-lines event {"time","event",key:value...} to the log, in
 * one write. The arguments after event are pairs of NUL-terminated strings,
 * a key and its value (NULL is written as ""), ended by a NULL key; values
 * are JSON-escaped. Never pass an identifier, a request body, a bucket
 * number or a client address.
 */
void bc_server_log(struct bc_server *srv, const char *event, ...) __attribute__((sentinel));

/*
 * Stop accepting connections, let requests in flight finish (at most
 * drain_seconds), stop, and free everything (NULL is fine).
 */
void bc_server_stop(struct bc_server *srv, unsigned drain_seconds);

#endif
