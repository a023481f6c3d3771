import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector, unescape } from './vectors.mjs';
import {
  normalizeNir, normalizeLastName, normalizeFirstName, normalizeDob,
  normalizeEmail, normalizePhone, nirKey,
} from '../src/normalize.js';

// The vectors read two-digit years as if today were 2026-11-29.
const TODAY = { y: 2026, m: 11, d: 29 };
const FN = {
  nir: normalizeNir,
  last_name: normalizeLastName,
  first_name: normalizeFirstName,
  dob: (s) => normalizeDob(s, TODAY),
  email: normalizeEmail,
  phone: normalizePhone,
};

const readRows = (file) => readVector(file).split('\n')
  .filter((l) => l.length > 0 && !l.startsWith('#'))
  .map((l) => l.split('\t'));
const rows = readRows('normalize.tsv');
// The email canonical form of turn 2 (DESIGN §4): replaces normalize.tsv's
// email lines that kept non-ASCII capitals.
const emailV2 = readRows('email-v2.tsv');

test('normalize.tsv has rows of every kind', () => {
  assert.ok(rows.length >= 100, `only ${rows.length} rows`);
  for (const k of Object.keys(FN)) assert.ok(rows.some((r) => r[0] === k), k);
});

test('email-v2.tsv has email rows', () => {
  assert.ok(emailV2.length >= 12, `only ${emailV2.length} rows`);
  assert.ok(emailV2.every((r) => r[0] === 'email'));
});

for (const [file, list] of [['normalize.tsv', rows], ['email-v2.tsv', emailV2]]) for (const [i, row] of list.entries()) {
  const [kind, rawIn, expected] = row;
  test(`${file} row ${i + 1}: ${kind} ${JSON.stringify(rawIn)}`, () => {
    assert.equal(row.length, 3, 'three columns');
    const fn = FN[kind];
    assert.ok(fn, `unknown kind ${kind}`);
    const r = fn(unescape(rawIn));
    if (expected.startsWith('ERROR:')) {
      assert.deepEqual(r, { ok: false, reason: expected.slice(6) });
    } else {
      assert.deepEqual(r, { ok: true, value: unescape(expected) });
    }
  });
}

test('nir key with Corsica departments', () => {
  assert.equal(nirKey('253072B073004'), 70);
  assert.equal(nirKey('253072A073004'), 43);
  assert.equal(nirKey('2550814168025'), 38);
});

test('two-digit years put the date in the past', () => {
  assert.deepEqual(normalizeDob('28/11/26', TODAY), { ok: true, value: '2026-11-28' });
  assert.deepEqual(normalizeDob('30/11/26', TODAY), { ok: true, value: '1926-11-30' });
  assert.deepEqual(normalizeDob('01/01/00', TODAY), { ok: true, value: '2000-01-01' });
  assert.deepEqual(normalizeDob('30/11/2026', TODAY), { ok: false, reason: 'invalid_date' });
});

test('phone forms beyond the vectors', () => {
  assert.deepEqual(normalizePhone('tel: 06 12 34 56 78'), { ok: true, value: '+33612345678' });
  assert.deepEqual(normalizePhone('+33 (0) 6 12 34 56 78'), { ok: true, value: '+33612345678' });
  assert.deepEqual(normalizePhone('0033 6 12 34 56 78'), { ok: true, value: '+33612345678' });
  assert.deepEqual(normalizePhone('0693 12 34 56'), { ok: true, value: '+262693123456' });
  assert.deepEqual(normalizePhone('0269 61 23 45'), { ok: true, value: '+262269612345' });
  assert.deepEqual(normalizePhone('+590 690 12 34 56'), { ok: true, value: '+590690123456' });
  assert.deepEqual(normalizePhone('++33612345678'), { ok: false, reason: 'invalid_phone' });
});

// Found by the breaker's sweep of every code point against src/normalize
// (utf8proc 2.8, Unicode 15.0). The C normaliser checks an email again after
// NFC: U+037E GREEK QUESTION MARK is canonically ';', which is refused.
test('email: a character that NFC turns into a refused one is refused', () => {
  assert.deepEqual(normalizeEmail('a\u037eb@example.fr'), { ok: false, reason: 'invalid_email' });
  assert.deepEqual(normalizeEmail('ab@example\u037e.fr'), { ok: false, reason: 'invalid_email' });
  // Kelvin sign is canonically K: accepted, then lower-cased as the C does
  assert.deepEqual(normalizeEmail('a\u212ab@example.fr'), { ok: true, value: 'akb@example.fr' });
});

// Turn 2: simple lowercase, one code point at a time; IDNA domains under the
// rules both sides share.
test('email: simple lowercase mapping, IDNA domain rules', () => {
  assert.deepEqual(normalizeEmail('\u0130\u03a3@example.fr'), { ok: true, value: 'i\u03c3@example.fr' });
  assert.deepEqual(normalizeEmail('a@caf\u00e9.123'), { ok: false, reason: 'invalid_email' });
  assert.deepEqual(normalizeEmail('a@caf\u00e9\u2615.fr'), { ok: false, reason: 'invalid_email' });
  assert.deepEqual(normalizeEmail('a@caf\u00e9_x.fr'), { ok: false, reason: 'invalid_email' });
  assert.deepEqual(normalizeEmail('a@caf\u00e9/x.fr'), { ok: false, reason: 'invalid_email' });
  assert.deepEqual(normalizeEmail('a@XN--AND-6MA2C.example.com'), { ok: true, value: 'a@xn--and-6ma2c.example.com' });
});

// A lone surrogate (a DOMString may hold one) is what TextEncoder and the C
// reader see: U+FFFD. The canonical form must be well-formed text.
test('email: lone surrogates come out as U+FFFD', () => {
  assert.deepEqual(normalizeEmail('a\ud800b@example.fr'), { ok: true, value: 'a\ufffdb@example.fr' });
  assert.deepEqual(normalizeEmail('a\udc00@example.fr'), { ok: true, value: 'a\ufffd@example.fr' });
});

// Characters assigned after Unicode 15.0 (the C side's utf8proc 2.8) have no
// decomposition there, so a name drops them; node and browsers with a newer
// ICU would decompose them to ASCII letters and digits and find nothing.
test('names: characters newer than the C side\'s Unicode are dropped, not decomposed', () => {
  assert.deepEqual(normalizeLastName('A\u{1CCD6}B'), { ok: true, value: 'AB' }); // OUTLINED LATIN CAPITAL LETTER A (16.0)
  assert.deepEqual(normalizeLastName('A\u{1CCF9}B'), { ok: true, value: 'AB' }); // OUTLINED DIGIT NINE (16.0)
  assert.deepEqual(normalizeLastName('A\ua7f1B'), { ok: true, value: 'AB' }); // MODIFIER LETTER CAPITAL S (17.0)
  assert.deepEqual(normalizeFirstName('\u{1CCD6}\u{1CCD7} Jean'), { ok: true, value: 'JEAN' });
  // older compatibility characters still decompose
  assert.deepEqual(normalizeLastName('A\u{1D400}B'), { ok: true, value: 'AAB' });
});
