#ifndef BC_SERVER_LIMITER_H
#define BC_SERVER_LIMITER_H

/*
 * The evaluator's rate limiter as the server sees it (DESIGN.md §2 point 5):
 * one call per /v1/evaluate request, with the client's address and the
 * number of blinded elements. A backend (in memory here, see ratelimit.h;
 * a shared store such as Redis for several servers) is a struct of two
 * functions: the server never looks inside.
 */

#include <stdint.h>

struct bc_server_limiter {
	/*
	 * Charge cost blinded elements to the client at the 16-byte address
	 * addr (IPv4 as ::ffff:a.b.c.d; the backend derives its own keys,
	 * e.g. the IPv6 /64) and to every other limit the backend keeps.
	 * Either all of them are charged, or none. Returns 0 when allowed,
	 * else the whole number of seconds (>= 1) after which the same request
	 * would be allowed (the Retry-After value). Thread-safe.
	 */
	unsigned (*take)(struct bc_server_limiter *l, const uint8_t addr[16], unsigned cost);
	/* Free the backend (l included). */
	void (*free)(struct bc_server_limiter *l);
};

/*
 * The in-memory backend: per_client_per_min elements per minute per client
 * (IPv4 address, IPv6 /64; 0 = unlimited) and global_per_sec elements per
 * second in total (0 = unlimited), over a table of slots entries.
 * Returns the limiter (free with l->free), or NULL if memory runs out.
 */
struct bc_server_limiter *bc_server_limiter_memory(unsigned per_client_per_min,
						   unsigned global_per_sec, size_t slots);

#endif
