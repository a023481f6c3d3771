// Differential test: the page's normaliser (web/src/normalize.js) and the C
// one (src/normalize, through bc-norm-dump) must give the same bytes, or the
// same error, for every input: the vectors' inputs under every kind, the
// identifier fields of a generated leak, and seeded mutations of both.
// Env: BC_BUILD (bc-norm-dump, bc-genleak), BC_SOURCE, BC_VECTORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.BC_SOURCE || resolve(here, '..', '..');
const BUILD = process.env.BC_BUILD || join(SOURCE, 'build');
const VECTORS = process.env.BC_VECTORS || resolve(SOURCE, 'tests', 'vectors');
const DUMP = join(BUILD, 'tests', 'browser', 'bc-norm-dump');
const GENLEAK = join(BUILD, 'bc-genleak');
if (!existsSync(DUMP) || !existsSync(GENLEAK)) {
  console.log('SKIP: bc-norm-dump or bc-genleak not built');
  process.exit(77);
}
const N = await import(pathToFileURL(join(SOURCE, 'web', 'src', 'normalize.js')).href);
const TODAY = { y: 2026, m: 11, d: 29 };
const JS = {
  nir: N.normalizeNir, last_name: N.normalizeLastName, first_name: N.normalizeFirstName,
  dob: (s) => N.normalizeDob(s, TODAY), email: N.normalizeEmail, phone: N.normalizePhone,
};
const KINDS = Object.keys(JS);

function unescape(s) {
  return s.replace(/\\(t|n|\\|u[0-9a-fA-F]{4})/g, (_, e) =>
    e === 't' ? '\t' : e === 'n' ? '\n' : e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16)));
}

// Minimal CSV (comma, double quotes) for the generator's default dialect.
function parseCsv(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\n') { row.push(f.replace(/\r$/, '')); rows.push(row); row = []; f = ''; } else f += c;
  }
  if (f || row.length) { row.push(f); rows.push(row); }
  return rows;
}

// Seeded PRNG (xorshift32) so a failure reproduces.
let seed = 0x9e3779b9;
const rnd = (n) => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed % n; };
const PALETTE = [' ', '\u00a0', '\u202f', '\u2009', '\u2010', '\u2013', '\u2212', '\t', '-', '.', '/', ':', '(', ')', '+',
  '0', '3', '9', 'A', 'B', 'a', 'T', 'é', 'e\u0301', 'ß', 'Œ', 'ı', 'Ø', 'ﬁ', '²', '@', '<', '>', ',', ';', '_', '&',
  '\u3000', '\ufeff', '\u0085', 'Ｍ', 'ñ', 'Ж', '\u00ad', '\u200b', "'", '’', 'mailto:', '(0)', '00', '+33', '0033',
  // nasty Unicode (breaker): combining sequences, other NBSPs, full-width and
  // other digits, Turkish i, ligatures, bidi marks, emoji, lone surrogates,
  // characters whose NFC/NFKD is a refused or a plain ASCII character
  'i\u0307', 'I\u0307', 'a\u0308\u0304', '\u0301', 'c\u0327', '\u2007', '\u2060', '\u200c', '\u200d', '０', '９', '＋', '＠',
  '٣', '۶', '𝟎', '①', 'İ', 'ǅ', 'ﬂ', 'ﬃ', 'ẞ', 'ŉ', 'ΐ', 'ς', '\u0345', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u061c',
  '😀', '👨\u200d👩\u200d👧', '🇫🇷', '\ufe0f', '\ud800', '\udc00', '\ufffd', '\u037e', '\u212a', '\u2126', '\ufe63', '\uff0e', '\u3002',
  '\u{1ccd6}', '\ua7f1', '\u3164',
  // IDNA (email turn 2): label separators, symbols IDNA2008 refuses, joiners, bidi, A-labels
  '\uff61', '\u2615', '\u00b7', 'xn--', 'xn--and-6ma2c', '.', '-', '..', 'ñ', 'Ñ', 'ü', 'א', 'ا', '\u0661', '\u06f1', '\u3002'];

function mutate(s) {
  const cps = [...s];
  const op = rnd(4);
  const at = rnd(cps.length + 1);
  if (op === 0) cps.splice(at, 0, PALETTE[rnd(PALETTE.length)]);
  else if (op === 1 && cps.length) cps.splice(Math.min(at, cps.length - 1), 1);
  else if (op === 2) cps.splice(at, 0, PALETTE[rnd(PALETTE.length)], PALETTE[rnd(PALETTE.length)]);
  else if (cps.length) cps[Math.min(at, cps.length - 1)] = PALETTE[rnd(PALETTE.length)];
  return cps.join('');
}

test('normalize.js and src/normalize agree byte for byte', () => {
  const cases = [];
  const add = (kind, input) => { if (!/[\n\u0000]/.test(input) && input.length < 2000) cases.push([kind, input]); };
  const vecInputs = ['normalize.tsv', 'email-v2.tsv'].flatMap((f) => readFileSync(join(VECTORS, f), 'utf8').split('\n'))
    .filter((l) => l && !l.startsWith('#')).map((l) => unescape(l.split('\t')[1] ?? ''));
  for (const v of vecInputs) for (const k of KINDS) add(k, v);

  const work = mkdtempSync(join(tmpdir(), 'bc-normdiff-'));
  try {
    execFileSync(GENLEAK, ['--rows', '3000', '--seed', '5', '--out', join(work, 'l.csv'), '--quiet']);
    const rows = parseCsv(readFileSync(join(work, 'l.csv'), 'utf8')).slice(1);
    const cols = { 0: 'last_name', 1: 'last_name', 2: 'first_name', 4: 'dob', 5: 'nir', 9: 'phone', 10: 'email', 14: 'phone' };
    for (const r of rows) for (const [i, k] of Object.entries(cols)) if (r[i]) add(k, r[i]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const base = cases.slice();
  for (let i = 0; i < 30000; i++) {
    const [k, s] = base[rnd(base.length)];
    let m = mutate(s);
    if (rnd(3) === 0) m = mutate(m);
    add(rnd(5) === 0 ? KINDS[rnd(KINDS.length)] : k, m);
  }
  const out = execFileSync(DUMP, { input: cases.map(([k, s]) => `${k}\t${s}\n`).join(''), maxBuffer: 64 << 20 })
    .toString().split('\n');
  const bad = [];
  cases.forEach(([k, s], i) => {
    const r = JS[k](s);
    const js = r.ok ? `OK\t${r.value}` : `ERROR\t${r.reason}`;
    if (js !== out[i]) bad.push({ kind: k, input: s, c: out[i], js });
  });
  assert.ok(cases.length > 40000, `${cases.length} cases`);
  assert.deepEqual(bad.slice(0, 15), [], `${bad.length} of ${cases.length} inputs differ`);
});

// Every code point (but surrogates) alone between two letters, as a name and
// (below U+30000) inside an email: catches the Unicode version skew between
// node's ICU and the C side's utf8proc (a character assigned later that the
// newer one decomposes) and NFC turning a character into a refused one.
test('normalize.js and src/normalize agree on every code point', () => {
  const cases = [];
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const ch = String.fromCodePoint(cp);
    cases.push(['last_name', `A${ch}B`]);
    if (cp < 0x30000) cases.push(['email', `a${ch}b@example.fr`]);
    // in the domain (IDNA, DESIGN §4 turn 2), alone and beside a Latin letter
    if (cp < 0x30000) cases.push(['email', `ab@a${ch}b.example.fr`]);
    if (cp < 0x30000 && cp % 7 === 0) cases.push(['email', `ab@\u00e9${ch}.example.fr`]);
  }
  const out = execFileSync(DUMP, { input: cases.map(([k, s]) => `${k}\t${s}\n`).join(''), maxBuffer: 256 << 20 })
    .toString().split('\n');
  const bad = [];
  cases.forEach(([k, s], i) => {
    const r = JS[k](s);
    const js = r.ok ? `OK\t${r.value}` : `ERROR\t${r.reason}`;
    if (js !== out[i]) bad.push({ kind: k, cp: s.codePointAt(1).toString(16), c: out[i], js });
  });
  assert.deepEqual(bad.slice(0, 15), [], `${bad.length} code points differ`);
});
