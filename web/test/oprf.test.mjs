import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector, hex, toHex } from './vectors.mjs';
import {
  MODE_OPRF, MODE_VOPRF, MODE_POPRF, blind, finalize, verifyProof, scalarFromBytes,
  poprfTweakedKey, expandMessageXmd, elementFromBytes, scalarToBytes, concat, ORDER,
} from '../src/oprf.js';
import { deriveKeyPair, blindEvaluate, evaluate } from './oprf-server.mjs';

// Parse the RFC 9497 appendix text: "### <Mode> Mode" sections, ~~~ blocks of
// "Name = hex" lines whose values wrap onto continuation lines.
function parseRfc(text) {
  const modes = {};
  let mode = null;
  let block = null;
  let last = null;
  for (const line of text.split('\n')) {
    const h = /^### (\w+) Mode/.exec(line);
    if (h) { mode = { keys: null, vectors: [] }; modes[h[1]] = mode; continue; }
    if (!mode) continue;
    if (line.startsWith('~~~')) {
      if (block) {
        if (mode.keys === null) mode.keys = block; else mode.vectors.push(block);
        block = null;
      } else {
        block = {};
      }
      continue;
    }
    if (!block) continue;
    const kv = /^(\w+) = (.*)$/.exec(line);
    if (kv) { last = kv[1]; block[last] = kv[2].trim(); } else if (last && line.trim()) block[last] += line.trim();
  }
  return modes;
}

const rfc = parseRfc(readVector('rfc9497-ristretto255-sha512.txt'));
const MODES = { OPRF: MODE_OPRF, VOPRF: MODE_VOPRF, POPRF: MODE_POPRF };
const list = (v) => v.split(',').map(hex);

test('RFC 9497 vector file parsed: OPRF 2 vectors, VOPRF and POPRF 3 each', () => {
  assert.deepEqual(Object.fromEntries(Object.keys(MODES).map((m) => [m, rfc[m]?.vectors.length])),
    { OPRF: 2, VOPRF: 3, POPRF: 3 });
});

test('RFC 9380 expand_message_xmd SHA-512 (Appendix K.3, msg "", len 0x20)', () => {
  // Checked through every HashToGroup below as well.
  const out = expandMessageXmd(new Uint8Array(0),
    new TextEncoder().encode('QUUX-V01-CS02-with-expander-SHA512-256'), 0x20);
  assert.equal(toHex(out), '6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba');
});

for (const [name, mode] of Object.entries(MODES)) {
  const sec = rfc[name];
  test(`RFC 9497 ${name}: DeriveKeyPair`, () => {
    const kp = deriveKeyPair(hex(sec.keys.Seed), hex(sec.keys.KeyInfo), mode);
    assert.equal(toHex(new Uint8Array(32).map((_, i) => Number((kp.sk >> BigInt(8 * i)) & 0xffn))), sec.keys.skSm);
    if (sec.keys.pkSm) assert.equal(toHex(kp.pk), sec.keys.pkSm);
  });
  sec.vectors.forEach((v, i) => {
    test(`RFC 9497 ${name} vector ${i + 1}: Blind, BlindEvaluate, proof, Finalize, Evaluate`, () => {
      const kp = deriveKeyPair(hex(sec.keys.Seed), hex(sec.keys.KeyInfo), mode);
      const inputs = list(v.Input);
      const blinds = list(v.Blind).map(scalarFromBytes);
      const info = v.Info !== undefined ? hex(v.Info) : undefined;
      const blinded = inputs.map((inp, j) => blind(inp, mode, blinds[j]).blindedElement);
      assert.deepEqual(blinded.map(toHex), v.BlindedElement.split(','));
      const r = v.ProofRandomScalar ? scalarFromBytes(hex(v.ProofRandomScalar)) : 1n;
      const { evaluated, proof } = blindEvaluate(kp.sk, blinded, r, mode, info);
      assert.deepEqual(evaluated.map(toHex), v.EvaluationElement.split(','));
      if (mode !== MODE_OPRF) {
        assert.equal(toHex(proof), v.Proof);
        const pk = mode === MODE_POPRF ? poprfTweakedKey(kp.pk, info) : kp.pk;
        const [C, D] = mode === MODE_POPRF ? [evaluated, blinded] : [blinded, evaluated];
        assert.equal(verifyProof(pk, C, D, hex(v.Proof), mode), true);
        const bad = hex(v.Proof); bad[5] ^= 1;
        assert.equal(verifyProof(pk, C, D, bad, mode), false, 'tampered proof rejected');
        const swapped = [...D]; swapped[0] = C[0];
        assert.equal(verifyProof(pk, C, swapped, hex(v.Proof), mode), false, 'wrong element rejected');
      }
      const outputs = inputs.map((inp, j) => finalize(inp, blinds[j], hex(v.EvaluationElement.split(',')[j]), info));
      assert.deepEqual(outputs.map(toHex), v.Output.split(','));
      assert.deepEqual(inputs.map((inp) => toHex(evaluate(kp.sk, inp, mode, info))), v.Output.split(','));
    });
  });
}

// Adversarial (breaker): the VOPRF and POPRF batch-of-2 vectors as fixtures;
// everything a hostile evaluator could send instead must be refused.
const P_FIELD = (1n << 255n) - 19n;
const le32 = (n) => scalarToBytes(n);
const plusL = (b) => le32(BigInt('0x' + toHex(b.slice().reverse())) + ORDER);
for (const name of ['VOPRF', 'POPRF']) {
  const mode = MODES[name];
  const v = rfc[name].vectors.find((x) => x.Input.includes(','));
  test(`${name} batch of 2: hostile proofs and elements are refused`, () => {
    const kp = deriveKeyPair(hex(rfc[name].keys.Seed), hex(rfc[name].keys.KeyInfo), mode);
    const info = v.Info !== undefined ? hex(v.Info) : undefined;
    const pk = mode === MODE_POPRF ? poprfTweakedKey(kp.pk, info) : kp.pk;
    const bl = list(v.BlindedElement);
    const ev = list(v.EvaluationElement);
    const [C, D] = mode === MODE_POPRF ? [ev, bl] : [bl, ev];
    const proof = hex(v.Proof);
    const ok = (c, d, p, k = pk) => verifyProof(k, c, d, p, mode);
    assert.equal(ok(C, D, proof), true);
    // a single-bit flip in every byte of the proof (a different bit each time)
    for (let byte = 0; byte < 64; byte++) {
      const p = proof.slice(); p[byte] ^= 1 << (byte & 7);
      assert.equal(ok(C, D, p), false, `byte ${byte}`);
    }
    // c + L and s + L: same value mod L, non-canonical
    assert.equal(ok(C, D, concat(plusL(proof.slice(0, 32)), proof.slice(32))), false);
    assert.equal(ok(C, D, concat(proof.slice(0, 32), plusL(proof.slice(32)))), false);
    // zero scalars
    assert.equal(ok(C, D, concat(new Uint8Array(32), proof.slice(32))), false);
    assert.equal(ok(C, D, concat(proof.slice(0, 32), new Uint8Array(32))), false);
    assert.equal(ok(C, D, new Uint8Array(64)), false);
    // wrong lengths and shapes
    assert.equal(ok(C, D, proof.slice(0, 63)), false);
    assert.equal(ok(C, D, concat(proof, new Uint8Array(1))), false);
    assert.equal(ok(C.slice(0, 1), D.slice(0, 1), proof), false);
    assert.equal(ok(C, D.slice(0, 1), proof), false);
    assert.equal(ok([], [], proof), false);
    assert.equal(ok(C, [D[1], D[0]], proof), false);
    assert.equal(ok(C, D, proof, bl[0]), false, 'another key');
    // bad encodings in every place: identity, top bit, odd s, s + p of a valid point (s = 4)
    const four = le32(4n);
    assert.ok(elementFromBytes(four));
    const hostile = [new Uint8Array(32), (() => { const x = D[0].slice(); x[31] |= 0x80; return x; })(),
      (() => { const x = D[0].slice(); x[0] |= 1; return x; })(), le32(4n + P_FIELD), le32(P_FIELD)];
    for (const h of hostile) {
      assert.throws(() => elementFromBytes(h));
      assert.equal(ok([h, C[1]], D, proof), false);
      assert.equal(ok(C, [D[0], h], proof), false);
      assert.equal(ok(C, D, proof, h), false);
      assert.throws(() => finalize(new Uint8Array(1), 1n, h));
      if (mode === MODE_POPRF) assert.throws(() => poprfTweakedKey(h, info));
    }
    // a valid but foreign element
    assert.equal(ok(C, [D[0], four], proof), false);
  });
}
