#include <stdlib.h>

#include "server/limiter.h"
#include "server/ratelimit.h"

struct memory_limiter {
	struct bc_server_limiter base; /* first: the limiter is the struct */
	struct bc_server_ratelimit rl;
};

static unsigned memory_take(struct bc_server_limiter *l, const uint8_t addr[16], unsigned cost)
{
	struct memory_limiter *m = (struct memory_limiter *)l;

	return bc_server_ratelimit_take(&m->rl, addr, cost, bc_server_ratelimit_now());
}

static void memory_free(struct bc_server_limiter *l)
{
	struct memory_limiter *m = (struct memory_limiter *)l;

	if (!m)
		return;
	bc_server_ratelimit_release(&m->rl);
	free(m);
}

struct bc_server_limiter *bc_server_limiter_memory(const struct bc_server_rl_limits *lim,
						   size_t slots)
{
	struct memory_limiter *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base.take = memory_take;
	m->base.free = memory_free;
	if (bc_server_ratelimit_init(&m->rl, lim, slots) < 0) {
		free(m);
		return NULL;
	}
	return &m->base;
}
