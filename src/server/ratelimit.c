#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server/ratelimit.h"

int bc_server_ratelimit_init(struct bc_server_ratelimit *rl, unsigned per_client_per_min,
			     unsigned global_per_sec, size_t slots)
{
	size_t i;

	memset(rl, 0, sizeof(*rl));
	if (sodium_init() < 0)
		return -1;
	rl->client_rate = per_client_per_min / 60.0;
	rl->client_burst = per_client_per_min;
	rl->global_rate = global_per_sec;
	rl->global_burst = global_per_sec;
	rl->global_tokens = rl->global_burst;
	rl->global_last = bc_server_ratelimit_now();
	rl->n_sets = (slots + BC_SERVER_RL_WAYS - 1) / BC_SERVER_RL_WAYS;
	if (rl->n_sets == 0)
		rl->n_sets = 1;
	rl->slots = calloc(rl->n_sets * BC_SERVER_RL_WAYS, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	for (i = 0; i < BC_SERVER_RL_LOCKS; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	pthread_mutex_init(&rl->global_lock, NULL);
	return 0;
}

void bc_server_ratelimit_release(struct bc_server_ratelimit *rl)
{
	size_t i;

	if (!rl->slots)
		return;
	for (i = 0; i < BC_SERVER_RL_LOCKS; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	pthread_mutex_destroy(&rl->global_lock);
	free(rl->slots);
	rl->slots = NULL;
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

/* The slot for client in its set (locked by the caller), creating it, or
 * evicting the entry with most tokens after refill when the set is full. */
static struct bc_server_rl_slot *find_slot(struct bc_server_ratelimit *rl,
					   struct bc_server_rl_slot *set,
					   const uint8_t client[BC_SERVER_RL_CLIENT_BYTES], double now)
{
	struct bc_server_rl_slot *victim = NULL;
	double best = -1;
	size_t i;

	for (i = 0; i < BC_SERVER_RL_WAYS; i++)
		if (set[i].used && !memcmp(set[i].client, client, BC_SERVER_RL_CLIENT_BYTES))
			return &set[i];
	for (i = 0; i < BC_SERVER_RL_WAYS; i++) {
		double t;

		if (!set[i].used) {
			victim = &set[i];
			break;
		}
		t = refill(set[i].tokens, set[i].last, now, rl->client_rate, rl->client_burst);
		if (t > best) {
			best = t;
			victim = &set[i];
		}
	}
	memcpy(victim->client, client, BC_SERVER_RL_CLIENT_BYTES);
	victim->tokens = rl->client_burst;
	victim->last = now;
	victim->used = 1;
	return victim;
}

unsigned bc_server_ratelimit_take(struct bc_server_ratelimit *rl,
				  const uint8_t client[BC_SERVER_RL_CLIENT_BYTES], unsigned cost, double now)
{
	struct bc_server_rl_slot *slot = NULL;
	pthread_mutex_t *lock = NULL;
	unsigned wait = 0;

	if (rl->client_rate > 0) {
		uint8_t h[crypto_shorthash_BYTES];
		uint64_t v;
		size_t set;

		crypto_shorthash(h, client, BC_SERVER_RL_CLIENT_BYTES, rl->hash_key);
		memcpy(&v, h, sizeof(v));
		set = (size_t)(v % rl->n_sets);
		lock = &rl->locks[set % BC_SERVER_RL_LOCKS];
		pthread_mutex_lock(lock);
		slot = find_slot(rl, &rl->slots[set * BC_SERVER_RL_WAYS], client, now);
		slot->tokens = refill(slot->tokens, slot->last, now, rl->client_rate, rl->client_burst);
		if (now > slot->last)
			slot->last = now;
		if (slot->tokens < cost) {
			wait = wait_for(slot->tokens, cost, rl->client_rate, rl->client_burst);
			goto out;
		}
	}
	if (rl->global_rate > 0) {
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
		if (wait)
			goto out;
	}
	if (slot)
		slot->tokens -= cost;
out:
	if (lock)
		pthread_mutex_unlock(lock);
	return wait;
}
