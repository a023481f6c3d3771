// RFC 9497 (OPRF, ristretto255-SHA512), client side: Blind, Finalize and
// VerifyProof for the VOPRF mode, over @noble/curves' ristretto255 group and
// @noble/hashes' SHA-512. Server-side operations for tests live in
// test/oprf-server.mjs, not in the page.
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

export const Point = ristretto255.Point;
export const ORDER = Point.Fn.ORDER;
export const ELEMENT_BYTES = 32;
export const SCALAR_BYTES = 32;
export const PROOF_BYTES = 64;
export const OUTPUT_BYTES = 64;
export const MODE_OPRF = 0x00;
export const MODE_VOPRF = 0x01;
export const MODE_POPRF = 0x02;

const enc = new TextEncoder();
const SUITE = 'ristretto255-SHA512';

export function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function i2osp(v, len) {
  if (v < 0 || v >= 2 ** (8 * len)) throw new RangeError('i2osp: value too large');
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) { out[i] = v & 0xff; v = Math.floor(v / 256); }
  return out;
}

// len-prefixed (2 bytes) string, as the RFC's transcripts use.
const lp = (b) => concat(i2osp(b.length, 2), b);

// RFC 9497 §3.1: "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier.
export function contextString(mode) {
  return concat(enc.encode('OPRFV1-'), i2osp(mode, 1), enc.encode('-' + SUITE));
}

// RFC 9380 §5.3.1 expand_message_xmd with SHA-512 (b = 64, r = 128 bytes).
export function expandMessageXmd(msg, dst, lenInBytes) {
  if (dst.length > 255) throw new RangeError('expand_message_xmd: DST too long');
  const ell = Math.ceil(lenInBytes / 64);
  if (ell > 255 || lenInBytes > 65535) throw new RangeError('expand_message_xmd: length too large');
  const dstPrime = concat(dst, i2osp(dst.length, 1));
  const b0 = sha512(concat(new Uint8Array(128), msg, i2osp(lenInBytes, 2), i2osp(0, 1), dstPrime));
  const blocks = [sha512(concat(b0, i2osp(1, 1), dstPrime))];
  for (let i = 2; i <= ell; i++) {
    const prev = blocks[i - 2];
    const x = b0.map((v, j) => v ^ prev[j]);
    blocks.push(sha512(concat(x, i2osp(i, 1), dstPrime)));
  }
  return concat(...blocks).slice(0, lenInBytes);
}

function bytesToNumberLE(b) {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

export function scalarToBytes(s) {
  const out = new Uint8Array(32);
  let n = s;
  for (let i = 0; i < 32; i++) { out[i] = Number(n & 0xffn); n >>= 8n; }
  return out;
}

// Canonical scalar (< group order), RFC 9497 §4.1 DeserializeScalar.
export function scalarFromBytes(b) {
  if (b.length !== 32) throw new Error('bad scalar length');
  const s = bytesToNumberLE(b);
  if (s >= ORDER) throw new Error('non-canonical scalar');
  return s;
}

// RFC 9497 §4.1: HashToGroup = hash_to_ristretto255 (RFC 9380 App. B) with
// DST "HashToGroup-" || contextString.
export function hashToGroup(msg, mode) {
  const dst = concat(enc.encode('HashToGroup-'), contextString(mode));
  return ristretto255_hasher.deriveToCurve(expandMessageXmd(msg, dst, 64));
}

// RFC 9497 §4.1: HashToScalar, 64 uniform bytes read little-endian mod L.
// dst defaults to "HashToScalar-" || contextString.
export function hashToScalar(msg, mode, dst) {
  const d = dst ?? concat(enc.encode('HashToScalar-'), contextString(mode));
  return bytesToNumberLE(expandMessageXmd(msg, d, 64)) % ORDER;
}

// Element deserialisation: canonical encoding, not the identity (RFC 9497 §4.1).
export function elementFromBytes(b) {
  if (!(b instanceof Uint8Array) || b.length !== ELEMENT_BYTES) throw new Error('bad element length');
  const p = Point.fromBytes(b);
  if (p.is0()) throw new Error('identity element');
  return p;
}

export function randomScalar() {
  for (;;) {
    const b = crypto.getRandomValues(new Uint8Array(64));
    const s = bytesToNumberLE(b) % ORDER;
    if (s !== 0n) return s;
  }
}

// RFC 9497 §3.3.1 Blind. input: Uint8Array. blind: optional scalar (tests).
// Returns { blind (scalar), blindedElement (32 bytes) }.
export function blind(input, mode = MODE_VOPRF, blindScalar = randomScalar()) {
  const p = hashToGroup(input, mode);
  if (p.is0()) throw new Error('InvalidInputError');
  return { blind: blindScalar, blindedElement: p.multiply(blindScalar).toBytes() };
}

// A random group element, indistinguishable from a blinded element: padding.
export function dummyElement() {
  return Point.BASE.multiply(randomScalar()).toBytes();
}

// RFC 9497 §3.3.1 / §3.3.2 Finalize (OPRF and VOPRF share it; POPRF adds info).
export function finalize(input, blindScalar, evaluatedElement, info) {
  const z = elementFromBytes(evaluatedElement);
  const inv = Point.Fn.inv(blindScalar);
  const unblinded = z.multiply(inv).toBytes();
  const parts = [lp(input)];
  if (info !== undefined) parts.push(lp(info));
  parts.push(lp(unblinded), enc.encode('Finalize'));
  return sha512(concat(...parts));
}

// Scalar multiplication accepting 0 (noble rejects 0 in multiply()).
export function mul(P, s) {
  const r = s % ORDER;
  return r === 0n ? Point.ZERO : P.multiply(r);
}

export function challenge(B, M, Z, t2, t3, mode) {
  const t = concat(lp(B.toBytes()), lp(M.toBytes()), lp(Z.toBytes()), lp(t2.toBytes()), lp(t3.toBytes()),
    enc.encode('Challenge'));
  return hashToScalar(t, mode);
}

// RFC 9497 §3.3.3: the POPRF tweaked key, pkS + HashToScalar("Info" || len || info) × G.
export function poprfTweakedKey(pk, info) {
  const m = hashToScalar(concat(enc.encode('Info'), lp(info)), MODE_POPRF);
  const T = mul(Point.BASE, m).add(elementFromBytes(pk));
  if (T.is0()) throw new Error('InverseError');
  return T.toBytes();
}

// RFC 9497 §2.2.2 VerifyProof with A = generator, B = pkS (VOPRF) or
// tweaked key (POPRF). blinded/evaluated: arrays of 32-byte encodings;
// proof: 64 bytes (c || s). Returns true or false; malformed input -> false.
export function verifyProof(pk, blinded, evaluated, proof, mode = MODE_VOPRF) {
  try {
    if (blinded.length !== evaluated.length || blinded.length === 0) return false;
    if (proof.length !== PROOF_BYTES) return false;
    const B = elementFromBytes(pk);
    const C = blinded.map(elementFromBytes);
    const D = evaluated.map(elementFromBytes);
    const { M, Z } = computeComposites(B, C, D, mode);
    const c = scalarFromBytes(proof.slice(0, 32));
    const s = scalarFromBytes(proof.slice(32, 64));
    const t2 = mul(Point.BASE, s).add(mul(B, c));
    const t3 = mul(M, s).add(mul(Z, c));
    return challenge(B, M, Z, t2, t3, mode) === c;
  } catch {
    return false;
  }
}

// RFC 9497 §2.2.1 ComputeComposites (client side, without the secret key).
export function computeComposites(B, C, D, mode) {
  const Bm = B.toBytes();
  const seed = sha512(concat(lp(Bm), lp(concat(enc.encode('Seed-'), contextString(mode)))));
  let M = Point.ZERO;
  let Z = Point.ZERO;
  for (let i = 0; i < C.length; i++) {
    const t = concat(lp(seed), i2osp(i, 2), lp(C[i].toBytes()), lp(D[i].toBytes()), enc.encode('Composite'));
    const di = hashToScalar(t, mode);
    M = M.add(mul(C[i], di));
    Z = Z.add(mul(D[i], di));
  }
  return { M, Z };
}
