#include <string.h>

#include <sodium.h>

#include "index/index_internal.h"
#include "oprf/oprf.h"

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int is_zero(const uint8_t s[32])
{
	uint8_t acc = 0;
	int i;

	for (i = 0; i < 32; i++)
		acc |= s[i];
	return acc == 0;
}

/*
 * RFC 9497 §3.3.3 Evaluate for a batch: the n inversions of t = sk + m share
 * one (Montgomery's trick: 3 scalar multiplications each instead of an
 * inversion), which is a third of a POPRF evaluation's cost.
 */
int bc_poprf_evaluate_batch(const uint8_t sk[32], size_t n, const uint8_t *const *input,
			    const size_t *input_len, const uint8_t *const *info,
			    const size_t *info_len, uint8_t *out)
{
	uint8_t t[BC_POPRF_BATCH][32], pre[BC_POPRF_BATCH][32], inv[32], ti[32];
	uint8_t framed[6 + OPRF_MAX_INPUT_BYTES > 4096 ? 4096 : 6 + OPRF_MAX_INPUT_BYTES];
	uint8_t p[32], e[32], len2[2];
	crypto_hash_sha512_state st;
	size_t i;
	int ret = -1;

	if (n == 0)
		return 0;
	if (n > BC_POPRF_BATCH)
		return -1;
	for (i = 0; i < n; i++) {
		if (info_len[i] + 6 > sizeof(framed) || input_len[i] > OPRF_MAX_INPUT_BYTES)
			goto out;
		memcpy(framed, "Info", 4);
		put16(framed + 4, info_len[i]);
		if (info_len[i])
			memcpy(framed + 6, info[i], info_len[i]);
		if (oprf_hash_to_scalar(OPRF_MODE_POPRF, framed, 6 + info_len[i], t[i]) != 0)
			goto out;
		crypto_core_ristretto255_scalar_add(t[i], t[i], sk);
		if (is_zero(t[i]))
			goto out; /* InverseError */
		if (i == 0)
			memcpy(pre[0], t[0], 32);
		else
			crypto_core_ristretto255_scalar_mul(pre[i], pre[i - 1], t[i]);
	}
	if (crypto_core_ristretto255_scalar_invert(inv, pre[n - 1]) != 0)
		goto out;
	for (i = n; i-- > 0;) {
		if (i > 0) {
			crypto_core_ristretto255_scalar_mul(ti, inv, pre[i - 1]);
			crypto_core_ristretto255_scalar_mul(inv, inv, t[i]);
		} else {
			memcpy(ti, inv, 32);
		}
		if (oprf_hash_to_group(OPRF_MODE_POPRF, input[i], input_len[i], p) != 0 ||
		    crypto_scalarmult_ristretto255(e, ti, p) != 0)
			goto out;
		crypto_hash_sha512_init(&st);
		put16(len2, input_len[i]);
		crypto_hash_sha512_update(&st, len2, 2);
		crypto_hash_sha512_update(&st, input[i], input_len[i]);
		put16(len2, info_len[i]);
		crypto_hash_sha512_update(&st, len2, 2);
		crypto_hash_sha512_update(&st, info[i], info_len[i]);
		put16(len2, 32);
		crypto_hash_sha512_update(&st, len2, 2);
		crypto_hash_sha512_update(&st, e, 32);
		crypto_hash_sha512_update(&st, (const uint8_t *)"Finalize", 8);
		crypto_hash_sha512_final(&st, out + i * OPRF_OUTPUT_BYTES);
	}
	ret = 0;
out:
	sodium_memzero(t, sizeof(t));
	sodium_memzero(pre, sizeof(pre));
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(ti, sizeof(ti));
	return ret;
}
