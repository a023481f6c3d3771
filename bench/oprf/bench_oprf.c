/*
 * µs per operation of the RFC 9497 module next to libsodium's own
 * crypto_scalarmult_ristretto255, in the same run.
 * usage: bench_oprf [SCALE]   (SCALE multiplies the iteration counts, default 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "oprf/oprf.h"

#define INPUT_BYTES 40

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static unsigned long scale = 1;
static volatile uint8_t sink;
static uint8_t sk[32], pk[32], inputs[256][INPUT_BYTES];
static uint8_t blinds[16 * 32], blinded[16 * 32], evaluated[16 * 32], proof[64];

static void fail(const char *what)
{
	fprintf(stderr, "bench_oprf: %s failed\n", what);
	exit(1);
}

/* Each op runs iters times, 3 rounds; the best round is kept (least noise). */
typedef void (*op_fn)(unsigned long i);

static double measure(op_fn fn, unsigned long iters)
{
	double best = 1e300;
	int round;
	unsigned long i;

	iters *= scale;
	fn(0);
	for (round = 0; round < 3; round++) {
		double t0 = now_us(), dt;

		for (i = 0; i < iters; i++)
			fn(i);
		dt = (now_us() - t0) / (double)iters;
		if (dt < best)
			best = dt;
	}
	return best;
}

static void op_h2g(unsigned long i)
{
	uint8_t e[32];

	if (oprf_hash_to_group(OPRF_MODE_VOPRF, inputs[i & 255], INPUT_BYTES, e) != 0)
		fail("HashToGroup");
	sink ^= e[0];
}

static void op_scalarmult(unsigned long i)
{
	uint8_t e[32];

	if (crypto_scalarmult_ristretto255(e, sk, blinded + 32 * (i & 15)) != 0)
		fail("crypto_scalarmult_ristretto255");
	sink ^= e[0];
}

static void op_scalarmult_base(unsigned long i)
{
	uint8_t e[32];

	(void)i;
	if (crypto_scalarmult_ristretto255_base(e, sk) != 0)
		fail("crypto_scalarmult_ristretto255_base");
	sink ^= e[0];
}

static void op_blind(unsigned long i)
{
	uint8_t b[32], e[32];

	if (oprf_blind(OPRF_MODE_VOPRF, inputs[i & 255], INPUT_BYTES, b, e) != 0)
		fail("Blind");
	sink ^= e[0];
}

static size_t batch;
static enum oprf_mode bmode;

static void op_blind_evaluate(unsigned long i)
{
	(void)i;
	if (oprf_blind_evaluate(bmode, sk, pk, (const uint8_t *)"info", 4, blinded, batch,
				evaluated, bmode == OPRF_MODE_OPRF ? NULL : proof, NULL) != 0)
		fail("BlindEvaluate");
	sink ^= evaluated[0];
}

static void op_finalize_verify(unsigned long i)
{
	uint8_t out[64];
	size_t k;

	(void)i;
	if (oprf_verify_proof(OPRF_MODE_VOPRF, pk, NULL, 0, blinded, evaluated, batch, proof) != 0)
		fail("VerifyProof");
	for (k = 0; k < batch; k++)
		if (oprf_finalize(OPRF_MODE_VOPRF, inputs[k], INPUT_BYTES, blinds + 32 * k,
				  evaluated + 32 * k, NULL, 0, out) != 0)
			fail("Finalize");
	sink ^= out[0];
}

static void op_finalize_only(unsigned long i)
{
	uint8_t out[64];

	if (oprf_finalize(OPRF_MODE_VOPRF, inputs[0], INPUT_BYTES, blinds, evaluated, NULL, 0,
			  out) != 0)
		fail("Finalize");
	sink ^= out[0] ^ (uint8_t)i;
}

static void op_evaluate(unsigned long i)
{
	uint8_t out[64];

	if (oprf_evaluate(OPRF_MODE_VOPRF, sk, inputs[i & 255], INPUT_BYTES, NULL, 0, out) != 0)
		fail("Evaluate");
	sink ^= out[0];
}

static void op_evaluate_poprf(unsigned long i)
{
	uint8_t out[64];

	if (oprf_evaluate(OPRF_MODE_POPRF, sk, inputs[i & 255], INPUT_BYTES,
			  (const uint8_t *)"jean.dupont@example.fr", 22, out) != 0)
		fail("Evaluate (POPRF)");
	sink ^= out[0];
}

static void prepare_batch(size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (oprf_blind(OPRF_MODE_VOPRF, inputs[k], INPUT_BYTES, blinds + 32 * k,
			       blinded + 32 * k) != 0)
			fail("Blind");
	if (oprf_blind_evaluate(OPRF_MODE_VOPRF, sk, pk, NULL, 0, blinded, n, evaluated, proof,
				NULL) != 0)
		fail("BlindEvaluate");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 4, 16 };
	uint8_t seed[32];
	double h2g, smul, eval;
	size_t k;

	if (argc > 1)
		scale = strtoul(argv[1], NULL, 10);
	if (scale == 0)
		scale = 1;
	if (sodium_init() < 0)
		fail("sodium_init");
	randombytes_buf(seed, sizeof(seed));
	randombytes_buf(inputs, sizeof(inputs));
	if (oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)"bench", 5, sk, pk) != 0)
		fail("DeriveKeyPair");
	prepare_batch(16);

	printf("RFC 9497 ristretto255-SHA512 on libsodium %s, %d-byte inputs, best of 3 rounds\n",
	       sodium_version_string(), INPUT_BYTES);
	printf("%-46s %10s\n", "operation", "us/op");
	smul = measure(op_scalarmult, 2000);
	printf("%-46s %10.2f\n", "libsodium crypto_scalarmult_ristretto255", smul);
	printf("%-46s %10.2f\n", "libsodium crypto_scalarmult_ristretto255_base",
	       measure(op_scalarmult_base, 2000));
	h2g = measure(op_h2g, 4000);
	printf("%-46s %10.2f\n", "HashToGroup", h2g);
	printf("%-46s %10.2f\n", "Blind", measure(op_blind, 2000));
	for (k = 0; k < 3; k++) {
		double t;
		char label[64];

		batch = sizes[k];
		bmode = OPRF_MODE_OPRF;
		t = measure(op_blind_evaluate, 1500 / batch);
		snprintf(label, sizeof(label), "BlindEvaluate, no proof (OPRF), batch %zu", batch);
		printf("%-46s %10.2f  (%.2f per element)\n", label, t, t / (double)batch);
		bmode = OPRF_MODE_VOPRF;
		t = measure(op_blind_evaluate, 600 / batch);
		snprintf(label, sizeof(label), "BlindEvaluate + proof (VOPRF), batch %zu", batch);
		printf("%-46s %10.2f  (%.2f per element)\n", label, t, t / (double)batch);
		bmode = OPRF_MODE_POPRF;
		t = measure(op_blind_evaluate, 600 / batch);
		snprintf(label, sizeof(label), "BlindEvaluate + proof (POPRF), batch %zu", batch);
		printf("%-46s %10.2f  (%.2f per element)\n", label, t, t / (double)batch);
	}
	printf("%-46s %10.2f\n", "Finalize alone (no verification)", measure(op_finalize_only, 2000));
	for (k = 0; k < 3; k++) {
		double t;
		char label[64];

		batch = sizes[k];
		prepare_batch(batch);
		t = measure(op_finalize_verify, 600 / batch);
		snprintf(label, sizeof(label), "VerifyProof + Finalize (VOPRF), batch %zu", batch);
		printf("%-46s %10.2f  (%.2f per element)\n", label, t, t / (double)batch);
	}
	eval = measure(op_evaluate, 4000);
	printf("%-46s %10.2f\n", "Evaluate, direct (VOPRF)", eval);
	printf("%-46s %10.2f\n", "Evaluate, direct (POPRF, 22-byte info)",
	       measure(op_evaluate_poprf, 2000));
	printf("\nEvaluate / (HashToGroup + scalarmult) = %.3f / (%.3f + %.3f) = %.3f (goal <= 1.1)\n",
	       eval, h2g, smul, eval / (h2g + smul));
	printf("Evaluate throughput, one core: %.0f tokens/s\n", 1e6 / eval);
	return sink == 0x5a ? 0 : 0;
}
