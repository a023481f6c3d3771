/*
 * Crypto-only rate of the server's /v1/evaluate work: oprf_blind_evaluate
 * (VOPRF, batch of n, one proof) in a loop on every core, no HTTP, no JSON.
 * usage: evaluate_crypto_rate BATCH SECONDS [THREADS]
 * Prints "crypto batch=N threads=T elements/s=X batches/s=Y cpu_s=C
 * elements_per_cpu_s=Z" (Z: elements per second of CPU this process got,
 * the figure that stays meaningful on a shared machine).
 * Also used by bench_server.sh as the reference the server is held to.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "oprf/oprf.h"

static uint8_t sk[32], pk[32];
static uint8_t blinded[OPRF_MAX_BATCH * 32];
static size_t batch;
static double seconds;
static atomic_ulong batches;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	uint8_t evaluated[OPRF_MAX_BATCH * 32], proof[64];
	double end = now() + seconds;
	unsigned long n = 0;

	(void)arg;
	while (now() < end) {
		if (oprf_blind_evaluate(OPRF_MODE_VOPRF, sk, pk, NULL, 0, blinded, batch, evaluated,
					proof, NULL) < 0)
			abort();
		n++;
	}
	atomic_fetch_add(&batches, n);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[256];
	uint8_t seed[32], blind[32];
	long threads;
	struct rusage ru;
	double t0, dt, cpu;
	size_t i;
	char input[64];

	if (argc < 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: evaluate_crypto_rate BATCH SECONDS [THREADS]\n");
		return 2;
	}
	batch = strtoul(argv[1], NULL, 10);
	seconds = atof(argv[2]);
	threads = argc > 3 ? atol(argv[3]) : sysconf(_SC_NPROCESSORS_ONLN);
	if (batch < 1 || batch > OPRF_MAX_BATCH || threads < 1 || threads > 256 || seconds <= 0)
		return 2;
	randombytes_buf(seed, sizeof(seed));
	if (oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)"bench", 5, sk, pk) < 0)
		return 1;
	for (i = 0; i < batch; i++) {
		int len = snprintf(input, sizeof(input), "bc1|email|bench%zu@example.org", i);

		if (oprf_blind(OPRF_MODE_VOPRF, (const uint8_t *)input, (size_t)len, blind,
			       blinded + i * 32) < 0)
			return 1;
	}
	t0 = now();
	for (i = 0; i < (size_t)threads; i++)
		pthread_create(&th[i], NULL, run, NULL);
	for (i = 0; i < (size_t)threads; i++)
		pthread_join(th[i], NULL);
	dt = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      ru.ru_stime.tv_usec / 1e6;
	printf("crypto batch=%zu threads=%ld elements/s=%.0f batches/s=%.0f cpu_s=%.2f elements_per_cpu_s=%.0f\n",
	       batch, threads, (double)atomic_load(&batches) * batch / dt,
	       (double)atomic_load(&batches) / dt, cpu, (double)atomic_load(&batches) * batch / cpu);
	return 0;
}
