#ifndef BC_SERVER_LIMITER_H
#define BC_SERVER_LIMITER_H

/*
 * The evaluator's rate limiter as the server sees it (DESIGN.md §2 point 5):
 * one call per /v1/evaluate request, with the client's address and the
 * number of blinded elements. A backend (in memory here, see ratelimit.h;
 * a shared store such as Redis for several servers) is a struct of two
 * functions: the server never looks inside.
 */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* take()'s answer when a shared store cannot be reached: the request is
 * refused with 503 (fail closed), not served without limits. */
#define BC_SERVER_LIMITER_UNAVAILABLE UINT_MAX

struct bc_server_limiter {
	/*
	 * Charge cost blinded elements to the client at the 16-byte address
	 * addr (IPv4 as ::ffff:a.b.c.d; the backend derives its own keys,
	 * e.g. the IPv6 /64) and to every other limit the backend keeps.
	 * Either all of them are charged, or none. Returns 0 when allowed,
	 * else the whole number of seconds (>= 1) after which the same request
	 * would be allowed (the Retry-After value), or
	 * BC_SERVER_LIMITER_UNAVAILABLE when a shared store does not answer
	 * (nothing charged; the request is refused). Thread-safe.
	 */
	unsigned (*take)(struct bc_server_limiter *l, const uint8_t addr[16], unsigned cost);
	/* Free the backend (l included). */
	void (*free)(struct bc_server_limiter *l);
};

struct bc_server_rl_limits;

/*
 * The in-memory backend (ratelimit.h): the limits per client, per network
 * and in total, over tables of slots entries each.
 * Returns the limiter (free with l->free), or NULL if memory runs out.
 */
struct bc_server_limiter *bc_server_limiter_memory(const struct bc_server_rl_limits *lim,
						   size_t slots);

#endif
