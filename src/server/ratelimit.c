#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server/ratelimit.h"

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Bytes of the address kept by each level's key (the rest zero). */
static const size_t level_bytes[BC_SERVER_RL_LEVELS] = {
	[BC_SERVER_RL_CLIENT] = 8, /* IPv6 /64 (an IPv4 address keeps 16) */
	[BC_SERVER_RL_NET56] = 7,
	[BC_SERVER_RL_NET48] = 6,
	[BC_SERVER_RL_NET24] = 15,
};

static int table_init(struct bc_server_rl_table *t, unsigned per_min, size_t slots)
{
	size_t i;

	t->rate = per_min / 60.0;
	t->burst = per_min;
	if (!per_min)
		return 0;
	t->n_sets = (slots + BC_SERVER_RL_WAYS - 1) / BC_SERVER_RL_WAYS;
	if (t->n_sets == 0)
		t->n_sets = 1;
	t->slots = calloc(t->n_sets * BC_SERVER_RL_WAYS, sizeof(*t->slots));
	if (!t->slots)
		return -1;
	for (i = 0; i < BC_SERVER_RL_LOCKS; i++)
		pthread_mutex_init(&t->locks[i], NULL);
	return 0;
}

int bc_server_ratelimit_init(struct bc_server_ratelimit *rl, const struct bc_server_rl_limits *lim,
			     size_t slots)
{
	size_t l;

	memset(rl, 0, sizeof(*rl));
	if (sodium_init() < 0)
		return -1;
	rl->global_rate = lim->global_per_sec;
	rl->global_burst = lim->global_per_sec;
	rl->global_tokens = rl->global_burst;
	rl->global_last = bc_server_ratelimit_now();
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	pthread_mutex_init(&rl->global_lock, NULL);
	rl->ready = 1;
	for (l = 0; l < BC_SERVER_RL_LEVELS; l++)
		if (table_init(&rl->level[l], lim->per_min[l], slots) < 0) {
			bc_server_ratelimit_release(rl);
			return -1;
		}
	return 0;
}

void bc_server_ratelimit_release(struct bc_server_ratelimit *rl)
{
	size_t l, i;

	if (!rl->ready)
		return;
	for (l = 0; l < BC_SERVER_RL_LEVELS; l++) {
		struct bc_server_rl_table *t = &rl->level[l];

		if (!t->slots)
			continue;
		for (i = 0; i < BC_SERVER_RL_LOCKS; i++)
			pthread_mutex_destroy(&t->locks[i]);
		free(t->slots);
		t->slots = NULL;
	}
	pthread_mutex_destroy(&rl->global_lock);
	rl->ready = 0;
}

double bc_server_ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double refill(double tokens, double last, double now, double rate, double burst)
{
	if (now > last)
		tokens += (now - last) * rate;
	return tokens > burst ? burst : tokens;
}

static unsigned wait_for(double tokens, double cost, double rate, double burst)
{
	double need = (cost > burst ? burst : cost) - tokens;
	double s = ceil(need / rate);

	if (s < 1)
		s = 1;
	if (s > 86400)
		s = 86400;
	return (unsigned)s;
}

/* The slot for key in its set (locked by the caller), creating it, or
 * evicting the entry with most tokens after refill when the set is full. */
static struct bc_server_rl_slot *find_slot(const struct bc_server_rl_table *t,
					   struct bc_server_rl_slot *set,
					   const uint8_t key[BC_SERVER_RL_CLIENT_BYTES], double now)
{
	struct bc_server_rl_slot *victim = NULL;
	double best = -1;
	size_t i;

	for (i = 0; i < BC_SERVER_RL_WAYS; i++)
		if (set[i].used && !memcmp(set[i].key, key, BC_SERVER_RL_CLIENT_BYTES))
			return &set[i];
	for (i = 0; i < BC_SERVER_RL_WAYS; i++) {
		double tokens;

		if (!set[i].used) {
			victim = &set[i];
			break;
		}
		tokens = refill(set[i].tokens, set[i].last, now, t->rate, t->burst);
		if (tokens > best) {
			best = tokens;
			victim = &set[i];
		}
	}
	memcpy(victim->key, key, BC_SERVER_RL_CLIENT_BYTES);
	victim->tokens = t->burst;
	victim->last = now;
	victim->used = 1;
	return victim;
}

/* The key of addr at level l into key, or 0 if the level does not apply
 * to the address's family. */
static int level_key(size_t l, const uint8_t addr[16], uint8_t key[BC_SERVER_RL_CLIENT_BYTES])
{
	int v4 = !memcmp(addr, v4_prefix, sizeof(v4_prefix));
	size_t keep = level_bytes[l];

	if (l == BC_SERVER_RL_CLIENT && v4)
		keep = 16;
	else if ((l == BC_SERVER_RL_NET24) != v4)
		return 0;
	memset(key, 0, BC_SERVER_RL_CLIENT_BYTES);
	memcpy(key, addr, keep);
	return 1;
}

/* A locked slot of one level for this request. */
struct held {
	pthread_mutex_t *lock;
	struct bc_server_rl_slot *slot;
};

/* Lock and refill the slot of key in table t at time now. */
static void hold(struct bc_server_ratelimit *rl, struct bc_server_rl_table *t,
		 const uint8_t key[BC_SERVER_RL_CLIENT_BYTES], double now, struct held *h)
{
	uint8_t hash[crypto_shorthash_BYTES];
	uint64_t v;
	size_t set;

	crypto_shorthash(hash, key, BC_SERVER_RL_CLIENT_BYTES, rl->hash_key);
	memcpy(&v, hash, sizeof(v));
	set = (size_t)(v % t->n_sets);
	h->lock = &t->locks[set % BC_SERVER_RL_LOCKS];
	pthread_mutex_lock(h->lock);
	h->slot = find_slot(t, &t->slots[set * BC_SERVER_RL_WAYS], key, now);
	h->slot->tokens = refill(h->slot->tokens, h->slot->last, now, t->rate, t->burst);
	if (now > h->slot->last)
		h->slot->last = now;
}

unsigned bc_server_ratelimit_take(struct bc_server_ratelimit *rl,
				  const uint8_t addr[BC_SERVER_RL_CLIENT_BYTES], unsigned cost,
				  double now)
{
	struct held held[BC_SERVER_RL_LEVELS];
	uint8_t key[BC_SERVER_RL_CLIENT_BYTES];
	unsigned wait = 0, w;
	size_t l, n = 0, i;

	/* levels in a fixed order, so that two requests never wait on each
	 * other's locks in opposite orders */
	for (l = 0; l < BC_SERVER_RL_LEVELS; l++) {
		struct bc_server_rl_table *t = &rl->level[l];

		if (t->rate <= 0 || !level_key(l, addr, key))
			continue;
		hold(rl, t, key, now, &held[n]);
		if (held[n].slot->tokens < cost) {
			w = wait_for(held[n].slot->tokens, cost, t->rate, t->burst);
			wait = w > wait ? w : wait;
		}
		n++;
	}
	if (!wait && rl->global_rate > 0) {
		pthread_mutex_lock(&rl->global_lock);
		rl->global_tokens = refill(rl->global_tokens, rl->global_last, now,
					   rl->global_rate, rl->global_burst);
		if (now > rl->global_last)
			rl->global_last = now;
		if (rl->global_tokens < cost)
			wait = wait_for(rl->global_tokens, cost, rl->global_rate, rl->global_burst);
		else
			rl->global_tokens -= cost;
		pthread_mutex_unlock(&rl->global_lock);
	}
	for (i = n; i-- > 0;) {
		if (!wait)
			held[i].slot->tokens -= cost;
		pthread_mutex_unlock(held[i].lock);
	}
	return wait;
}
