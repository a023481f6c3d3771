/*
 * RFC 9497 for ristretto255-SHA512 on libsodium 1.0.18.
 *
 * Elements travel as their 32-byte encodings because libsodium's ristretto255
 * API is byte-based; every element that comes from outside goes through
 * element_ok() (canonical, not the identity) and every scalar through
 * scalar_ok() (< L) before use.
 */
#include <stdatomic.h>
#include <string.h>

#include <sodium.h>

#include "oprf/oprf.h"

#define CTX_BYTES 28 /* "OPRFV1-" || mode || "-ristretto255-SHA512" */
#define MAX_DST_BYTES 64
#define XMD_MAX_OUT (255 * crypto_hash_sha512_BYTES)

static const uint8_t L_BYTES[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
	0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

static int mode_ok(enum oprf_mode mode)
{
	return mode == OPRF_MODE_OPRF || mode == OPRF_MODE_VOPRF || mode == OPRF_MODE_POPRF;
}

/* sodium_init() takes a global lock on every call; skip it once done. */
static int lib_init(void)
{
	static atomic_int ready;

	if (atomic_load_explicit(&ready, memory_order_acquire))
		return 0;
	if (sodium_init() < 0)
		return -1;
	atomic_store_explicit(&ready, 1, memory_order_release);
	return 0;
}

static void context_string(enum oprf_mode mode, uint8_t ctx[CTX_BYTES])
{
	memcpy(ctx, "OPRFV1-", 7);
	ctx[7] = (uint8_t)mode;
	memcpy(ctx + 8, "-ristretto255-SHA512", 20);
}

/* prefix || contextString into dst; returns its length. */
static size_t make_dst(enum oprf_mode mode, const char *prefix, uint8_t dst[MAX_DST_BYTES])
{
	size_t plen = strlen(prefix);

	memcpy(dst, prefix, plen);
	context_string(mode, dst + plen);
	return plen + CTX_BYTES;
}

static void put_u16(uint8_t out[2], size_t v)
{
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)v;
}

/*
 * The SHA-512 calls below cannot fail in libsodium 1.0.18, but their int
 * results are still OR-ed into rc and turned into -1 by the callers.
 */
static int sha_u16(crypto_hash_sha512_state *st, size_t v)
{
	uint8_t b[2];

	put_u16(b, v);
	return crypto_hash_sha512_update(st, b, 2);
}

/* I2OSP(len, 2) || data */
static int sha_lv(crypto_hash_sha512_state *st, const uint8_t *data, size_t len)
{
	int rc = sha_u16(st, len);

	if (len)
		rc |= crypto_hash_sha512_update(st, data, len);
	return rc;
}

/*
 * libsodium 1.0.18's is_valid_point accepts the identity (all zeros) and
 * ignores bit 255 (it masks it off before decoding), so an encoding with
 * the top bit set passes as a second encoding of a valid point; RFC 9496
 * §4.3.1 requires rejecting both.
 */
static int element_ok(const uint8_t element[32])
{
	return (element[31] & 0x80) == 0 &&
	       !sodium_is_zero(element, OPRF_ELEMENT_BYTES) &&
	       crypto_core_ristretto255_is_valid_point(element) == 1;
}

int oprf_element_is_valid(const uint8_t element[32])
{
	if (lib_init() < 0 || !element)
		return 0;
	return element_ok(element);
}

static int scalar_ok(const uint8_t scalar[32])
{
	/* sodium_compare reads little-endian numbers, in constant time */
	return sodium_compare(scalar, L_BYTES, OPRF_SCALAR_BYTES) < 0;
}

int oprf_scalar_is_valid(const uint8_t scalar[32])
{
	if (lib_init() < 0 || !scalar)
		return 0;
	return scalar_ok(scalar);
}

int oprf_expand_message_xmd(uint8_t *out, size_t out_len,
			    const uint8_t *msg, size_t msg_len,
			    const uint8_t *dst, size_t dst_len)
{
	static const uint8_t z_pad[128];
	crypto_hash_sha512_state st;
	uint8_t b0[crypto_hash_sha512_BYTES], bi[crypto_hash_sha512_BYTES];
	uint8_t tail[3];
	size_t ell, i, j, off = 0;
	int rc = 0;

	if (out_len == 0 || out_len > XMD_MAX_OUT || dst_len == 0 || dst_len > 255)
		return -1;
	if (msg_len && !msg)
		return -1;
	ell = (out_len + crypto_hash_sha512_BYTES - 1) / crypto_hash_sha512_BYTES;

	rc |= crypto_hash_sha512_init(&st);
	rc |= crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
	if (msg_len)
		rc |= crypto_hash_sha512_update(&st, msg, msg_len);
	put_u16(tail, out_len);
	tail[2] = 0;
	rc |= crypto_hash_sha512_update(&st, tail, 3);
	rc |= crypto_hash_sha512_update(&st, dst, dst_len);
	tail[0] = (uint8_t)dst_len;
	rc |= crypto_hash_sha512_update(&st, tail, 1);
	rc |= crypto_hash_sha512_final(&st, b0);

	for (i = 1; i <= ell; i++) {
		size_t n;

		if (i == 1) {
			memcpy(bi, b0, sizeof(bi));
		} else {
			for (j = 0; j < sizeof(bi); j++)
				bi[j] ^= b0[j];
		}
		rc |= crypto_hash_sha512_init(&st);
		rc |= crypto_hash_sha512_update(&st, bi, sizeof(bi));
		tail[0] = (uint8_t)i;
		rc |= crypto_hash_sha512_update(&st, tail, 1);
		rc |= crypto_hash_sha512_update(&st, dst, dst_len);
		tail[0] = (uint8_t)dst_len;
		rc |= crypto_hash_sha512_update(&st, tail, 1);
		rc |= crypto_hash_sha512_final(&st, bi);
		n = out_len - off < sizeof(bi) ? out_len - off : sizeof(bi);
		memcpy(out + off, bi, n);
		off += n;
	}
	sodium_memzero(b0, sizeof(b0));
	sodium_memzero(bi, sizeof(bi));
	sodium_memzero(&st, sizeof(st));
	if (rc != 0)
		sodium_memzero(out, out_len);
	return rc != 0 ? -1 : 0;
}

/*
 * expand_message_xmd(msg, dst, 64) over a message given in pieces, so that
 * transcripts are streamed into SHA-512 instead of being assembled.
 */
struct piece {
	const uint8_t *p;
	size_t len;
};

static int xmd64(const struct piece *pc, size_t npc, const uint8_t *dst, size_t dst_len,
		 uint8_t out[64])
{
	static const uint8_t z_pad[128];
	crypto_hash_sha512_state st;
	uint8_t b0[64], tail[3];
	size_t i;
	int rc = 0;

	rc |= crypto_hash_sha512_init(&st);
	rc |= crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
	for (i = 0; i < npc; i++)
		if (pc[i].len)
			rc |= crypto_hash_sha512_update(&st, pc[i].p, pc[i].len);
	tail[0] = 0;
	tail[1] = 64;
	tail[2] = 0;
	rc |= crypto_hash_sha512_update(&st, tail, 3);
	rc |= crypto_hash_sha512_update(&st, dst, dst_len);
	tail[0] = (uint8_t)dst_len;
	rc |= crypto_hash_sha512_update(&st, tail, 1);
	rc |= crypto_hash_sha512_final(&st, b0);

	rc |= crypto_hash_sha512_init(&st);
	rc |= crypto_hash_sha512_update(&st, b0, sizeof(b0));
	tail[0] = 1;
	rc |= crypto_hash_sha512_update(&st, tail, 1);
	rc |= crypto_hash_sha512_update(&st, dst, dst_len);
	tail[0] = (uint8_t)dst_len;
	rc |= crypto_hash_sha512_update(&st, tail, 1);
	rc |= crypto_hash_sha512_final(&st, out);

	sodium_memzero(b0, sizeof(b0));
	sodium_memzero(&st, sizeof(st));
	return rc != 0 ? -1 : 0;
}

static int h2s_pieces(enum oprf_mode mode, const char *prefix,
		      const struct piece *pc, size_t npc, uint8_t scalar[32])
{
	uint8_t dst[MAX_DST_BYTES], u[64];
	size_t dst_len = make_dst(mode, prefix, dst);
	int ret = -1;

	if (xmd64(pc, npc, dst, dst_len, u) == 0) {
		crypto_core_ristretto255_scalar_reduce(scalar, u);
		ret = 0;
	}
	sodium_memzero(u, sizeof(u));
	return ret;
}

static int h2g(enum oprf_mode mode, const uint8_t *input, size_t len, uint8_t element[32])
{
	uint8_t dst[MAX_DST_BYTES], u[64];
	size_t dst_len = make_dst(mode, "HashToGroup-", dst);
	struct piece pc = { input, len };
	int ret = -1;

	if (xmd64(&pc, 1, dst, dst_len, u) == 0 &&
	    crypto_core_ristretto255_from_hash(element, u) == 0)
		ret = 0;
	sodium_memzero(u, sizeof(u));
	return ret;
}

int oprf_hash_to_group(enum oprf_mode mode, const uint8_t *input, size_t len,
		       uint8_t element[32])
{
	if (lib_init() < 0 || !mode_ok(mode) || (len && !input) || !element)
		return -1;
	return h2g(mode, input, len, element);
}

int oprf_hash_to_scalar(enum oprf_mode mode, const uint8_t *input, size_t len,
			uint8_t scalar[32])
{
	struct piece pc = { input, len };

	if (lib_init() < 0 || !mode_ok(mode) || (len && !input) || !scalar)
		return -1;
	return h2s_pieces(mode, "HashToScalar-", &pc, 1, scalar);
}

/* m = HashToScalar("Info" || I2OSP(len(info), 2) || info) (RFC 9497 §3.3.3) */
static int info_scalar(const uint8_t *info, size_t info_len, uint8_t m[32])
{
	uint8_t len2[2];
	struct piece pc[3] = {
		{ (const uint8_t *)"Info", 4 }, { len2, 2 }, { info, info_len },
	};

	put_u16(len2, info_len);
	return h2s_pieces(OPRF_MODE_POPRF, "HashToScalar-", pc, 3, m);
}

static int len_ok(const uint8_t *p, size_t len)
{
	return len <= OPRF_MAX_INPUT_BYTES && (len == 0 || p != NULL);
}

int oprf_derive_keypair(enum oprf_mode mode, const uint8_t seed[32],
			const uint8_t *info, size_t info_len,
			uint8_t sk[32], uint8_t pk[32])
{
	uint8_t len2[2], counter = 0;
	struct piece pc[4] = {
		{ seed, OPRF_SEED_BYTES }, { len2, 2 }, { info, info_len }, { &counter, 1 },
	};
	unsigned int i;
	int ret = -1;

	if (lib_init() < 0 || !mode_ok(mode) || !seed || !sk || !pk || !len_ok(info, info_len))
		return -1;
	put_u16(len2, info_len);
	for (i = 0; i < 256; i++) {
		counter = (uint8_t)i;
		if (h2s_pieces(mode, "DeriveKeyPair", pc, 4, sk) != 0)
			goto out;
		if (!sodium_is_zero(sk, OPRF_SCALAR_BYTES))
			break;
	}
	if (i == 256)
		goto out;
	if (crypto_scalarmult_ristretto255_base(pk, sk) != 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		sodium_memzero(sk, OPRF_SCALAR_BYTES);
	return ret;
}

int oprf_blind_with(enum oprf_mode mode, const uint8_t *input, size_t len,
		    const uint8_t blind[32], uint8_t blinded_element[32])
{
	uint8_t p[32];
	int ret = -1;

	if (lib_init() < 0 || !mode_ok(mode) || !len_ok(input, len) || !blind || !blinded_element)
		return -1;
	if (!scalar_ok(blind) || sodium_is_zero(blind, OPRF_SCALAR_BYTES))
		goto out;
	if (h2g(mode, input, len, p) < 0 || sodium_is_zero(p, sizeof(p)))
		goto out;
	if (crypto_scalarmult_ristretto255(blinded_element, blind, p) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(p, sizeof(p));
	return ret;
}

int oprf_blind(enum oprf_mode mode, const uint8_t *input, size_t len,
	       uint8_t blind[32], uint8_t blinded_element[32])
{
	int ret;

	if (lib_init() < 0 || !blind)
		return -1;
	crypto_core_ristretto255_scalar_random(blind);
	ret = oprf_blind_with(mode, input, len, blind, blinded_element);
	if (ret < 0)
		sodium_memzero(blind, OPRF_SCALAR_BYTES);
	return ret;
}

/*
 * Composite elements (RFC 9497 §2.2.1 ComputeCompositesFast when k is given,
 * §2.2.2 ComputeComposites when it is NULL): M = sum d_i C_i, and
 * Z = k M or Z = sum d_i D_i. B is the public key (serialized).
 */
static int composites(enum oprf_mode mode, const uint8_t *k, const uint8_t b[32],
		      const uint8_t *cs, const uint8_t *ds, size_t n,
		      uint8_t m[32], uint8_t z[32])
{
	crypto_hash_sha512_state st;
	uint8_t seed_dst[MAX_DST_BYTES], seed[64], i2[2], len32[2], len64[2];
	uint8_t d[32], t[32];
	size_t seed_dst_len, i;
	int have = 0, rc = 0, ret = -1;

	seed_dst_len = make_dst(mode, "Seed-", seed_dst);
	rc |= crypto_hash_sha512_init(&st);
	rc |= sha_lv(&st, b, 32);
	rc |= sha_lv(&st, seed_dst, seed_dst_len);
	rc |= crypto_hash_sha512_final(&st, seed);
	if (rc != 0)
		goto out;

	put_u16(len32, 32);
	put_u16(len64, 64);
	for (i = 0; i < n; i++) {
		const uint8_t *ci = cs + 32 * i, *di = ds + 32 * i;
		struct piece pc[8] = {
			{ len64, 2 }, { seed, 64 }, { i2, 2 },
			{ len32, 2 }, { ci, 32 }, { len32, 2 }, { di, 32 },
			{ (const uint8_t *)"Composite", 9 },
		};

		put_u16(i2, i);
		if (h2s_pieces(mode, "HashToScalar-", pc, 8, d) != 0)
			goto out;
		if (crypto_scalarmult_ristretto255(t, d, ci) != 0)
			goto out;
		if (!have) {
			memcpy(m, t, 32);
		} else if (crypto_core_ristretto255_add(m, m, t) != 0) {
			goto out;
		}
		if (!k) {
			if (crypto_scalarmult_ristretto255(t, d, di) != 0)
				goto out;
			if (!have)
				memcpy(z, t, 32);
			else if (crypto_core_ristretto255_add(z, z, t) != 0)
				goto out;
		}
		have = 1;
	}
	if (k && crypto_scalarmult_ristretto255(z, k, m) != 0)
		goto out;
	if (!element_ok(m) || !element_ok(z))
		goto out;
	ret = 0;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(d, sizeof(d));
	sodium_memzero(t, sizeof(t));
	return ret;
}

/* c = HashToScalar(Bm, M, Z, t2, t3 each length-prefixed || "Challenge") */
static int challenge(enum oprf_mode mode, const uint8_t b[32], const uint8_t m[32],
		     const uint8_t z[32], const uint8_t t2[32], const uint8_t t3[32],
		     uint8_t c[32])
{
	uint8_t len32[2];
	struct piece pc[11] = {
		{ len32, 2 }, { b, 32 }, { len32, 2 }, { m, 32 }, { len32, 2 }, { z, 32 },
		{ len32, 2 }, { t2, 32 }, { len32, 2 }, { t3, 32 },
		{ (const uint8_t *)"Challenge", 9 },
	};

	put_u16(len32, 32);
	return h2s_pieces(mode, "HashToScalar-", pc, 11, c);
}

/* GenerateProof(k, G, B, C, D, r) (RFC 9497 §2.2.1) */
static int generate_proof(enum oprf_mode mode, const uint8_t k[32], const uint8_t b[32],
			  const uint8_t *cs, const uint8_t *ds, size_t n,
			  const uint8_t r_in[32], uint8_t proof[64])
{
	uint8_t r[32], m[32], z[32], t2[32], t3[32], ck[32];
	int ret = -1;

	if (r_in) {
		if (!scalar_ok(r_in) || sodium_is_zero(r_in, 32))
			goto out;
		memcpy(r, r_in, 32);
	} else {
		crypto_core_ristretto255_scalar_random(r);
	}
	if (composites(mode, k, b, cs, ds, n, m, z) < 0)
		goto out;
	if (crypto_scalarmult_ristretto255_base(t2, r) != 0)
		goto out;
	if (crypto_scalarmult_ristretto255(t3, r, m) != 0)
		goto out;
	if (challenge(mode, b, m, z, t2, t3, proof) != 0)
		goto out;
	crypto_core_ristretto255_scalar_mul(ck, proof, k);
	crypto_core_ristretto255_scalar_sub(proof + 32, r, ck);
	ret = 0;
out:
	sodium_memzero(r, sizeof(r));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(t3, sizeof(t3));
	sodium_memzero(z, sizeof(z));
	return ret;
}

/* VerifyProof(G, B, C, D, proof) (RFC 9497 §2.2.2) */
static int verify_proof(enum oprf_mode mode, const uint8_t b[32],
			const uint8_t *cs, const uint8_t *ds, size_t n,
			const uint8_t proof[64])
{
	const uint8_t *c = proof, *s = proof + 32;
	uint8_t m[32], z[32], t2[32], t3[32], u[32], expected[32];

	if (!scalar_ok(c) || !scalar_ok(s))
		return -1;
	if (composites(mode, NULL, b, cs, ds, n, m, z) < 0)
		return -1;
	if (crypto_scalarmult_ristretto255_base(t2, s) != 0 ||
	    crypto_scalarmult_ristretto255(u, c, b) != 0 ||
	    crypto_core_ristretto255_add(t2, t2, u) != 0)
		return -1;
	if (crypto_scalarmult_ristretto255(t3, s, m) != 0 ||
	    crypto_scalarmult_ristretto255(u, c, z) != 0 ||
	    crypto_core_ristretto255_add(t3, t3, u) != 0)
		return -1;
	if (challenge(mode, b, m, z, t2, t3, expected) != 0)
		return -1;
	return sodium_memcmp(expected, c, 32) == 0 ? 0 : -1;
}

/* POPRF: t = sk + HashToScalar(framedInfo); fails if t = 0 (InverseError). */
static int tweak(const uint8_t sk[32], const uint8_t *info, size_t info_len, uint8_t t[32])
{
	uint8_t m[32];
	int ret = -1;

	if (info_scalar(info, info_len, m) == 0) {
		crypto_core_ristretto255_scalar_add(t, sk, m);
		ret = sodium_is_zero(t, 32) ? -1 : 0;
	}
	sodium_memzero(m, sizeof(m));
	return ret;
}

/* POPRF: t = tweak(sk, info) and tinv = 1/t, the key that evaluates (RFC 9497
 * §3.3.3). 0, or -1 for a bad info or a zero t. */
static int tweak_inverse(const uint8_t sk[32], const uint8_t *info, size_t info_len,
			 uint8_t t[32], uint8_t tinv[32])
{
	if (!len_ok(info, info_len) || tweak(sk, info, info_len, t) < 0)
		return -1;
	return crypto_core_ristretto255_scalar_invert(tinv, t) != 0 ? -1 : 0;
}

static int batch_ok(const uint8_t *elements, size_t n)
{
	size_t i;

	if (!elements || n == 0 || n > OPRF_MAX_BATCH)
		return 0;
	for (i = 0; i < n; i++)
		if (!element_ok(elements + 32 * i))
			return 0;
	return 1;
}

int oprf_blind_evaluate(enum oprf_mode mode, const uint8_t sk[32],
			const uint8_t pk[32], const uint8_t *info, size_t info_len,
			const uint8_t *blinded_elements, size_t n,
			uint8_t *evaluated_elements, uint8_t proof[64],
			const uint8_t *proof_random)
{
	uint8_t t[32], tinv[32], tk[32];
	const uint8_t *k = sk;
	size_t i;
	int ret = -1;

	if (lib_init() < 0 || !mode_ok(mode) || !sk || !evaluated_elements)
		return -1;
	if (!scalar_ok(sk) || sodium_is_zero(sk, 32) || !batch_ok(blinded_elements, n))
		goto out;
	if (mode != OPRF_MODE_OPRF && !proof)
		goto out;
	if (mode == OPRF_MODE_VOPRF && (!pk || !element_ok(pk)))
		goto out;
	if (mode == OPRF_MODE_POPRF) {
		if (tweak_inverse(sk, info, info_len, t, tinv) < 0)
			goto out;
		if (crypto_scalarmult_ristretto255_base(tk, t) != 0)
			goto out;
		k = tinv;
	}
	for (i = 0; i < n; i++)
		if (crypto_scalarmult_ristretto255(evaluated_elements + 32 * i, k,
						   blinded_elements + 32 * i) != 0)
			goto out;
	if (mode == OPRF_MODE_VOPRF &&
	    generate_proof(mode, sk, pk, blinded_elements, evaluated_elements, n,
			   proof_random, proof) < 0)
		goto out;
	if (mode == OPRF_MODE_POPRF &&
	    generate_proof(mode, t, tk, evaluated_elements, blinded_elements, n,
			   proof_random, proof) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		/* never leave a partial batch or proof for a careless caller */
		if (n > 0 && n <= OPRF_MAX_BATCH)
			sodium_memzero(evaluated_elements, 32 * n);
		if (proof)
			sodium_memzero(proof, OPRF_PROOF_BYTES);
	}
	sodium_memzero(t, sizeof(t));
	sodium_memzero(tinv, sizeof(tinv));
	return ret;
}

int oprf_verify_proof(enum oprf_mode mode, const uint8_t pk[32],
		      const uint8_t *info, size_t info_len,
		      const uint8_t *blinded_elements,
		      const uint8_t *evaluated_elements, size_t n,
		      const uint8_t proof[64])
{
	uint8_t m[32], tk[32];

	if (lib_init() < 0 || (mode != OPRF_MODE_VOPRF && mode != OPRF_MODE_POPRF))
		return -1;
	if (!pk || !proof || !element_ok(pk))
		return -1;
	if (!batch_ok(blinded_elements, n) || !batch_ok(evaluated_elements, n))
		return -1;
	if (mode == OPRF_MODE_VOPRF)
		return verify_proof(mode, pk, blinded_elements, evaluated_elements, n, proof);
	if (!len_ok(info, info_len))
		return -1;
	if (info_scalar(info, info_len, m) != 0 ||
	    crypto_scalarmult_ristretto255_base(tk, m) != 0 ||
	    crypto_core_ristretto255_add(tk, tk, pk) != 0 || !element_ok(tk))
		return -1;
	return verify_proof(mode, tk, evaluated_elements, blinded_elements, n, proof);
}

/* Hash(I2OSP(len(input), 2) || input [|| I2OSP(len(info), 2) || info]
 *      || I2OSP(32, 2) || element || "Finalize") */
static int finalize_hash(enum oprf_mode mode, const uint8_t *input, size_t len,
			 const uint8_t *info, size_t info_len,
			 const uint8_t element[32], uint8_t output[64])
{
	crypto_hash_sha512_state st;
	int rc = 0;

	rc |= crypto_hash_sha512_init(&st);
	rc |= sha_lv(&st, input, len);
	if (mode == OPRF_MODE_POPRF)
		rc |= sha_lv(&st, info, info_len);
	rc |= sha_lv(&st, element, 32);
	rc |= crypto_hash_sha512_update(&st, (const uint8_t *)"Finalize", 8);
	rc |= crypto_hash_sha512_final(&st, output);
	sodium_memzero(&st, sizeof(st));
	return rc != 0 ? -1 : 0;
}

/* The last step of Finalize and Evaluate: element = scalar * point, then
 * finalize_hash over it; the product is wiped. 0, or -1. */
static int mul_finalize(enum oprf_mode mode, const uint8_t *input, size_t len,
			const uint8_t *info, size_t info_len, const uint8_t scalar[32],
			const uint8_t point[32], uint8_t output[64])
{
	uint8_t e[32];
	int rc;

	rc = crypto_scalarmult_ristretto255(e, scalar, point) != 0 ||
	     finalize_hash(mode, input, len, info, info_len, e, output) != 0;
	sodium_memzero(e, sizeof(e));
	return rc ? -1 : 0;
}

int oprf_finalize(enum oprf_mode mode, const uint8_t *input, size_t len,
		  const uint8_t blind[32], const uint8_t evaluated_element[32],
		  const uint8_t *info, size_t info_len, uint8_t output[64])
{
	uint8_t inv[32];
	int ret = -1;

	if (lib_init() < 0 || !mode_ok(mode) || !len_ok(input, len) || !blind ||
	    !evaluated_element || !output)
		return -1;
	if (mode == OPRF_MODE_POPRF && !len_ok(info, info_len))
		return -1;
	if (!scalar_ok(blind) || !element_ok(evaluated_element))
		goto out;
	if (crypto_core_ristretto255_scalar_invert(inv, blind) != 0)
		goto out;
	if (mul_finalize(mode, input, len, info, info_len, inv, evaluated_element, output) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(inv, sizeof(inv));
	return ret;
}

int oprf_evaluate(enum oprf_mode mode, const uint8_t sk[32],
		  const uint8_t *input, size_t len,
		  const uint8_t *info, size_t info_len, uint8_t output[64])
{
	uint8_t p[32], t[32], tinv[32];
	const uint8_t *k = sk;
	int ret = -1;

	if (lib_init() < 0 || !mode_ok(mode) || !sk || !len_ok(input, len) || !output)
		return -1;
	if (!scalar_ok(sk) || sodium_is_zero(sk, 32))
		goto out;
	if (mode == OPRF_MODE_POPRF) {
		if (tweak_inverse(sk, info, info_len, t, tinv) < 0)
			goto out;
		k = tinv;
	}
	if (h2g(mode, input, len, p) < 0 || sodium_is_zero(p, sizeof(p)))
		goto out;
	if (mul_finalize(mode, input, len, info, info_len, k, p, output) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(t, sizeof(t));
	sodium_memzero(tinv, sizeof(tinv));
	return ret;
}

/*
 * Montgomery's trick: the n inversions of t_i = sk + m_i share one, so a
 * POPRF evaluation costs what a VOPRF one does.
 */
int oprf_evaluate_poprf_batch(const uint8_t sk[32], size_t n,
			      const uint8_t *const *input, const size_t *input_len,
			      const uint8_t *const *info, const size_t *info_len,
			      uint8_t *output)
{
	uint8_t t[OPRF_MAX_BATCH][32], pre[OPRF_MAX_BATCH][32], inv[32], ti[32], p[32];
	size_t i;
	int ret = -1;

	if (n == 0)
		return 0;
	if (lib_init() < 0 || n > OPRF_MAX_BATCH || !sk || !input || !input_len || !info ||
	    !info_len || !output)
		return -1;
	if (!scalar_ok(sk) || sodium_is_zero(sk, 32))
		goto out;
	for (i = 0; i < n; i++) {
		if (!len_ok(input[i], input_len[i]) || !len_ok(info[i], info_len[i]) ||
		    tweak(sk, info[i], info_len[i], t[i]) < 0)
			goto out;
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
		if (h2g(OPRF_MODE_POPRF, input[i], input_len[i], p) < 0 ||
		    sodium_is_zero(p, sizeof(p)) ||
		    mul_finalize(OPRF_MODE_POPRF, input[i], input_len[i], info[i], info_len[i], ti,
				 p, output + i * OPRF_OUTPUT_BYTES) != 0)
			goto out;
	}
	ret = 0;
out:
	sodium_memzero(t, sizeof(t));
	sodium_memzero(pre, sizeof(pre));
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(ti, sizeof(ti));
	return ret;
}
