#ifndef BC_SERVER_RATELIMIT_H
#define BC_SERVER_RATELIMIT_H

/*
 * Token buckets for the OPRF evaluator (DESIGN.md §2 point 5): blinded
 * elements are counted, per client and globally. Per-client state lives in a
 * fixed-size set-associative table (memory bounded whatever the number of
 * clients); when a set is full, the entry closest to a full bucket is
 * evicted, which only ever forgives the evicted client. Thread-safe (striped
 * mutexes for the table, one mutex for the global bucket).
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define BC_SERVER_RL_CLIENT_BYTES 16 /* IPv6 /64 or IPv4-mapped address, see clientaddr.h */
#define BC_SERVER_RL_WAYS 8          /* slots per set */
#define BC_SERVER_RL_LOCKS 64

struct bc_server_rl_slot {
	uint8_t client[BC_SERVER_RL_CLIENT_BYTES];
	double tokens;
	double last; /* seconds, monotonic */
	int used;
};

struct bc_server_ratelimit {
	double client_rate;  /* tokens per second, 0 = no per-client limit */
	double client_burst; /* bucket capacity */
	double global_rate;  /* tokens per second, 0 = no global limit */
	double global_burst;
	double global_tokens;
	double global_last;
	size_t n_sets;
	struct bc_server_rl_slot *slots; /* n_sets * BC_SERVER_RL_WAYS */
	uint8_t hash_key[16];
	pthread_mutex_t locks[BC_SERVER_RL_LOCKS];
	pthread_mutex_t global_lock;
};

/*
 * Set up the limits. per_client_per_min: elements a client may have
 * evaluated per minute (bucket capacity = that many, refilled continuously),
 * 0 = unlimited. global_per_sec: elements per second for all clients
 * together (capacity = one second's worth), 0 = unlimited. slots: table
 * size, rounded up to a multiple of BC_SERVER_RL_WAYS (at least one set).
 * Returns 0, or -1 if memory runs out.
 */
int bc_server_ratelimit_init(struct bc_server_ratelimit *rl, unsigned per_client_per_min,
			     unsigned global_per_sec, size_t slots);

/* Free the table (the struct itself is the caller's). */
void bc_server_ratelimit_release(struct bc_server_ratelimit *rl);

/*
 * Take cost tokens for client (16 bytes) at time now (monotonic seconds).
 * Either both the client's and the global bucket are charged, or neither.
 * Returns 0 when allowed, else the whole number of seconds (>= 1) after which
 * the same request would be allowed (the Retry-After value; a cost larger than
 * a bucket's capacity gives the time to refill it completely).
 */
unsigned bc_server_ratelimit_take(struct bc_server_ratelimit *rl,
				  const uint8_t client[BC_SERVER_RL_CLIENT_BYTES], unsigned cost, double now);

/* Monotonic clock in seconds (CLOCK_MONOTONIC). */
double bc_server_ratelimit_now(void);

#endif
