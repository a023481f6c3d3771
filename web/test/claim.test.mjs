import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from './vectors.mjs';
import { canonClaim, claimInput, formatClaim, takeClaimFragment, CLAIM_ALPHABET } from '../src/claim.js';
import { normalizeNir, normalizeDob } from '../src/normalize.js';

const rows = readVector('claim.tsv').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));

test('claim.tsv: canonical forms and errors, as in C', () => {
  let valid = 0, errors = 0, inputs = 0;
  for (const [kind, input, want] of rows) {
    if (kind === 'valid') {
      assert.deepEqual(canonClaim(input), { ok: true, value: want }, input);
      valid++;
    } else if (kind === 'error') {
      assert.deepEqual(canonClaim(input), { ok: false, error: want }, input);
      errors++;
    } else if (kind === 'oprf_input') {
      const [code, id] = input.split(' + ');
      const c = canonClaim(code);
      assert.ok(c.ok);
      if (id.startsWith('NIR ')) {
        const n = normalizeNir(id.slice(4));
        assert.ok(n.ok, id);
        assert.equal(claimInput(c.value, n.value, null), want);
      } else {
        const d = normalizeDob(id.slice(4).split(' ')[0]);
        assert.ok(d.ok, id);
        assert.equal(claimInput(c.value, null, d.value), want);
      }
      inputs++;
    }
  }
  assert.ok(valid >= 19 && errors >= 7);
  assert.equal(inputs, 2);
});

test('every single-symbol error and adjacent transposition is refused', () => {
  const code = canonClaim('0T11-SWB6-4G91-SVS8').value;
  for (let i = 0; i < 16; i++) {
    for (const s of CLAIM_ALPHABET) {
      if (s === code[i]) continue;
      const bad = code.slice(0, i) + s + code.slice(i + 1);
      assert.deepEqual(canonClaim(bad), { ok: false, error: 'bad_check' }, bad);
    }
    if (i < 15 && code[i] !== code[i + 1]) {
      const t = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      assert.equal(canonClaim(t).error, 'bad_check');
    }
  }
  assert.equal(formatClaim(code), '0T11-SWB6-4G91-SVS8');
});

test('#claim=CODE is read once and removed from the address and history', () => {
  const calls = [];
  const loc = { hash: '#claim=0T11-SWB6-4G91-SVS8', pathname: '/', search: '?lang=en' };
  const hist = { state: null, replaceState: (...a) => calls.push(a) };
  assert.equal(takeClaimFragment(loc, hist), '0T11-SWB6-4G91-SVS8');
  assert.deepEqual(calls, [[null, '', '/?lang=en']]);
  assert.equal(takeClaimFragment({ hash: '#other', pathname: '/', search: '' }, hist), null);
  assert.equal(calls.length, 1);
});
