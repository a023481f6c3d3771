#ifndef BC_OPRF_OPRF_H
#define BC_OPRF_OPRF_H

/*
 * RFC 9497 (OPRF, VOPRF, POPRF) for the ristretto255-SHA512 suite, on
 * libsodium >= 1.0.18. Knows nothing of leaks, indexes or HTTP.
 *
 * Conventions (libsodium style): the caller owns every buffer; functions
 * return 0 on success and -1 on failure (invalid input, a non-canonical or
 * identity element, a scalar >= L, a proof that does not verify, an internal
 * libsodium failure). Outputs are left unspecified on failure. Every function
 * is thread-safe and calls sodium_init() itself (idempotent); none allocates.
 * Secret intermediates are wiped with sodium_memzero before return.
 *
 * Sizes: elements and scalars are 32 bytes, a proof is 64 bytes (c || s),
 * an output 64 bytes (SHA-512).
 */

#include <stddef.h>
#include <stdint.h>

#define OPRF_ELEMENT_BYTES 32
#define OPRF_SCALAR_BYTES 32
#define OPRF_PROOF_BYTES 64
#define OPRF_OUTPUT_BYTES 64
#define OPRF_SEED_BYTES 32
#define OPRF_MAX_BATCH 64
/* Longest input or info accepted (RFC 9497 §3.3: lengths are I2OSP(len, 2)). */
#define OPRF_MAX_INPUT_BYTES 65535

enum oprf_mode { OPRF_MODE_OPRF = 0, OPRF_MODE_VOPRF = 1, OPRF_MODE_POPRF = 2 };

/*
 * Derive a key pair from a seed (RFC 9497 §3.2.1 DeriveKeyPair).
 * seed: 32 bytes. info: info_len bytes (may be NULL when info_len is 0),
 * info_len <= 65535. sk, pk: caller-provided, 32 bytes each.
 * Returns 0, or -1 on a bad mode/length (or the 2^-250 case of 256 failed
 * derivations).
 */
int oprf_derive_keypair(enum oprf_mode mode, const uint8_t seed[OPRF_SEED_BYTES],
			const uint8_t *info, size_t info_len,
			uint8_t sk[OPRF_SCALAR_BYTES], uint8_t pk[OPRF_ELEMENT_BYTES]);

/*
 * Client: blind an input with a fresh random scalar (RFC 9497 §3.3.1 Blind).
 * input: len bytes, len <= 65535. blind: out, 32 bytes (keep it secret, for
 * oprf_finalize). blinded_element: out, 32 bytes.
 * Returns 0, or -1 if the input hashes to the identity (InvalidInputError)
 * or on a bad length/mode.
 */
int oprf_blind(enum oprf_mode mode, const uint8_t *input, size_t len,
	       uint8_t blind[OPRF_SCALAR_BYTES], uint8_t blinded_element[OPRF_ELEMENT_BYTES]);

/* Same as oprf_blind with a given blind scalar (tests, vectors): -1 also if
 * blind is zero or >= L. */
int oprf_blind_with(enum oprf_mode mode, const uint8_t *input, size_t len,
		    const uint8_t blind[OPRF_SCALAR_BYTES], uint8_t blinded_element[OPRF_ELEMENT_BYTES]);

/*
 * Server: evaluate a batch of blinded elements (RFC 9497 §3.3.1 BlindEvaluate
 * for OPRF, §3.3.2 for VOPRF with GenerateProof §2.2.1, §3.3.3 for POPRF).
 * sk: 32 bytes. pk: 32 bytes (pkS; needed for the VOPRF proof, ignored in
 * OPRF and POPRF modes, may be NULL there). info: POPRF public info,
 * info_len <= 65535, ignored in the other modes.
 * blinded_elements: n x 32 bytes, n in 1..OPRF_MAX_BATCH.
 * evaluated_elements: out, n x 32 bytes. proof: out, 64 bytes; may be NULL
 * in OPRF mode (ignored there), required in VOPRF and POPRF modes.
 * proof_random: NULL (a fresh random scalar) or 32 bytes (tests, vectors).
 * Returns 0, or -1 if an element is not canonical or is the identity, a
 * scalar is >= L or zero, the POPRF tweaked key is zero (InverseError),
 * or on a bad argument.
 */
int oprf_blind_evaluate(enum oprf_mode mode, const uint8_t sk[OPRF_SCALAR_BYTES],
			const uint8_t pk[OPRF_ELEMENT_BYTES], const uint8_t *info, size_t info_len,
			const uint8_t *blinded_elements, size_t n,
			uint8_t *evaluated_elements, uint8_t proof[OPRF_PROOF_BYTES],
			const uint8_t *proof_random /* NULL or 32 */);

/*
 * Client: verify the batched DLEQ proof (RFC 9497 §2.2.2 VerifyProof with
 * ComputeComposites) of a VOPRF or POPRF evaluation.
 * pk: the server's public key (pkS, 32 bytes). info: POPRF public info.
 * blinded_elements, evaluated_elements: n x 32 bytes each, n in
 * 1..OPRF_MAX_BATCH. proof: 64 bytes.
 * Returns 0 if the proof verifies, -1 otherwise (including any invalid
 * element or scalar, or OPRF mode, which has no proof).
 */
int oprf_verify_proof(enum oprf_mode mode, const uint8_t pk[OPRF_ELEMENT_BYTES],
		      const uint8_t *info, size_t info_len,
		      const uint8_t *blinded_elements,
		      const uint8_t *evaluated_elements, size_t n,
		      const uint8_t proof[OPRF_PROOF_BYTES]) __attribute__((warn_unused_result));

/*
 * Client: unblind and hash one evaluated element (RFC 9497 §3.3.1/§3.3.2/
 * §3.3.3 Finalize). Does NOT verify the proof: call oprf_verify_proof on
 * the whole batch first in VOPRF and POPRF modes.
 * input: the len bytes given to oprf_blind. blind: 32 bytes from oprf_blind.
 * evaluated_element: 32 bytes. info: POPRF info (ignored otherwise).
 * output: out, 64 bytes.
 * Returns 0, or -1 if the element is invalid or the blind is zero or >= L.
 */
int oprf_finalize(enum oprf_mode mode, const uint8_t *input, size_t len,
		  const uint8_t blind[OPRF_SCALAR_BYTES], const uint8_t evaluated_element[OPRF_ELEMENT_BYTES],
		  const uint8_t *info, size_t info_len, uint8_t output[OPRF_OUTPUT_BYTES]) __attribute__((warn_unused_result));

/*
 * Server-side direct evaluation (RFC 9497 §3.3.1/§3.3.2 Evaluate, §3.3.3
 * for POPRF): the same 64-byte output as Blind + BlindEvaluate + Finalize.
 * sk: 32 bytes. input: len bytes. info: POPRF info (ignored otherwise).
 * output: out, 64 bytes. Thread-safe, no allocation.
 * Returns 0, or -1 if the input hashes to the identity, sk is invalid, or
 * the POPRF tweaked key is zero.
 */
int oprf_evaluate(enum oprf_mode mode, const uint8_t sk[OPRF_SCALAR_BYTES],
		  const uint8_t *input, size_t len,
		  const uint8_t *info, size_t info_len, uint8_t output[OPRF_OUTPUT_BYTES]);

/*
 * POPRF direct evaluation of a batch (RFC 9497 §3.3.3 Evaluate) with one
 * scalar inversion for the whole batch: the same outputs as n calls of
 * oprf_evaluate(OPRF_MODE_POPRF, ...). n in 0..OPRF_MAX_BATCH; input[i] of
 * input_len[i] bytes, info[i] of info_len[i] bytes (each <= OPRF_MAX_INPUT_BYTES).
 * output: caller's buffer of n x 64 bytes. Thread-safe, no allocation.
 * Returns 0, or -1 if any input fails (sk invalid, an input hashing to the
 * identity, a tweaked key of zero, a bad length): the caller then evaluates
 * one by one to find it.
 */
int oprf_evaluate_poprf_batch(const uint8_t sk[OPRF_SCALAR_BYTES], size_t n,
			      const uint8_t *const *input, const size_t *input_len,
			      const uint8_t *const *info, const size_t *info_len,
			      uint8_t *output);

/* 1 if element is the canonical encoding of a non-identity ristretto255
 * point (RFC 9497 §4.1 DeserializeElement), else 0. */
int oprf_element_is_valid(const uint8_t element[OPRF_ELEMENT_BYTES]) __attribute__((warn_unused_result));

/* 1 if scalar is a canonical (< L) encoding (RFC 9497 §4.1
 * DeserializeScalar), else 0 (also for NULL). Zero is canonical. */
int oprf_scalar_is_valid(const uint8_t scalar[OPRF_SCALAR_BYTES]) __attribute__((warn_unused_result));

/*
 * Primitives exposed for tests and benchmarks (RFC 9497 §4.1, RFC 9380
 * §5.3.1). mode selects the context string "OPRFV1-" || mode || "-ristretto255-SHA512".
 */

/* expand_message_xmd with SHA-512 (RFC 9380 §5.3.1). out_len in 1..255*64,
 * dst_len in 1..255. Returns 0 or -1 on bad lengths. */
int oprf_expand_message_xmd(uint8_t *out, size_t out_len,
			    const uint8_t *msg, size_t msg_len,
			    const uint8_t *dst, size_t dst_len);

/* HashToGroup(input) with DST "HashToGroup-" || contextString: out 32 bytes.
 * Returns 0, or -1 on a bad length/mode (the identity is NOT rejected here). */
int oprf_hash_to_group(enum oprf_mode mode, const uint8_t *input, size_t len,
		       uint8_t element[OPRF_ELEMENT_BYTES]);

/* HashToScalar(input) with DST "HashToScalar-" || contextString: out 32
 * bytes, reduced mod L. Returns 0 or -1 on a bad length/mode. */
int oprf_hash_to_scalar(enum oprf_mode mode, const uint8_t *input, size_t len,
			uint8_t scalar[OPRF_SCALAR_BYTES]);

#endif
