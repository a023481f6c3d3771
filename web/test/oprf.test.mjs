import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector, hex, toHex } from './vectors.mjs';
import {
  MODE_OPRF, MODE_VOPRF, MODE_POPRF, blind, finalize, verifyProof, scalarFromBytes,
  poprfTweakedKey, expandMessageXmd,
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
