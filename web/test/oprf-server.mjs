// Server-side RFC 9497 operations (DeriveKeyPair, BlindEvaluate with
// GenerateProof, Evaluate), for checking vectors in tests only: the page
// never holds a key.
import { sha512 } from '@noble/hashes/sha2.js';
import {
  Point, ORDER, MODE_POPRF, concat, i2osp, contextString, hashToScalar, hashToGroup,
  scalarToBytes, mul, challenge, computeComposites,
} from '../src/oprf.js';

const enc = new TextEncoder();
const lp = (b) => concat(i2osp(b.length, 2), b);

// RFC 9497 §3.2.1 DeriveKeyPair(seed, info) -> { sk (scalar), pk (32 bytes) }.
export function deriveKeyPair(seed, info, mode) {
  const deriveInput = concat(seed, lp(info));
  const dst = concat(enc.encode('DeriveKeyPair'), contextString(mode));
  for (let counter = 0; counter < 256; counter++) {
    const sk = hashToScalar(concat(deriveInput, i2osp(counter, 1)), mode, dst);
    if (sk !== 0n) return { sk, pk: mul(Point.BASE, sk).toBytes() };
  }
  throw new Error('DeriveKeyPairError');
}

// RFC 9497 §2.2.1 GenerateProof(k, A, B, C, D) with a given r.
export function generateProof(k, A, B, C, D, r, mode) {
  const { M, Z } = computeComposites(B, C, D, mode);
  const t2 = mul(A, r);
  const t3 = mul(M, r);
  const c = challenge(B, M, Z, t2, t3, mode);
  const s = (((r - c * k) % ORDER) + ORDER) % ORDER;
  return concat(scalarToBytes(c), scalarToBytes(s));
}

function tweak(sk, info) {
  const m = hashToScalar(concat(enc.encode('Info'), lp(info)), MODE_POPRF);
  const t = (sk + m) % ORDER;
  if (t === 0n) throw new Error('InverseError');
  return t;
}

// RFC 9497 §3.3.2 (VOPRF) / §3.3.3 (POPRF) BlindEvaluate on a batch.
export function blindEvaluate(sk, blindedBytes, r, mode, info) {
  const C = blindedBytes.map((b) => Point.fromBytes(b));
  if (mode === MODE_POPRF) {
    const t = tweak(sk, info);
    const tinv = Point.Fn.inv(t);
    const D = C.map((p) => mul(p, tinv));
    const proof = generateProof(t, Point.BASE, mul(Point.BASE, t), D, C, r, mode);
    return { evaluated: D.map((p) => p.toBytes()), proof };
  }
  const D = C.map((p) => mul(p, sk));
  const proof = generateProof(sk, Point.BASE, mul(Point.BASE, sk), C, D, r, mode);
  return { evaluated: D.map((p) => p.toBytes()), proof };
}

// RFC 9497 §3.3.1-3 Evaluate(sk, input[, info]) -> 64-byte output.
export function evaluate(sk, input, mode, info) {
  const P = hashToGroup(input, mode);
  if (mode === MODE_POPRF) {
    const issued = mul(P, Point.Fn.inv(tweak(sk, info))).toBytes();
    return sha512(concat(lp(input), lp(info), lp(issued), enc.encode('Finalize')));
  }
  const issued = mul(P, sk).toBytes();
  return sha512(concat(lp(input), lp(issued), enc.encode('Finalize')));
}
