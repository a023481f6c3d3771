import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import { readVector, hex, toHex } from './vectors.mjs';
import { MODE_VOPRF, MODE_POPRF, blind, finalize, verifyProof, poprfTweakedKey } from '../src/oprf.js';
import {
  bucket32, bucketOf, entryTag, entryKey, openEntry, sealEntry, parsePayload, lookup,
  hashMatches, b64urlDecode, b64urlEncode, classNames, monthOf, computeIndexId,
} from '../src/index.js';
import { deriveKeyPair, evaluate, blindEvaluate } from './oprf-server.mjs';
import { KIND } from '../src/normalize.js';

const enc = new TextEncoder();

// index-v1.txt: header "Name = value" lines, then "## token N: kind K"
// sections holding Input/Info/y/bucket32/bucket and BreachId groups.
function parseIndexVectors(text) {
  const header = {};
  const tokens = [];
  let tok = null;
  let breach = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') && !line.startsWith('## token')) continue;
    const h = /^## token (\d+): kind (\w+)/.exec(line);
    if (h) { tok = { n: +h[1], kind: h[2], breaches: [] }; tokens.push(tok); breach = null; continue; }
    const kv = /^(\w+) = (.*)$/.exec(line);
    if (!kv) continue;
    const [, k, v] = kv;
    if (!tok) { header[k] = v; continue; }
    if (k === 'BreachId') { breach = { BreachId: +v }; tok.breaches.push(breach); continue; }
    (breach ?? tok)[k] = v;
  }
  return { header, tokens };
}

const { header: H, tokens } = parseIndexVectors(readVector('index-v1.txt'));
const salt = hex(H.Salt);
const bits = +H.BucketBits;
const vkeys = deriveKeyPair(hex(H.Seed), enc.encode('breachcheck v1'), MODE_VOPRF);
const pkeys = deriveKeyPair(hex(H.Seed), enc.encode('breachcheck v1 verified'), MODE_POPRF);
const skHex = (s) => toHex(new Uint8Array(32).map((_, i) => Number((s >> BigInt(8 * i)) & 0xffn)));

test('index-v1.txt parsed: 5 tokens of the 5 kinds, 2 breaches each', () => {
  assert.deepEqual(tokens.map((t) => t.kind), ['nir', 'namedob', 'email', 'phone', 'verified']);
  for (const t of tokens) assert.equal(t.breaches.length, 2);
});

test('index-v1 keys: DeriveKeyPair VOPRF and POPRF', () => {
  assert.equal(skHex(vkeys.sk), H.skS);
  assert.equal(toHex(vkeys.pk), H.pkS);
  assert.equal(skHex(pkeys.sk), H.skV);
  assert.equal(toHex(pkeys.pk), H.pkV);
});

for (const t of tokens) {
  test(`index-v1 token ${t.n} (${t.kind}): y by Evaluate and by the client path`, () => {
    const input = enc.encode(t.Input);
    const verified = t.kind === 'verified';
    const mode = verified ? MODE_POPRF : MODE_VOPRF;
    const sk = verified ? pkeys.sk : vkeys.sk;
    const info = verified ? enc.encode(t.Info) : undefined;
    assert.equal(toHex(evaluate(sk, input, mode, info)), t.y);
    const b = blind(input, mode);
    const r = 12345678901234567890n;
    const { evaluated, proof } = blindEvaluate(sk, [b.blindedElement], r, mode, info);
    const ok = verified
      ? verifyProof(poprfTweakedKey(pkeys.pk, info), evaluated, [b.blindedElement], proof, mode)
      : verifyProof(vkeys.pk, [b.blindedElement], evaluated, proof, mode);
    assert.equal(ok, true);
    assert.equal(toHex(finalize(input, b.blind, evaluated[0], info)), t.y);
  });
  test(`index-v1 token ${t.n} (${t.kind}): bucket32, bucket, tag, k, entry, payload`, () => {
    const y = hex(t.y);
    const b32 = bucket32(y, salt);
    assert.equal(b32.toString(16).padStart(8, '0'), t.bucket32);
    assert.equal(bucketOf(b32, bits), +t.bucket);
    for (const br of t.breaches) {
      const tag = entryTag(y, salt, br.BreachId);
      const k = entryKey(y, salt, br.BreachId);
      assert.equal(toHex(tag), br.tag);
      assert.equal(toHex(k), br.k);
      const entry = hex(br.entry);
      assert.equal(toHex(entry.subarray(0, 16)), br.tag);
      const payload = openEntry(k, entry);
      assert.ok(payload, 'entry decrypts');
      assert.equal(toHex(payload), br.payload);
      assert.equal(toHex(sealEntry(k, tag, payload)), br.entry);
      const p = parsePayload(payload);
      assert.equal(p.version, 1);
      assert.equal(p.kind, KIND[t.kind]);
      const wrongK = entryKey(y, salt, br.BreachId + 1);
      assert.equal(openEntry(wrongK, entry), null, 'wrong key fails authentication');
      const bad = entry.slice(); bad[20] ^= 1;
      assert.equal(openEntry(k, bad), null, 'tampered entry fails authentication');
    }
  });
}

test('payload decoding of the vectors', () => {
  const p = parsePayload(hex(tokens[0].breaches[0].payload));
  // 01 01 0300 ff0f0000 db00 ef00 0000 0400
  assert.deepEqual(p, { version: 1, kind: 1, rows: 3, flags: 0x0fff, firstMonth: 0xdb, lastMonth: 0xef, sourceA: 0, sourceB: 4 });
  assert.deepEqual(monthOf(0xdb), { year: 2018, month: 3 });
  assert.deepEqual(monthOf(0xef), { year: 2019, month: 11 });
  assert.equal(monthOf(0), null);
  assert.deepEqual(classNames(p.flags), ['name', 'nir', 'dob', 'sex', 'address', 'email', 'phone',
    'blood_group', 'doctor', 'insurer', 'lab_visit', 'sample_date']);
  const shared = parsePayload(hex(tokens[3].breaches[0].payload));
  assert.equal(shared.flags >>> 31, 1, 'phone token is shared');
  assert.equal(shared.rows, 5);
  assert.equal(parsePayload(hex('02010300ff0f0000db00ef0000000400')), null, 'version 2 rejected');
  assert.equal(parsePayload(hex('01070300ff0f0000db00ef0000000400')), null, 'kind 7 rejected');
  assert.equal(parsePayload(hex('01060300ff0f0000db00ef0000000400')).kind, 6, 'kind 6 (claim) read');
});

test('lookup finds an entry in a sorted padded bucket, and only it', () => {
  const t = tokens[2];
  const entry = hex(t.breaches[0].entry);
  const entries = [entry, ...Array.from({ length: 200 }, () => new Uint8Array(randomBytes(48)))];
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.subarray(0, 16)), Buffer.from(b.subarray(0, 16))));
  const bucket = new Uint8Array(entries.length * 48);
  entries.forEach((e, i) => bucket.set(e, i * 48));
  assert.deepEqual(lookup(bucket, hex(t.breaches[0].tag)), entry);
  assert.equal(lookup(bucket, hex(t.breaches[1].tag)), null);
  assert.equal(lookup(new Uint8Array(0), hex(t.breaches[1].tag)), null);
});

test('bucket hashes and index_id', () => {
  const b1 = new Uint8Array(randomBytes(96));
  const b2 = new Uint8Array(randomBytes(96));
  const h1 = blake2b(b1, { dkLen: 32 });
  assert.equal(hashMatches(b1, h1), true);
  b1[3] ^= 1;
  assert.equal(hashMatches(b1, h1), false);
  const h2 = blake2b(b2, { dkLen: 32 });
  const vh = blake2b(new Uint8Array(0), { dkLen: 32 });
  const id = computeIndexId([h1, h2], vh, salt);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(id, toHex(blake2b(Buffer.concat([h1, h2, vh, salt]), { dkLen: 16 })));
});

test('base64url without padding', () => {
  assert.equal(b64urlEncode(hex('fbff')), '-_8');
  assert.deepEqual(b64urlDecode('-_8'), hex('fbff'));
  assert.deepEqual(b64urlDecode(b64urlEncode(salt)), salt);
  assert.throws(() => b64urlDecode('ab=c'));
  assert.throws(() => b64urlDecode('a'));
});
