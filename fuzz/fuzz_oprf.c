/*
 * libFuzzer target for src/oprf: arbitrary bytes as elements, scalars and
 * proofs must never crash nor be accepted when invalid; an arbitrary input
 * must give the same output by the client path and by direct Evaluate.
 * Seeds: fuzz/corpus/oprf (first byte: the mode; a valid element, scalar and
 * forged batch from RFC 9497 Appendix A.1.2 (VOPRF) test vector 1, the
 * identity, a non-canonical encoding, token inputs of DESIGN.md §4, and
 * inputs that steer tamper()). fuzz/run.sh builds and runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "oprf/oprf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sk[32], pk[32];
static int ready;

static void setup(void)
{
	static const uint8_t seed[32] = { 0x42 };

	if (sodium_init() < 0 ||
	    oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)"fuzz", 4, sk, pk) != 0)
		abort();
	ready = 1;
}

/*
 * A valid batch built from the data, then one byte of it (blinded or
 * evaluated element, proof, key or POPRF info) changed as the data says:
 * the proof must no longer verify. Random bytes almost never reach these
 * near-valid cases.
 */
static void tamper(enum oprf_mode mode, const uint8_t *data, size_t size)
{
	enum { N = 4 };
	uint8_t blind[N][32], bl[N * 32], ev[N * 32], proof[64], key[32], info[8];
	size_t n, i, info_len, where, region;
	uint8_t x;

	if (mode == OPRF_MODE_OPRF || size < 4)
		return;
	n = 1 + data[0] % N;
	x = data[1] ? data[1] : 1;
	where = (size_t)data[2] | (size_t)data[3] << 8;
	data += 4;
	size -= 4;
	info_len = size < sizeof(info) ? size : sizeof(info);
	memcpy(info, data, info_len);
	for (i = 0; i < n; i++)
		if (oprf_blind(mode, data, size > i ? size - i : 0, blind[i], bl + 32 * i) != 0)
			abort();
	if (oprf_blind_evaluate(mode, sk, pk, info, info_len, bl, n, ev, proof, NULL) != 0 ||
	    oprf_verify_proof(mode, pk, info, info_len, bl, ev, n, proof) != 0)
		abort();
	memcpy(key, pk, 32);
	region = where % 5;
	where /= 5;
	switch (region) {
	case 0: bl[where % (32 * n)] ^= x; break;
	case 1: ev[where % (32 * n)] ^= x; break;
	case 2: proof[where % 64] ^= x; break;
	case 3: key[where % 32] ^= x; break;
	default:
		if (mode != OPRF_MODE_POPRF)
			return;
		if (info_len == 0)
			info_len = 1, info[0] = x;
		else
			info[where % info_len] ^= x;
	}
	if (oprf_verify_proof(mode, key, info, info_len, bl, ev, n, proof) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum oprf_mode mode;
	uint8_t blind[32], blinded[32], evaluated[32], proof[64], a[64], b[64];
	size_t n;

	if (!ready)
		setup();
	if (size < 1)
		return 0;
	mode = (enum oprf_mode)(data[0] % 3);
	data++;
	size--;

	if (size >= 32) {
		int valid = oprf_element_is_valid(data);

		if (valid && ((data[31] & 0x80) || sodium_is_zero(data, 32) ||
			      crypto_core_ristretto255_is_valid_point(data) != 1))
			abort();
		if (!valid && oprf_blind_evaluate(mode, sk, pk, NULL, 0, data, 1, evaluated,
						  proof, NULL) == 0)
			abort();
		if (!oprf_scalar_is_valid(data) &&
		    oprf_finalize(mode, (const uint8_t *)"x", 1, data, pk, NULL, 0, a) == 0)
			abort();
	}
	/* elements and proof taken from the data: a forged proof must not verify */
	n = size / 64;
	if (n >= 2 && size >= 64 * n + 64 && mode != OPRF_MODE_OPRF) {
		n = n - 1 > OPRF_MAX_BATCH ? OPRF_MAX_BATCH : n - 1;
		if (oprf_verify_proof(mode, pk, NULL, 0, data, data + 32 * n, n,
				      data + 64 * n) == 0)
			abort();
	}
	tamper(mode, data, size);
	if (size <= OPRF_MAX_INPUT_BYTES) {
		if (oprf_blind(mode, data, size, blind, blinded) != 0 ||
		    oprf_blind_evaluate(mode, sk, pk, data, size > 32 ? 32 : size, blinded, 1,
					evaluated, proof, NULL) != 0 ||
		    (mode != OPRF_MODE_OPRF &&
		     oprf_verify_proof(mode, pk, data, size > 32 ? 32 : size, blinded, evaluated, 1,
				       proof) != 0) ||
		    oprf_finalize(mode, data, size, blind, evaluated, data, size > 32 ? 32 : size,
				  a) != 0 ||
		    oprf_evaluate(mode, sk, data, size, data, size > 32 ? 32 : size, b) != 0 ||
		    memcmp(a, b, 64) != 0)
			abort();
	}
	return 0;
}
