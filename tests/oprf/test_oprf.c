/* RFC 9497 vectors, rejection of bad encodings, round trips, index-v1 keys. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "vectors.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

static struct vec_file rfc;

static int load_rfc(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (vec_file_load(&rfc, vec_path("rfc9497-ristretto255-sha512.txt")) != 0) {
		fprintf(stderr, "cannot parse %s\n", vec_path("rfc9497-ristretto255-sha512.txt"));
		return -1;
	}
	return 0;
}

static int free_rfc(void **state)
{
	(void)state;
	vec_file_release(&rfc);
	return 0;
}

static void hex_exact(const struct vec_block *b, const char *name, size_t idx,
		      uint8_t *out, size_t len)
{
	const char *v = vec_get(b, name);

	assert_non_null(v);
	assert_int_equal(vec_hex_item(v, idx, out, len), (long)len);
}

static size_t hex_any(const struct vec_block *b, const char *name, size_t idx,
		      uint8_t *out, size_t cap)
{
	const char *v = vec_get(b, name);
	long n;

	assert_non_null(v);
	n = vec_hex_item(v, idx, out, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

struct mode_key {
	uint8_t sk[32], pk[32];
};

/* Per mode: check the key block and return the derived keys. */
static void check_key_block(const struct vec_block *b, struct mode_key *k)
{
	uint8_t seed[32], info[64], want[32];
	size_t info_len;

	hex_exact(b, "Seed", 0, seed, 32);
	info_len = hex_any(b, "KeyInfo", 0, info, sizeof(info));
	assert_int_equal(oprf_derive_keypair((enum oprf_mode)b->mode, seed, info, info_len,
					     k->sk, k->pk), 0);
	hex_exact(b, "skSm", 0, want, 32);
	assert_memory_equal(k->sk, want, 32);
	if (vec_get(b, "pkSm")) {
		hex_exact(b, "pkSm", 0, want, 32);
		assert_memory_equal(k->pk, want, 32);
	} else {
		assert_int_equal(b->mode, OPRF_MODE_OPRF);
	}
}

static void check_vector(const struct vec_block *b, const struct mode_key *k, size_t *outputs)
{
	enum oprf_mode mode = (enum oprf_mode)b->mode;
	uint8_t inputs[OPRF_MAX_BATCH][64];
	size_t input_len[OPRF_MAX_BATCH];
	uint8_t blinds[OPRF_MAX_BATCH * 32], blinded[OPRF_MAX_BATCH * 32];
	uint8_t evaluated[OPRF_MAX_BATCH * 32], want[OPRF_MAX_BATCH * 32];
	uint8_t proof[64], want_proof[64], prs[32], out[64], want_out[64], info[64];
	size_t n, i, info_len = 0;

	n = vec_count(vec_get(b, "Input"));
	assert_true(n >= 1 && n <= 8);
	if (mode == OPRF_MODE_POPRF)
		info_len = hex_any(b, "Info", 0, info, sizeof(info));
	else
		assert_null(vec_get(b, "Info"));
	for (i = 0; i < n; i++) {
		input_len[i] = hex_any(b, "Input", i, inputs[i], sizeof(inputs[i]));
		hex_exact(b, "Blind", i, blinds + 32 * i, 32);
		assert_int_equal(oprf_blind_with(mode, inputs[i], input_len[i], blinds + 32 * i,
						 blinded + 32 * i), 0);
		hex_exact(b, "BlindedElement", i, want + 32 * i, 32);
		assert_memory_equal(blinded + 32 * i, want + 32 * i, 32);
		assert_true(oprf_element_is_valid(blinded + 32 * i));
	}
	if (mode == OPRF_MODE_OPRF) {
		assert_null(vec_get(b, "Proof"));
		assert_int_equal(oprf_blind_evaluate(mode, k->sk, NULL, NULL, 0, blinded, n,
						     evaluated, NULL, NULL), 0);
	} else {
		hex_exact(b, "ProofRandomScalar", 0, prs, 32);
		assert_int_equal(oprf_blind_evaluate(mode, k->sk, k->pk, info, info_len, blinded, n,
						     evaluated, proof, prs), 0);
		hex_exact(b, "Proof", 0, want_proof, 64);
		assert_memory_equal(proof, want_proof, 64);
		assert_int_equal(oprf_verify_proof(mode, k->pk, info, info_len, blinded, evaluated,
						   n, proof), 0);
		/* a fresh random proof verifies too, and differs */
		assert_int_equal(oprf_blind_evaluate(mode, k->sk, k->pk, info, info_len, blinded, n,
						     evaluated, proof, NULL), 0);
		assert_memory_not_equal(proof, want_proof, 64);
		assert_int_equal(oprf_verify_proof(mode, k->pk, info, info_len, blinded, evaluated,
						   n, proof), 0);
	}
	for (i = 0; i < n; i++) {
		hex_exact(b, "EvaluationElement", i, want + 32 * i, 32);
		assert_memory_equal(evaluated + 32 * i, want + 32 * i, 32);
		hex_exact(b, "Output", i, want_out, 64);
		assert_int_equal(oprf_finalize(mode, inputs[i], input_len[i], blinds + 32 * i,
					       evaluated + 32 * i, info, info_len, out), 0);
		assert_memory_equal(out, want_out, 64);
		memset(out, 0, sizeof(out));
		assert_int_equal(oprf_evaluate(mode, k->sk, inputs[i], input_len[i], info, info_len,
					       out), 0);
		assert_memory_equal(out, want_out, 64);
		(*outputs)++;
	}
}

static void test_rfc_vectors(void **state)
{
	struct mode_key keys[3];
	int have_key[3] = { 0, 0, 0 };
	size_t vectors[3] = { 0, 0, 0 }, outputs = 0, batches = 0, i;

	(void)state;
	for (i = 0; i < rfc.nblocks; i++) {
		const struct vec_block *b = &rfc.blocks[i];

		assert_true(b->mode >= 0 && b->mode <= 2);
		if (b->is_key) {
			check_key_block(b, &keys[b->mode]);
			have_key[b->mode] = 1;
			continue;
		}
		assert_true(have_key[b->mode]);
		if (vec_count(vec_get(b, "Input")) > 1)
			batches++;
		check_vector(b, &keys[b->mode], &outputs);
		vectors[b->mode]++;
	}
	/* the file holds 2 OPRF, 3 VOPRF and 3 POPRF vectors, two of them batches of 2 */
	assert_int_equal(vectors[0], 2);
	assert_int_equal(vectors[1], 3);
	assert_int_equal(vectors[2], 3);
	assert_int_equal(batches, 2);
	assert_int_equal(outputs, 10);
}

/* expand_message_xmd against the RFC 9380 appendix K.3 shape: lengths and determinism */
static void test_xmd_lengths(void **state)
{
	uint8_t a[255 * 64], b[255 * 64];
	static const uint8_t dst[] = "QUUX-V01-CS02-with-expander-SHA512-256";

	(void)state;
	assert_int_equal(oprf_expand_message_xmd(a, 0, NULL, 0, dst, sizeof(dst) - 1), -1);
	assert_int_equal(oprf_expand_message_xmd(a, 255 * 64 + 1, NULL, 0, dst, sizeof(dst) - 1), -1);
	assert_int_equal(oprf_expand_message_xmd(a, 32, NULL, 0, dst, 0), -1);
	assert_int_equal(oprf_expand_message_xmd(a, 255 * 64, (const uint8_t *)"abc", 3, dst,
						 sizeof(dst) - 1), 0);
	assert_int_equal(oprf_expand_message_xmd(b, 100, (const uint8_t *)"abc", 3, dst,
						 sizeof(dst) - 1), 0);
	/* len_in_bytes is part of the hash: a 100-byte output is not a prefix */
	assert_memory_not_equal(a, b, 64);
}

/* the general expander agrees with the 64-byte streamed one behind HashToGroup/HashToScalar */
static void test_xmd_matches_hash_to_group(void **state)
{
	static const uint8_t dst[] = "HashToGroup-OPRFV1-\x01-ristretto255-SHA512";
	static const uint8_t sdst[] = "HashToScalar-OPRFV1-\x02-ristretto255-SHA512";
	uint8_t u[64], e1[32], e2[32];

	(void)state;
	assert_int_equal(oprf_expand_message_xmd(u, 64, (const uint8_t *)"abc", 3, dst,
						 sizeof(dst) - 1), 0);
	assert_int_equal(crypto_core_ristretto255_from_hash(e1, u), 0);
	assert_int_equal(oprf_hash_to_group(OPRF_MODE_VOPRF, (const uint8_t *)"abc", 3, e2), 0);
	assert_memory_equal(e1, e2, 32);
	assert_int_equal(oprf_expand_message_xmd(u, 64, (const uint8_t *)"abc", 3, sdst,
						 sizeof(sdst) - 1), 0);
	crypto_core_ristretto255_scalar_reduce(e1, u);
	assert_int_equal(oprf_hash_to_scalar(OPRF_MODE_POPRF, (const uint8_t *)"abc", 3, e2), 0);
	assert_memory_equal(e1, e2, 32);
}

/*
 * expand_message_xmd for several blocks (RFC 9380 §5.3.1), recomputed here
 * the straightforward way from whole buffers: b_0 = H(Z_pad || msg ||
 * I2OSP(len, 2) || 0 || DST'), b_1 = H(b_0 || 1 || DST'),
 * b_i = H((b_0 xor b_(i-1)) || i || DST').
 */
static void test_xmd_multiblock(void **state)
{
	static const uint8_t dst[] = "QUUX-V01-CS02-with-expander-SHA512-256";
	const size_t dl = sizeof(dst) - 1;
	static const size_t lens[] = { 1, 32, 63, 64, 65, 128, 200, 1000, 255 * 64 };
	uint8_t buf[512], b0[64], bi[64], want[255 * 64], got[255 * 64], msg[300];
	size_t k, i, j, off, n;

	(void)state;
	randombytes_buf(msg, sizeof(msg));
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t len = lens[k], ell = (len + 63) / 64;

		memset(buf, 0, 128);
		memcpy(buf + 128, msg, sizeof(msg));
		n = 128 + sizeof(msg);
		buf[n++] = (uint8_t)(len >> 8);
		buf[n++] = (uint8_t)len;
		buf[n++] = 0;
		memcpy(buf + n, dst, dl);
		n += dl;
		buf[n++] = (uint8_t)dl;
		crypto_hash_sha512(b0, buf, n);
		for (i = 1, off = 0; i <= ell; i++) {
			for (j = 0; j < 64; j++)
				buf[j] = i == 1 ? b0[j] : (uint8_t)(b0[j] ^ bi[j]);
			buf[64] = (uint8_t)i;
			memcpy(buf + 65, dst, dl);
			buf[65 + dl] = (uint8_t)dl;
			crypto_hash_sha512(bi, buf, 66 + dl);
			memcpy(want + off, bi, len - off < 64 ? len - off : 64);
			off += 64;
		}
		memset(got, 0xa5, sizeof(got));
		assert_int_equal(oprf_expand_message_xmd(got, len, msg, sizeof(msg), dst, dl), 0);
		assert_memory_equal(got, want, len);
	}
}

/*
 * The streamed 64-byte expander behind HashToGroup/HashToScalar agrees with
 * the general one for every input length 0..300 (the 128-byte Z_pad puts
 * SHA-512 block boundaries at inputs of 0, 128 and 256 bytes); the round
 * trips cannot see a bug shared by the client and the server paths. (The breaker also checked Evaluate against
 * the independent JavaScript implementation for these lengths.)
 */
static void test_streamed_lengths(void **state)
{
	static const uint8_t gdst[] = "HashToGroup-OPRFV1-\x02-ristretto255-SHA512";
	static const uint8_t sdst[] = "HashToScalar-OPRFV1-\x02-ristretto255-SHA512";
	uint8_t msg[300], u[64], e1[32], e2[32];
	size_t len;

	(void)state;
	randombytes_buf(msg, sizeof(msg));
	for (len = 0; len <= sizeof(msg); len++) {
		assert_int_equal(oprf_expand_message_xmd(u, 64, msg, len, gdst, sizeof(gdst) - 1), 0);
		assert_int_equal(crypto_core_ristretto255_from_hash(e1, u), 0);
		assert_int_equal(oprf_hash_to_group(OPRF_MODE_POPRF, msg, len, e2), 0);
		assert_memory_equal(e1, e2, 32);
		assert_int_equal(oprf_expand_message_xmd(u, 64, msg, len, sdst, sizeof(sdst) - 1), 0);
		crypto_core_ristretto255_scalar_reduce(e1, u);
		assert_int_equal(oprf_hash_to_scalar(OPRF_MODE_POPRF, msg, len, e2), 0);
		assert_memory_equal(e1, e2, 32);
	}
}

static const uint8_t L_LE[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
	0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* VOPRF vector 3 (the batch of 2) as a fixture for rejection tests */
struct fixture {
	enum oprf_mode mode;
	struct mode_key key;
	uint8_t info[64];
	size_t info_len, n;
	uint8_t blinded[64], evaluated[64], proof[64];
};

static void load_batch_fixture(enum oprf_mode mode, struct fixture *fx)
{
	size_t i;
	const struct vec_block *kb = NULL, *vb = NULL;

	memset(fx, 0, sizeof(*fx));
	fx->mode = mode;
	for (i = 0; i < rfc.nblocks; i++) {
		if (rfc.blocks[i].mode != (int)mode)
			continue;
		if (rfc.blocks[i].is_key)
			kb = &rfc.blocks[i];
		else if (vec_count(vec_get(&rfc.blocks[i], "Input")) == 2)
			vb = &rfc.blocks[i];
	}
	assert_non_null(kb);
	assert_non_null(vb);
	check_key_block(kb, &fx->key);
	fx->n = 2;
	if (mode == OPRF_MODE_POPRF)
		fx->info_len = hex_any(vb, "Info", 0, fx->info, sizeof(fx->info));
	for (i = 0; i < 2; i++) {
		hex_exact(vb, "BlindedElement", i, fx->blinded + 32 * i, 32);
		hex_exact(vb, "EvaluationElement", i, fx->evaluated + 32 * i, 32);
	}
	hex_exact(vb, "Proof", 0, fx->proof, 64);
	assert_int_equal(oprf_verify_proof(mode, fx->key.pk, fx->info, fx->info_len, fx->blinded,
					   fx->evaluated, 2, fx->proof), 0);
}

static int verify_fx(const struct fixture *fx, const uint8_t *blinded, const uint8_t *evaluated,
		     const uint8_t *proof)
{
	return oprf_verify_proof(fx->mode, fx->key.pk, fx->info, fx->info_len, blinded, evaluated,
				 fx->n, proof);
}

static void check_rejections(enum oprf_mode mode)
{
	struct fixture fx;
	uint8_t p[64], e[64], b[64], tmp[64], out[64], other[32];
	size_t i, bit;

	load_batch_fixture(mode, &fx);

	/* every single-bit flip of the proof is rejected */
	for (bit = 0; bit < 512; bit++) {
		memcpy(p, fx.proof, 64);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);
	}
	/* proof scalars >= L are rejected even if equal mod L */
	memcpy(p, fx.proof, 64);
	sodium_add(p + 32, L_LE, 32);
	if (p[63] < 0x20) /* no overflow beyond 2^256 for these values */
		assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);

	/* a tampered evaluated element: bit flips, a valid but wrong point, swapped order */
	for (i = 0; i < 2; i++) {
		for (bit = 0; bit < 256; bit += 7) {
			memcpy(e, fx.evaluated, 64);
			e[32 * i + bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(verify_fx(&fx, fx.blinded, e, fx.proof), -1);
		}
		memcpy(e, fx.evaluated, 64);
		crypto_core_ristretto255_random(e + 32 * i);
		assert_int_equal(verify_fx(&fx, fx.blinded, e, fx.proof), -1);
		memcpy(b, fx.blinded, 64);
		crypto_core_ristretto255_random(b + 32 * i);
		assert_int_equal(verify_fx(&fx, b, fx.evaluated, fx.proof), -1);
	}
	memcpy(e, fx.evaluated + 32, 32);
	memcpy(e + 32, fx.evaluated, 32);
	assert_int_equal(verify_fx(&fx, fx.blinded, e, fx.proof), -1);
	/* wrong public key, wrong info */
	crypto_core_ristretto255_random(other);
	assert_int_equal(oprf_verify_proof(mode, other, fx.info, fx.info_len, fx.blinded,
					   fx.evaluated, 2, fx.proof), -1);
	if (mode == OPRF_MODE_POPRF)
		assert_int_equal(oprf_verify_proof(mode, fx.key.pk, (const uint8_t *)"x", 1,
						   fx.blinded, fx.evaluated, 2, fx.proof), -1);
	/* only a prefix of the batch */
	assert_int_equal(oprf_verify_proof(mode, fx.key.pk, fx.info, fx.info_len, fx.blinded,
					   fx.evaluated, 1, fx.proof), -1);
	/* n out of range */
	assert_int_equal(oprf_verify_proof(mode, fx.key.pk, fx.info, fx.info_len, fx.blinded,
					   fx.evaluated, 0, fx.proof), -1);

	/* the identity, anywhere */
	memset(tmp, 0, 32);
	assert_false(oprf_element_is_valid(tmp));
	memcpy(e, fx.evaluated, 64);
	memset(e + 32, 0, 32);
	assert_int_equal(verify_fx(&fx, fx.blinded, e, fx.proof), -1);
	memcpy(b, fx.blinded, 64);
	memset(b, 0, 32);
	assert_int_equal(verify_fx(&fx, b, fx.evaluated, fx.proof), -1);
	memset(e, 0xaa, sizeof(e));
	memset(p, 0xaa, sizeof(p));
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len, b,
					     2, e, p, NULL), -1);
	/* no partial output is left behind */
	assert_true(sodium_is_zero(e, 64));
	assert_true(sodium_is_zero(p, 64));
	memset(tmp, 0, 32);
	assert_int_equal(oprf_verify_proof(mode, tmp, fx.info, fx.info_len, fx.blinded,
					   fx.evaluated, 2, fx.proof), -1);
	assert_int_equal(oprf_finalize(mode, (const uint8_t *)"x", 1, fx.key.sk, tmp, fx.info,
				       fx.info_len, out), -1);

	/* non-canonical encodings: top bit set, odd ("negative") s */
	memcpy(b, fx.blinded, 64);
	b[31] |= 0x80;
	assert_false(oprf_element_is_valid(b));
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len, b,
					     2, tmp, p, NULL), -1);
	memcpy(b, fx.blinded, 64);
	b[0] |= 1;
	assert_false(oprf_element_is_valid(b));
	assert_int_equal(verify_fx(&fx, b, fx.evaluated, fx.proof), -1);
	/* s = p (2^255 - 19) encodes 0 non-canonically */
	memset(tmp, 0xff, 32);
	tmp[0] = 0xed;
	tmp[31] = 0x7f;
	assert_false(oprf_element_is_valid(tmp));

	/* scalars >= L: secret key, blind, proof random scalar */
	assert_int_equal(oprf_blind_evaluate(mode, L_LE, fx.key.pk, fx.info, fx.info_len,
					     fx.blinded, 2, tmp, p, NULL), -1);
	assert_int_equal(oprf_blind_with(mode, (const uint8_t *)"x", 1, L_LE, tmp), -1);
	assert_int_equal(oprf_finalize(mode, (const uint8_t *)"x", 1, L_LE, fx.evaluated,
				       fx.info, fx.info_len, out), -1);
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len,
					     fx.blinded, 2, tmp, p, L_LE), -1);
	assert_false(oprf_scalar_is_valid(L_LE));
	memcpy(tmp, L_LE, 32);
	tmp[0]--;
	assert_true(oprf_scalar_is_valid(tmp));
	/* zero scalar as key or blind */
	memset(tmp, 0, 32);
	assert_int_equal(oprf_blind_with(mode, (const uint8_t *)"x", 1, tmp, out), -1);
	assert_int_equal(oprf_evaluate(mode, tmp, (const uint8_t *)"x", 1, fx.info, fx.info_len,
				       out), -1);
	/* batch bounds and missing proof buffer */
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len,
					     fx.blinded, 0, tmp, p, NULL), -1);
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len,
					     fx.blinded, OPRF_MAX_BATCH + 1, tmp, p, NULL), -1);
	assert_int_equal(oprf_blind_evaluate(mode, fx.key.sk, fx.key.pk, fx.info, fx.info_len,
					     fx.blinded, 2, e, NULL, NULL), -1);
}

static void test_reject_voprf(void **state)
{
	(void)state;
	check_rejections(OPRF_MODE_VOPRF);
}

static void test_reject_poprf(void **state)
{
	(void)state;
	check_rejections(OPRF_MODE_POPRF);
}

/*
 * Non-canonical encodings of valid points: s and s + p (p = 2^255 - 19) for
 * the small s that encode a point (4 and 6), and the top bit set; each one
 * refused wherever an element comes from outside (breaker).
 */
static void test_noncanonical_everywhere(void **state)
{
	static const uint8_t p_le[32] = {
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	};
	struct fixture fx;
	uint8_t good[32], bad[3][32], b[64], e[64], p[64], out[64];
	int small, k;

	(void)state;
	load_batch_fixture(OPRF_MODE_VOPRF, &fx);
	for (small = 4; small <= 6; small += 2) {
		memset(good, 0, 32);
		good[0] = (uint8_t)small;
		assert_true(oprf_element_is_valid(good));
		memcpy(bad[0], p_le, 32);
		bad[0][0] = (uint8_t)(0xed + small); /* s + p, no carry */
		memcpy(bad[1], good, 32);
		bad[1][31] |= 0x80;
		memcpy(bad[2], good, 32);
		bad[2][0] |= 1; /* odd: negative */
		for (k = 0; k < 3; k++) {
			assert_false(oprf_element_is_valid(bad[k]));
			memcpy(b, fx.blinded, 64);
			memcpy(b + 32, bad[k], 32);
			assert_int_equal(oprf_blind_evaluate(OPRF_MODE_VOPRF, fx.key.sk, fx.key.pk, NULL, 0,
							     b, 2, e, p, NULL), -1);
			assert_int_equal(oprf_blind_evaluate(OPRF_MODE_OPRF, fx.key.sk, NULL, NULL, 0,
							     b, 2, e, NULL, NULL), -1);
			assert_int_equal(verify_fx(&fx, b, fx.evaluated, fx.proof), -1);
			memcpy(e, fx.evaluated, 64);
			memcpy(e, bad[k], 32);
			assert_int_equal(verify_fx(&fx, fx.blinded, e, fx.proof), -1);
			assert_int_equal(oprf_finalize(OPRF_MODE_VOPRF, (const uint8_t *)"x", 1, fx.key.sk,
						       bad[k], NULL, 0, out), -1);
			assert_int_equal(oprf_verify_proof(OPRF_MODE_VOPRF, bad[k], NULL, 0, fx.blinded,
							   fx.evaluated, 2, fx.proof), -1);
			assert_int_equal(oprf_verify_proof(OPRF_MODE_POPRF, bad[k], NULL, 0, fx.blinded,
							   fx.evaluated, 2, fx.proof), -1);
		}
	}
	/* proof c >= L (c + L) */
	memcpy(p, fx.proof, 64);
	sodium_add(p, L_LE, 32);
	assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);
	/* zero proof scalars (canonical, but never a valid proof) */
	memcpy(p, fx.proof, 64);
	memset(p, 0, 32);
	assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);
	memcpy(p, fx.proof, 64);
	memset(p + 32, 0, 32);
	assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);
	memset(p, 0, 64);
	assert_int_equal(verify_fx(&fx, fx.blinded, fx.evaluated, p), -1);
	assert_false(oprf_scalar_is_valid(NULL));
	assert_false(oprf_element_is_valid(NULL));
}

/* Lengths at and beyond the RFC's I2OSP(len, 2) limit; the largest batch. */
static void test_limits(void **state)
{
	enum { BIG = OPRF_MAX_INPUT_BYTES + 1 };
	uint8_t *big = calloc(1, BIG);
	uint8_t seed[32] = { 9 }, sk[32], pk[32], blind[32], be[32], ev[32], proof[64];
	uint8_t a[64], c[64];
	uint8_t blinds[(OPRF_MAX_BATCH + 1) * 32], blinded[(OPRF_MAX_BATCH + 1) * 32];
	uint8_t evaluated[(OPRF_MAX_BATCH + 1) * 32], in[OPRF_MAX_BATCH][4];
	size_t i;

	(void)state;
	assert_non_null(big);
	randombytes_buf(big, BIG);
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_POPRF, seed, big, OPRF_MAX_INPUT_BYTES, sk, pk), 0);
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_POPRF, seed, big, BIG, sk, pk), -1);
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_POPRF, seed, NULL, 0, sk, pk), 0);

	/* input of 65535 bytes: the whole POPRF path, with empty info and with the longest info */
	assert_int_equal(oprf_blind(OPRF_MODE_POPRF, big, OPRF_MAX_INPUT_BYTES, blind, be), 0);
	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_POPRF, sk, pk, NULL, 0, be, 1, ev, proof,
					     NULL), 0);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_POPRF, pk, NULL, 0, be, ev, 1, proof), 0);
	assert_int_equal(oprf_finalize(OPRF_MODE_POPRF, big, OPRF_MAX_INPUT_BYTES, blind, ev, NULL, 0,
				       a), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, big, OPRF_MAX_INPUT_BYTES, NULL, 0, c), 0);
	assert_memory_equal(a, c, 64);
	/* empty info is not "no info": a one-byte info gives another output */
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, big, 1, big, 1, a), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, big, 1, NULL, 0, c), 0);
	assert_memory_not_equal(a, c, 64);

	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_POPRF, sk, pk, big, OPRF_MAX_INPUT_BYTES, be, 1,
					     ev, proof, NULL), 0);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_POPRF, pk, big, OPRF_MAX_INPUT_BYTES, be, ev, 1,
					   proof), 0);
	assert_int_equal(oprf_finalize(OPRF_MODE_POPRF, big, OPRF_MAX_INPUT_BYTES, blind, ev, big,
				       OPRF_MAX_INPUT_BYTES, a), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, big, OPRF_MAX_INPUT_BYTES, big,
				       OPRF_MAX_INPUT_BYTES, c), 0);
	assert_memory_equal(a, c, 64);

	/* one byte more: refused everywhere */
	assert_int_equal(oprf_blind(OPRF_MODE_VOPRF, big, BIG, blind, be), -1);
	assert_int_equal(oprf_blind_with(OPRF_MODE_VOPRF, big, BIG, blind, be), -1);
	assert_int_equal(oprf_finalize(OPRF_MODE_VOPRF, big, BIG, blind, ev, NULL, 0, a), -1);
	assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, sk, big, BIG, NULL, 0, a), -1);
	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_POPRF, sk, pk, big, BIG, be, 1, ev, proof,
					     NULL), -1);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_POPRF, pk, big, BIG, be, ev, 1, proof), -1);
	assert_int_equal(oprf_finalize(OPRF_MODE_POPRF, big, 1, blind, ev, big, BIG, a), -1);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, big, 1, big, BIG, a), -1);
	free(big);

	/* the largest batch, one proof; one more element is refused */
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_VOPRF, seed, NULL, 0, sk, pk), 0);
	for (i = 0; i < OPRF_MAX_BATCH; i++) {
		in[i][0] = (uint8_t)i;
		in[i][1] = in[i][2] = in[i][3] = 0xb0;
		assert_int_equal(oprf_blind(OPRF_MODE_VOPRF, in[i], 4, blinds + 32 * i,
					    blinded + 32 * i), 0);
	}
	memcpy(blinded + 32 * OPRF_MAX_BATCH, blinded, 32);
	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_VOPRF, sk, pk, NULL, 0, blinded,
					     OPRF_MAX_BATCH, evaluated, proof, NULL), 0);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_VOPRF, pk, NULL, 0, blinded, evaluated,
					   OPRF_MAX_BATCH, proof), 0);
	for (i = 0; i < OPRF_MAX_BATCH; i++) {
		assert_int_equal(oprf_finalize(OPRF_MODE_VOPRF, in[i], 4, blinds + 32 * i,
					       evaluated + 32 * i, NULL, 0, a), 0);
		assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, sk, in[i], 4, NULL, 0, c), 0);
		assert_memory_equal(a, c, 64);
	}
	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_VOPRF, sk, pk, NULL, 0, blinded,
					     OPRF_MAX_BATCH + 1, evaluated, proof, NULL), -1);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_VOPRF, pk, NULL, 0, blinded, evaluated,
					   OPRF_MAX_BATCH + 1, proof), -1);
	assert_int_equal(oprf_verify_proof(OPRF_MODE_VOPRF, pk, NULL, 0, blinded, evaluated, 0,
					   proof), -1);
}

static void test_oprf_mode_has_no_proof(void **state)
{
	uint8_t pk[32], proof[64], blinded[32], evaluated[32], sk[32], blind[32];
	uint8_t seed[32] = { 1 };

	(void)state;
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_OPRF, seed, NULL, 0, sk, pk), 0);
	assert_int_equal(oprf_blind(OPRF_MODE_OPRF, (const uint8_t *)"in", 2, blind, blinded), 0);
	assert_int_equal(oprf_blind_evaluate(OPRF_MODE_OPRF, sk, NULL, NULL, 0, blinded, 1,
					     evaluated, proof, NULL), 0);
	memset(proof, 0, sizeof(proof));
	assert_int_equal(oprf_verify_proof(OPRF_MODE_OPRF, pk, NULL, 0, blinded, evaluated, 1,
					   proof), -1);
	assert_int_equal(oprf_derive_keypair((enum oprf_mode)3, seed, NULL, 0, sk, pk), -1);
}

/* Batches of 8 random inputs: Blind, BlindEvaluate (+proof), verify, Finalize == Evaluate. */
static void round_trip(enum oprf_mode mode, size_t count)
{
	enum { BATCH = 8 };
	uint8_t seed[32], sk[32], pk[32], info[40];
	uint8_t inputs[BATCH][48], blinds[BATCH * 32], blinded[BATCH * 32];
	uint8_t evaluated[BATCH * 32], proof[64], out[64], direct[64];
	size_t lens[BATCH], info_len = 0, done = 0, i;

	randombytes_buf(seed, sizeof(seed));
	assert_int_equal(oprf_derive_keypair(mode, seed, (const uint8_t *)"rt", 2, sk, pk), 0);
	while (done < count) {
		if (mode == OPRF_MODE_POPRF) {
			info_len = randombytes_uniform(sizeof(info) + 1);
			randombytes_buf(info, info_len);
		}
		for (i = 0; i < BATCH; i++) {
			lens[i] = randombytes_uniform(sizeof(inputs[i]) + 1);
			randombytes_buf(inputs[i], lens[i]);
			assert_int_equal(oprf_blind(mode, inputs[i], lens[i], blinds + 32 * i,
						    blinded + 32 * i), 0);
		}
		assert_int_equal(oprf_blind_evaluate(mode, sk, pk, info, info_len, blinded, BATCH,
						     evaluated, mode == OPRF_MODE_OPRF ? NULL : proof,
						     NULL), 0);
		if (mode != OPRF_MODE_OPRF)
			assert_int_equal(oprf_verify_proof(mode, pk, info, info_len, blinded,
							   evaluated, BATCH, proof), 0);
		for (i = 0; i < BATCH; i++) {
			assert_int_equal(oprf_finalize(mode, inputs[i], lens[i], blinds + 32 * i,
						       evaluated + 32 * i, info, info_len, out), 0);
			assert_int_equal(oprf_evaluate(mode, sk, inputs[i], lens[i], info, info_len,
						       direct), 0);
			assert_memory_equal(out, direct, 64);
		}
		done += BATCH;
	}
}

static size_t round_trip_count(void)
{
	const char *env = getenv("BC_OPRF_ROUNDTRIPS");

	if (env && *env)
		return (size_t)strtoul(env, NULL, 10);
	return UNDER_SANITIZER ? 200 : 2000;
}

static void test_round_trip_oprf(void **state)
{
	(void)state;
	round_trip(OPRF_MODE_OPRF, round_trip_count());
}

static void test_round_trip_voprf(void **state)
{
	(void)state;
	round_trip(OPRF_MODE_VOPRF, round_trip_count());
}

static void test_round_trip_poprf(void **state)
{
	(void)state;
	round_trip(OPRF_MODE_POPRF, round_trip_count());
}

/* The modes are domain-separated: same key bytes, same input, different outputs. */
static void test_modes_differ(void **state)
{
	uint8_t seed[32] = { 7 }, sk[32], pk[32], a[64], b[64], c[64];

	(void)state;
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_VOPRF, seed, NULL, 0, sk, pk), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_OPRF, sk, (const uint8_t *)"x", 1, NULL, 0, a), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, sk, (const uint8_t *)"x", 1, NULL, 0, b), 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, (const uint8_t *)"x", 1, NULL, 0, c), 0);
	assert_memory_not_equal(a, b, 64);
	assert_memory_not_equal(b, c, 64);
	assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, sk, (const uint8_t *)"x", 1,
				       (const uint8_t *)"i", 1, a), 0);
	assert_memory_not_equal(a, c, 64);
}

/* tests/vectors/index-v1.txt: key pairs and the y of every token */
static void test_index_v1(void **state)
{
	FILE *f = fopen(vec_path("index-v1.txt"), "r");
	char line[1024], input[512] = "", info[512] = "";
	uint8_t seed[32], want[64], y[64], sk[32], pk[32];
	int have_seed = 0, in_token = 0, have_info = 0, keys = 0;
	size_t tokens = 0, verified = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		char *val;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strncmp(line, "## token ", 9) == 0) {
			in_token = 1;
			have_info = 0;
			input[0] = '\0';
			continue;
		}
		val = strstr(line, " = ");
		if (!val)
			continue;
		*val = '\0';
		val += 3;
		if (!in_token && strcmp(line, "Seed") == 0) {
			assert_int_equal(sodium_hex2bin(seed, 32, val, strlen(val), NULL, NULL, NULL), 0);
			have_seed = 1;
		} else if (!in_token && (strcmp(line, "skS") == 0 || strcmp(line, "pkS") == 0 ||
					 strcmp(line, "skV") == 0 || strcmp(line, "pkV") == 0)) {
			int v = line[2] == 'V';
			const char *ki = v ? BC_KEY_INFO_VERIFIED : BC_KEY_INFO_STANDARD;

			assert_true(have_seed);
			assert_int_equal(oprf_derive_keypair(v ? OPRF_MODE_POPRF : OPRF_MODE_VOPRF,
							     seed, (const uint8_t *)ki, strlen(ki),
							     sk, pk), 0);
			assert_int_equal(sodium_hex2bin(want, 32, val, strlen(val), NULL, NULL, NULL), 0);
			assert_memory_equal(line[0] == 's' ? sk : pk, want, 32);
			keys++;
		} else if (in_token && strcmp(line, "Input") == 0) {
			assert_true(strlen(val) < sizeof(input));
			memcpy(input, val, strlen(val) + 1);
		} else if (in_token && strcmp(line, "Info") == 0) {
			assert_true(strlen(val) < sizeof(info));
			memcpy(info, val, strlen(val) + 1);
			have_info = 1;
		} else if (in_token && strcmp(line, "y") == 0) {
			enum oprf_mode mode = have_info ? OPRF_MODE_POPRF : OPRF_MODE_VOPRF;
			const char *ki = have_info ? BC_KEY_INFO_VERIFIED : BC_KEY_INFO_STANDARD;
			uint8_t blind[32], blinded[32], evaluated[32], proof[64];

			assert_true(input[0] != '\0');
			assert_int_equal(sodium_hex2bin(want, 64, val, strlen(val), NULL, NULL, NULL), 0);
			assert_int_equal(oprf_derive_keypair(mode, seed, (const uint8_t *)ki,
							     strlen(ki), sk, pk), 0);
			assert_int_equal(oprf_evaluate(mode, sk, (const uint8_t *)input, strlen(input),
						       (const uint8_t *)info,
						       have_info ? strlen(info) : 0, y), 0);
			assert_memory_equal(y, want, 64);
			/* and the client path */
			assert_int_equal(oprf_blind(mode, (const uint8_t *)input, strlen(input), blind,
						    blinded), 0);
			assert_int_equal(oprf_blind_evaluate(mode, sk, pk, (const uint8_t *)info,
							     have_info ? strlen(info) : 0, blinded, 1,
							     evaluated, proof, NULL), 0);
			assert_int_equal(oprf_verify_proof(mode, pk, (const uint8_t *)info,
							   have_info ? strlen(info) : 0, blinded,
							   evaluated, 1, proof), 0);
			assert_int_equal(oprf_finalize(mode, (const uint8_t *)input, strlen(input),
						       blind, evaluated, (const uint8_t *)info,
						       have_info ? strlen(info) : 0, y), 0);
			assert_memory_equal(y, want, 64);
			tokens++;
			verified += (size_t)have_info;
		}
	}
	fclose(f);
	assert_int_equal(keys, 4);
	assert_int_equal(tokens, 5);
	assert_int_equal(verified, 1);
}

/* oprf_evaluate from several threads at once gives the single-threaded outputs. */
enum { MT_THREADS = 4, MT_INPUTS = 64 };
static uint8_t mt_sk[32], mt_inputs[MT_INPUTS][16], mt_want[MT_INPUTS][64];
static uint8_t mt_got[MT_THREADS][MT_INPUTS][64];
static int mt_rc[MT_THREADS];

static void *mt_worker(void *arg)
{
	size_t t = (size_t)(uintptr_t)arg, i, rep;

	for (rep = 0; rep < 4; rep++)
		for (i = 0; i < MT_INPUTS; i++) {
			size_t j = (i + t * 7) % MT_INPUTS;
			enum oprf_mode mode = (enum oprf_mode)(j % 3);

			if (oprf_evaluate(mode, mt_sk, mt_inputs[j], sizeof(mt_inputs[j]),
					  (const uint8_t *)"info", 4, mt_got[t][j]) != 0)
				mt_rc[t] = -1;
		}
	return NULL;
}

static void test_evaluate_threads(void **state)
{
	pthread_t th[MT_THREADS];
	uint8_t seed[32] = { 3 }, pk[32];
	size_t i, t;

	(void)state;
	assert_int_equal(oprf_derive_keypair(OPRF_MODE_VOPRF, seed, NULL, 0, mt_sk, pk), 0);
	randombytes_buf(mt_inputs, sizeof(mt_inputs));
	for (i = 0; i < MT_INPUTS; i++)
		assert_int_equal(oprf_evaluate((enum oprf_mode)(i % 3), mt_sk, mt_inputs[i],
					       sizeof(mt_inputs[i]), (const uint8_t *)"info", 4,
					       mt_want[i]), 0);
	for (t = 0; t < MT_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, mt_worker, (void *)(uintptr_t)t), 0);
	for (t = 0; t < MT_THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	for (t = 0; t < MT_THREADS; t++) {
		assert_int_equal(mt_rc[t], 0);
		for (i = 0; i < MT_INPUTS; i++)
			assert_memory_equal(mt_got[t][i], mt_want[i], 64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_xmd_lengths),
		cmocka_unit_test(test_xmd_multiblock),
		cmocka_unit_test(test_xmd_matches_hash_to_group),
		cmocka_unit_test(test_streamed_lengths),
		cmocka_unit_test(test_reject_voprf),
		cmocka_unit_test(test_reject_poprf),
		cmocka_unit_test(test_noncanonical_everywhere),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_oprf_mode_has_no_proof),
		cmocka_unit_test(test_modes_differ),
		cmocka_unit_test(test_index_v1),
		cmocka_unit_test(test_evaluate_threads),
		cmocka_unit_test(test_round_trip_oprf),
		cmocka_unit_test(test_round_trip_voprf),
		cmocka_unit_test(test_round_trip_poprf),
	};

	return cmocka_run_group_tests(tests, load_rfc, free_rfc);
}
