// Index format v1 (DESIGN.md §5), the client's side: keyed BLAKE2b
// derivations from an OPRF output y, entry decryption, payload decoding,
// bucket lookup and integrity checks. Same bytes as src/index (vectors/index-v1.txt).
import { blake2b } from '@noble/hashes/blake2.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat } from './oprf.js';
import { CLASS_BITS, KIND_NAMES, PAYLOAD_BYTES, PAYLOAD_VERSION, SOURCE_NONE } from './vocab.js';

export const ENTRY_BYTES = 48;
export const TAG_BYTES = 16;
export { PAYLOAD_BYTES, SOURCE_NONE, CLASS_BITS };
export const HASH_BYTES = 32;

const enc = new TextEncoder();
const u32le = (v) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

// bucket32 = first 4 bytes, big-endian, of BLAKE2b-256(key = y, "bucket" || salt).
export function bucket32(y, salt) {
  const h = blake2b(concat(enc.encode('bucket'), salt), { key: y, dkLen: 32 });
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

// bucket = bucket32 >> (32 - bits), 0 when bits = 0.
export function bucketOf(b32, bits) {
  return bits === 0 ? 0 : b32 >>> (32 - bits);
}

// tag = BLAKE2b-128(key = y, "tag" || salt || u32le(breach_id)).
export function entryTag(y, salt, breachId) {
  return blake2b(concat(enc.encode('tag'), salt, u32le(breachId)), { key: y, dkLen: 16 });
}

// k = BLAKE2b-256(key = y, "key" || salt || u32le(breach_id)).
export function entryKey(y, salt, breachId) {
  return blake2b(concat(enc.encode('key'), salt, u32le(breachId)), { key: y, dkLen: 32 });
}

const ZERO_NONCE = new Uint8Array(12);

// Decrypt a 48-byte entry with k: the 16-byte payload, or null if
// authentication fails.
export function openEntry(k, entry) {
  try {
    return chacha20poly1305(k, ZERO_NONCE).decrypt(entry.subarray(TAG_BYTES, ENTRY_BYTES));
  } catch {
    return null;
  }
}

// Seal (tests and fixtures): tag || ChaCha20-Poly1305(k, 0 nonce, payload).
export function sealEntry(k, tag, payload) {
  return concat(tag, chacha20poly1305(k, ZERO_NONCE).encrypt(payload));
}

// Decode a 16-byte little-endian payload; null if the version is not 1 or the
// kind is not a token kind (vocab.js).
export function parsePayload(b) {
  if (!b || b.length !== PAYLOAD_BYTES) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const p = {
    version: dv.getUint8(0),
    kind: dv.getUint8(1),
    rows: dv.getUint16(2, true),
    flags: dv.getUint32(4, true),
    firstMonth: dv.getUint16(8, true),
    lastMonth: dv.getUint16(10, true),
    sourceA: dv.getUint16(12, true),
    sourceB: dv.getUint16(14, true),
  };
  if (p.version !== PAYLOAD_VERSION || !KIND_NAMES[p.kind]) return null;
  return p;
}

// Month number (year - 2000) * 12 + month -> { year, month }, null for 0.
export function monthOf(n) {
  if (!n) return null;
  return { year: 2000 + Math.floor((n - 1) / 12), month: ((n - 1) % 12) + 1 };
}

function cmpBytes(a, ao, b) {
  for (let i = 0; i < b.length; i++) {
    const d = a[ao + i] - b[i];
    if (d !== 0) return d;
  }
  return 0;
}

// Binary search of a bucket (entries sorted by memcmp of their tags): the
// 48-byte entry whose tag is `tag`, or null.
export function lookup(bucket, tag) {
  let lo = 0;
  let hi = Math.floor(bucket.length / ENTRY_BYTES);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmpBytes(bucket, mid * ENTRY_BYTES, tag);
    if (c === 0) return bucket.subarray(mid * ENTRY_BYTES, (mid + 1) * ENTRY_BYTES);
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return null;
}

// BLAKE2b-256 of data equals expected (32 bytes)?
export function hashMatches(data, expected) {
  const h = blake2b(data, { dkLen: 32 });
  if (!expected || expected.length !== 32) return false;
  let d = 0;
  for (let i = 0; i < 32; i++) d |= h[i] ^ expected[i];
  return d === 0;
}

// index_id = 32 lowercase hex of BLAKE2b-128(bucket hashes || verified hash || salt).
export function computeIndexId(bucketHashes, verifiedHash, salt) {
  const h = blake2b(concat(...bucketHashes, verifiedHash, salt), { dkLen: 16 });
  return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

// base64url without padding (DESIGN.md §8).
export function b64urlDecode(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new Error('bad base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function b64urlEncode(u) {
  let bin = '';
  for (const b of u) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Names of the data-class bits set in flags (bits 0-12, 16-19), in bit order.
export function classNames(flags) {
  return Object.entries(CLASS_BITS)
    .filter(([n, b]) => b < 30 && ((flags >>> b) & 1) === 1 && n)
    .map(([n]) => n);
}
