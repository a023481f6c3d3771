import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasText, textKeys, textEntry, t, retryIn, CLASS_LABELS, KIND_LABELS, ADVICE } from '../src/texts.js';
import { CLASS_BITS, classNames } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const source = process.env.BC_SOURCE || resolve(here, '..', '..');

test('every text exists in French and English', () => {
  for (const k of textKeys()) {
    const e = textEntry(k);
    assert.ok(e.fr && e.en, k);
    assert.deepEqual(e.fr.match(/\{\w+\}/g) ?? [], e.en.match(/\{\w+\}/g) ?? [], `placeholders of ${k}`);
  }
  for (const map of [CLASS_LABELS, KIND_LABELS]) for (const [k, v] of Object.entries(map)) assert.ok(v.fr && v.en, k);
  for (const a of ADVICE) assert.ok(a.fr && a.en, a.id);
});

test('every error the page can meet has a message', () => {
  const reasons = {
    nir: ['invalid_key', 'invalid_length', 'invalid_format', 'empty'],
    name: ['empty', 'too_long'],
    dob: ['invalid_date', 'incomplete_date'],
    email: ['invalid_email', 'too_long'],
    phone: ['invalid_phone'],
  };
  for (const [f, rs] of Object.entries(reasons)) for (const r of rs) assert.ok(hasText(`err_${f}_${r}`), `${f} ${r}`);
  for (const c of ['network', 'rate_limited', 'proof', 'hash', 'key_mismatch', 'key_pinned', 'config', 'stale', 'server', 'need_namedob', 'nothing']) {
    assert.ok(hasText(`err_${c}`), c);
  }
  for (const k of ['found_summary_1_1', 'found_summary_1_m', 'found_summary_n_m']) assert.ok(hasText(k));
  assert.equal(t('err_nir_invalid_key', 'fr'), 'La clé du NIR ne correspond pas. Relisez les deux derniers chiffres.');
  assert.equal(t('err_nir_invalid_key', 'en'), 'The NIR key does not match. Read the last two digits again.');
  assert.equal(t('err_retry_in', 'en', { n: 30 }), 'Try again in 30 seconds.');
  assert.equal(t('err_retry_in_1', 'fr'), 'Réessayez dans 1 seconde.');
});

test('every data class has a plain-language name', () => {
  const all = classNames(0xffffffff);
  assert.deepEqual(all, Object.keys(CLASS_BITS).filter((n) => CLASS_BITS[n] < 30));
  for (const c of all) assert.ok(CLASS_LABELS[c], c);
});

// The page says what `breachcheck check` says: the class names, advice and
// fixed sentences are the C report's (src/report/report.c) string literals.
const reportC = join(source, 'src', 'report', 'report.c');
test('texts are those of the C report', { skip: !existsSync(reportC) && 'src/report/report.c not found' }, () => {
  const c = readFileSync(reportC, 'utf8');
  // Join adjacent string literals, then collect every literal.
  const joined = c.replace(/"\s*\n\s*"/g, '');
  const lits = new Set([...joined.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"').replace(/\\\\/g, '\\')));
  for (const a of ADVICE) {
    assert.ok(lits.has(a.en), `advice ${a.id} (en) differs from report.c`);
    assert.ok(lits.has(a.fr), `advice ${a.id} (fr) differs from report.c`);
  }
  // CLASS_LABELS and KIND_LABELS come from src/vocab (vocab.js, test vocab/page).
  for (const k of ['medical', 'not_found_notice', 'not_found_private', 'not_found_private_m', 'tier']) {
    assert.ok(lits.has(t(k, 'en')) && lits.has(t(k, 'fr')), `${k} differs from report.c`);
  }
  // the shared-identifier sentence: the page's {kind} is the C report's %s (issue 17)
  for (const l of ['en', 'fr']) assert.ok(lits.has(t('shared', l, { kind: '%s' })), `shared (${l}) differs from report.c`);
});

// "vérifier" is for the email proof only: checking is "rechercher" or
// "consulter" (issue 17), and no "1 secondes".
test('checking is not verifying', () => {
  const proofWords = ['tier', 'medical', 'not_found_proof', 'not_found_private', 'not_found_private_m'];
  for (const k of textKeys()) {
    // the email proof's own texts (docs/verify.md) are where "vérifier" belongs
    if (proofWords.includes(k) || k.startsWith('verify_') || k.startsWith('err_v') || k === 'err_not_implemented') continue;
    assert.doesNotMatch(t(k, 'fr'), /vérifi/i, `${k} says "vérifier", kept for the email proof (issue 17, docs/texts.md): write rechercher, consulter or relire`);
  }
  assert.doesNotMatch(t('found_summary_1_1', 'en'), /checked/);
});

test('retry delays: seconds up to 90, whole minutes beyond', () => {
  assert.equal(retryIn(1, 'en'), 'Try again in 1 second.');
  assert.equal(retryIn(90, 'en'), 'Try again in 90 seconds.');
  assert.equal(retryIn(91, 'en'), 'Try again in 2 minutes.');
  assert.equal(retryIn(3600, 'fr'), 'Réessayez dans 60 minutes.');
  assert.equal(retryIn(null, 'en'), 'Try again in a few minutes.');
  assert.equal(t('err_verify_rate_limited', 'en'), 'Too many codes asked for from this connection or for this address.');
});
