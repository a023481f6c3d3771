#ifndef BC_SERVER_RATELIMIT_H
#define BC_SERVER_RATELIMIT_H

/*
 * Token buckets for the OPRF evaluator (DESIGN.md §2 point 5), in memory:
 * blinded elements are counted per client (an IPv4 address, an IPv6 /64),
 * per network (IPv6 /56 and /48, IPv4 /24: issue #14 item 3) and globally.
 * Each keyed level is a fixed-size set-associative table (memory bounded
 * whatever the number of clients); when a set is full, the entry closest to
 * a full bucket is evicted, which only ever forgives the evicted key.
 * Thread-safe (striped mutexes per table, one mutex for the global bucket).
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define BC_SERVER_RL_CLIENT_BYTES 16 /* IPv6 or IPv4-mapped address, see clientaddr.h */
#define BC_SERVER_RL_WAYS 8          /* slots per set */
#define BC_SERVER_RL_LOCKS 64

/* The keyed levels, in locking order. */
enum bc_server_rl_level {
	BC_SERVER_RL_CLIENT, /* IPv4 address, IPv6 /64 */
	BC_SERVER_RL_NET56,  /* IPv6 /56 */
	BC_SERVER_RL_NET48,  /* IPv6 /48 */
	BC_SERVER_RL_NET24,  /* IPv4 /24 */
	BC_SERVER_RL_LEVELS
};

/* The limits, in blinded elements; 0 = no limit at that level. */
struct bc_server_rl_limits {
	unsigned per_min[BC_SERVER_RL_LEVELS]; /* per minute per key of each level */
	unsigned global_per_sec;               /* per second, all clients together */
};

struct bc_server_rl_slot {
	uint8_t key[BC_SERVER_RL_CLIENT_BYTES];
	double tokens;
	double last; /* seconds, monotonic */
	int used;
};

struct bc_server_rl_table {
	double rate;  /* tokens per second, 0 = no limit at this level */
	double burst; /* bucket capacity */
	size_t n_sets;
	struct bc_server_rl_slot *slots; /* n_sets * BC_SERVER_RL_WAYS */
	pthread_mutex_t locks[BC_SERVER_RL_LOCKS];
};

struct bc_server_ratelimit {
	struct bc_server_rl_table level[BC_SERVER_RL_LEVELS];
	double global_rate; /* tokens per second, 0 = no global limit */
	double global_burst;
	double global_tokens;
	double global_last;
	uint8_t hash_key[16];
	pthread_mutex_t global_lock;
	int ready;
};

/*
 * Set up the limits: a key of a level with per_min[level] = N may have N
 * elements evaluated per minute (bucket capacity N, refilled continuously);
 * global: per second for all clients (capacity one second's worth).
 * slots: entries of each keyed table, rounded up to a multiple of
 * BC_SERVER_RL_WAYS (at least one set); no table for a level without limit.
 * Returns 0, or -1 if memory runs out.
 */
int bc_server_ratelimit_init(struct bc_server_ratelimit *rl, const struct bc_server_rl_limits *lim,
			     size_t slots);

/* Free the tables (the struct itself is the caller's). */
void bc_server_ratelimit_release(struct bc_server_ratelimit *rl);

/*
 * Take cost tokens for the client at the 16-byte address addr (IPv4 as
 * ::ffff:a.b.c.d; its /64, /56, /48 or /24 are derived here) at time now
 * (monotonic seconds). Either every bucket that applies (client, its
 * networks, global) is charged, or none. Returns 0 when allowed, else the
 * whole number of seconds (>= 1) after which the same request would be
 * allowed by all of them (the Retry-After value; a cost larger than a
 * bucket's capacity gives the time to refill it completely).
 */
unsigned bc_server_ratelimit_take(struct bc_server_ratelimit *rl,
				  const uint8_t addr[BC_SERVER_RL_CLIENT_BYTES], unsigned cost,
				  double now);

/* Monotonic clock in seconds (CLOCK_MONOTONIC). */
double bc_server_ratelimit_now(void);

#endif
