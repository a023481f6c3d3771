// Canonical forms of identifiers, DESIGN.md §4. Must produce the same bytes as
// src/normalize (checked against tests/vectors/normalize.tsv).
//
// Every function returns { ok: true, value } or { ok: false, reason }, with
// reason one of the stable strings of vectors/normalize.tsv ("empty",
// "invalid_key", "invalid_format", "invalid_length", "invalid_date",
// "incomplete_date", "invalid_email", "invalid_phone", "too_long"). Nothing of
// the input is ever put into a reason.

import { IDNA_OK } from './idna-table.js';

const ok = (value) => ({ ok: true, value });
const err = (reason) => ({ ok: false, reason });

export const NAME_MAX = 255; // canonical name bytes (C: BC_NAME_MAX incl. NUL)
export const EMAIL_MAX = 319;

// Unicode white space as the C code counts it (bc_is_uspace).
const USPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]$/u;
const isUspace = (ch) => USPACE.test(ch);

function trimUspace(s) {
  const cps = [...s];
  let b = 0;
  let e = cps.length;
  while (b < e && isUspace(cps[b])) b++;
  while (e > b && isUspace(cps[e - 1])) e--;
  return cps.slice(b, e).join('');
}

const utf8len = (s) => new TextEncoder().encode(s).length;
const isDigit = (ch) => ch >= '0' && ch <= '9';

// ---------------------------------------------------------------- NIR

// NIR key (1..97) of a 13-character body; 2A -> 19, 2B -> 18 (positions 6-7).
export function nirKey(body) {
  const b = body.toUpperCase();
  const digits = b.slice(0, 5) + (b[6] === 'A' ? '19' : b[6] === 'B' ? '18' : b.slice(5, 7)) + b.slice(7);
  let r = 0;
  for (const c of digits) r = (r * 10 + (c.charCodeAt(0) - 48)) % 97;
  return 97 - r;
}

function nirCharOk(c, i) {
  if (isDigit(c[i])) return true;
  return i === 6 && c[5] === '2' && (c[6] === 'A' || c[6] === 'B');
}

const NIR_SEP = /^[ .\-\t-\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u2010-\u2013\u2212]$/u;

// Port of bc_norm_nir: separators dropped, characters checked by position,
// then the length (13, or 15 with a key), then the key.
export function normalizeNir(input) {
  const c = [];
  let badFormat = false;
  for (let ch of String(input)) {
    if (NIR_SEP.test(ch)) continue;
    if (ch >= 'a' && ch <= 'z') ch = ch.toUpperCase();
    if (!(isDigit(ch) || ch === 'A' || ch === 'B')) badFormat = true;
    c.push(ch);
  }
  if (c.length === 0) return err('empty');
  for (let i = 0; i < c.length && i < 32 && !badFormat; i++) if (!nirCharOk(c, i)) badFormat = true;
  if (badFormat) return err('invalid_format');
  if (c.length !== 13 && c.length !== 15) return err('invalid_length');
  const body = c.slice(0, 13).join('');
  if (c.length === 15 && Number(c[13] + c[14]) !== nirKey(body)) return err('invalid_key');
  return ok(body);
}

// ---------------------------------------------------------------- names

const TRANSLIT = new Map([
  ['Œ', 'OE'], ['œ', 'OE'], ['Æ', 'AE'], ['æ', 'AE'], ['ß', 'SS'], ['ẞ', 'SS'],
  ['Ø', 'O'], ['ø', 'O'], ['Ł', 'L'], ['ł', 'L'], ['Đ', 'D'], ['đ', 'D'],
  ['ı', 'I'], ['Ð', 'D'], ['ð', 'D'], ['Þ', 'TH'], ['þ', 'TH'],
]);

// Code points assigned after Unicode 15.0 (utf8proc 2.8, the C side) that a
// newer ICU decomposes to ASCII letters or digits: unassigned for the C code,
// so dropped there. Found by sweeping every code point against src/normalize
// with node 20's ICU (Unicode 17); tests/browser/normalize-diff repeats the
// sweep, so a newer node shows any new ones.
const NEWER_THAN_C = /^[\ua7f1\u{1ccd6}-\u{1ccf9}]$/u;

// Port of the C name core: per code point, the transliteration if any, else
// its compatibility decomposition, keeping ASCII letters (upper-cased) and
// digits and transliterated letters; everything else is dropped.
function canonName(input) {
  let out = '';
  const ascii = (ch) => {
    if (ch >= 'a' && ch <= 'z') out += ch.toUpperCase();
    else if ((ch >= 'A' && ch <= 'Z') || isDigit(ch)) out += ch;
  };
  for (const ch of String(input)) {
    if (ch < '\u0080') { ascii(ch); continue; }
    if (NEWER_THAN_C.test(ch)) continue;
    const t = TRANSLIT.get(ch);
    if (t) { out += t; continue; }
    for (const d of ch.normalize('NFKD')) {
      if (d < '\u0080') ascii(d);
      else if (TRANSLIT.has(d)) out += TRANSLIT.get(d);
    }
  }
  return out;
}

export function normalizeLastName(input) {
  const out = canonName(input);
  if (out.length > NAME_MAX) return err('too_long');
  if (out.length === 0) return err('empty');
  return ok(out);
}

// Separators between given names (C: given_sep).
const GIVEN_SEP = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\-,;/+&()_\u2010-\u2015\u2212\ufe63\uff0d]+/u;

// The first given name only: the first piece whose canonical form is not empty.
export function normalizeFirstName(input) {
  for (const piece of String(input).split(GIVEN_SEP)) {
    const out = canonName(piece);
    if (out.length > NAME_MAX) return err('too_long');
    if (out.length > 0) return ok(out);
  }
  return err('empty');
}

// ---------------------------------------------------------------- dates

function isLeap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
function daysIn(y, m) { return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]; }
const pad = (n, w) => String(n).padStart(w, '0');
const civil = (y, m, d) => y * 10000 + m * 100 + d;

// today: { y, m, d } civil date (default: today, UTC, as the C code).
export function todayUTC() {
  const t = new Date();
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

// Port of dob_check: range, then completeness, then calendar.
function dobCheck(y, m, d, yy2, ref) {
  if (m > 12 || d > 31 || y < 0) return err('invalid_date');
  const incomplete = m === 0 || d === 0;
  if (yy2) {
    y += 2000;
    if (y > ref.y || (!incomplete && civil(y, m, d) > civil(ref.y, ref.m, ref.d))) y -= 100;
  }
  if (y < 1890 || y > ref.y) return err('invalid_date');
  if (incomplete) return err('incomplete_date');
  if (d > daysIn(y, m)) return err('invalid_date');
  if (civil(y, m, d) > civil(ref.y, ref.m, ref.d)) return err('invalid_date');
  return ok(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
}

// A time after the date: [ Tt]+ then digits and ":.,+-Zz " with at least one ':'.
const TIME_SUFFIX = /^(?:[ Tt]+[0-9][0-9:.,+\-Zz ]*)?$/;
const timeSuffixOk = (rest) => rest === '' || (TIME_SUFFIX.test(rest) && rest.includes(':'));

// Port of bc_norm_dob. Formats: YYYYMMDD or DDMMYYYY (8 digits), YYYY-M-D
// (time allowed after), D/M/YYYY or D/M/YY with one separator among / - .
export function normalizeDob(input, today = todayUTC()) {
  let s = trimUspace(String(input));
  if (s.length === 0) return err('empty');
  if (/[^\u0000-\u007f]/.test(s) || s.length > 64) return err('invalid_date');
  s = s.replace(/[\t-\r]/g, ' ');
  let m;
  if ((m = /^([0-9]{8})$/.exec(s))) {
    const a = Number(m[1]);
    const y1 = Math.floor(a / 10000), m1 = Math.floor(a / 100) % 100, d1 = a % 100;
    if (y1 >= 1890 && m1 <= 12 && d1 <= 31) return dobCheck(y1, m1, d1, false, today);
    return dobCheck(a % 10000, Math.floor(a / 10000) % 100, Math.floor(a / 1000000), false, today);
  }
  if ((m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])(.*)$/.exec(s))) {
    if (!timeSuffixOk(m[4])) return err('invalid_date');
    return dobCheck(+m[1], +m[2], +m[3], false, today);
  }
  if ((m = /^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})(?![0-9])(.*)$/.exec(s))) {
    if (!timeSuffixOk(m[5])) return err('invalid_date');
    return dobCheck(+m[4], +m[3], +m[1], m[4].length === 2, today);
  }
  return err('invalid_date');
}

// ---------------------------------------------------------------- email

// Port of bc_norm_email (DESIGN §4, email turn 2): white space, "mailto:"
// and "<...>" peeled in any order; one trailing dot dropped; NFC; one '@', a
// non-empty local part, a domain with a dot and no empty label. The local
// part: every letter by its simple lowercase mapping, NFC again. The domain:
// ASCII lowercased, or, holding non-ASCII, its A-label form by the WHATWG URL
// host parser (UTS #46 nontransitional), under the rules the C side applies to
// libidn2's answer (idnaResultOk) so that both accept the same domains.
export function normalizeEmail(input) {
  let s = String(input).replace(/\p{Cs}/gu, '\ufffd');
  for (let round = true; round;) {
    round = false;
    s = trimUspace(s);
    if (s.slice(0, 7).toLowerCase() === 'mailto:') { s = s.slice(7); round = true; }
    if (s.length >= 2 && s[0] === '<' && s[s.length - 1] === '>') { s = s.slice(1, -1); round = true; }
  }
  s = trimUspace(s);
  if (s.length === 0) return err('empty');
  if (utf8len(s) > 1024) return err('too_long');
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (!emailOk(s)) return err('invalid_email');
  if (/^[\u0000-\u007f]*$/.test(s)) {
    if (utf8len(s) > EMAIL_MAX) return err('too_long');
    return ok(s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  }
  const nfc = s.normalize('NFC');
  // NFC can make a character refused (U+037E is ';'): checked again, as the C does
  if (!emailOk(nfc)) return err('invalid_email');
  const at = nfc.indexOf('@');
  const local = [...nfc.slice(0, at)].map(simpleLower).join('').normalize('NFC');
  let domain = nfc.slice(at + 1);
  if (/^[\u0000-\u007f]*$/.test(domain)) {
    domain = domain.replace(/[A-Z]/g, (c) => c.toLowerCase());
  } else {
    if (/[\u0000-\u002c\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]/.test(domain)) return err('invalid_email');
    // and non-ASCII ones that libidn2 knows: a newer Unicode maps more
    for (const ch of domain) if (ch >= '\u0080' && !inIdnaTable(ch.codePointAt(0))) return err('invalid_email');
    try {
      domain = new URL(`http://${domain}/`).hostname;
    } catch {
      return err('invalid_email');
    }
    if (!idnaResultOk(domain)) return err('invalid_email');
  }
  const out = `${local}@${domain}`;
  if (utf8len(out) > EMAIL_MAX) return err('too_long');
  // the lowercase mapping or IDNA may have made an empty label or a refused character
  if (!emailOk(out)) return err('invalid_email');
  return ok(out);
}

// Code points given a lowercase mapping after Unicode 15.0 (utf8proc 2.8, the
// C side): the C code leaves them as they are. Found by the differential
// test's sweep of every code point (tests/browser/normalize-diff).
const CASE_NEWER_THAN_C = /^[\u{1c89}\u{a7cb}-\u{a7cc}\u{a7ce}\u{a7d2}\u{a7d4}\u{a7da}\u{a7dc}\u{10d50}-\u{10d65}\u{16ea0}-\u{16eb8}]$/u;

// The simple lowercase mapping of one code point (UnicodeData.txt field 13):
// toLowerCase gives the full mapping, which differs only for U+0130, and
// lowers one character alone, so the final-sigma rule never applies.
function simpleLower(ch) {
  if (ch === '\u0130') return 'i';
  if (CASE_NEWER_THAN_C.test(ch)) return ch;
  return ch.toLowerCase();
}

function inIdnaTable(cp) {
  let lo = 0;
  let hi = IDNA_OK.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cp < IDNA_OK[2 * mid]) hi = mid;
    else if (cp > IDNA_OK[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

// Punycode decoding (RFC 3492 §6.2) of the part after "xn--"; null when not valid.
function punyDecode(input) {
  const base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
  let n = 128, i = 0, bias = 72;
  const b = input.lastIndexOf('-');
  const out = [];
  for (let j = 0; j < Math.max(b, 0); j++) {
    if (input.charCodeAt(j) >= 0x80) return null;
    out.push(input.charCodeAt(j));
  }
  for (let idx = b > 0 ? b + 1 : 0; idx < input.length;) {
    const oldi = i;
    let w = 1;
    for (let k = base; ; k += base) {
      if (idx >= input.length) return null;
      const c = input.charCodeAt(idx++);
      const d = c >= 48 && c <= 57 ? c - 22 : c >= 97 && c <= 122 ? c - 97 : c >= 65 && c <= 90 ? c - 65 : base;
      if (d >= base) return null;
      i += d * w;
      const t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
      if (d < t) break;
      w *= base - t;
      if (w > 0x10ffff * 64) return null;
    }
    const len = out.length + 1;
    let delta = oldi === 0 ? Math.floor((i - oldi) / damp) : (i - oldi) >> 1;
    delta += Math.floor(delta / len);
    let k = 0;
    for (; delta > ((base - tmin) * tmax) >> 1; k += base) delta = Math.floor(delta / (base - tmin));
    bias = k + Math.floor(((base - tmin + 1) * delta) / (delta + skew));
    n += Math.floor(i / len);
    i %= len;
    if (n > 0x10ffff || (n >= 0xd800 && n < 0xe000)) return null;
    out.splice(i++, 0, n);
  }
  return String.fromCodePoint(...out);
}

// C: idna_result_ok. LDH labels of 1..63 bytes, no hyphen at either end, "--"
// at positions 3-4 only in "xn--", a last label that is not a number, and
// every "xn--" label decoding to code points of the table under the same
// hyphen rules.
function idnaResultOk(a) {
  if (a.length > 253) return false;
  const labels = a.split('.');
  for (const [i, lab] of labels.entries()) {
    if (lab.length === 0 || lab.length > 63 || lab[0] === '-' || lab[lab.length - 1] === '-') return false;
    if (!/^[a-z0-9-]+$/.test(lab)) return false;
    if (lab.length >= 4 && lab.slice(2, 4) === '--') {
      if (!lab.startsWith('xn')) return false;
      const u = punyDecode(lab.slice(4));
      if (u === null || u.length === 0) return false;
      if (u[0] === '-' || u[u.length - 1] === '-' || u.slice(2, 4) === '--') return false;
      for (const ch of u) if (ch.codePointAt(0) >= 0x80 && !inIdnaTable(ch.codePointAt(0))) return false;
    }
    if (i === labels.length - 1 && (/^[0-9]+$/.test(lab) || lab.startsWith('0x'))) return false;
  }
  return true;
}

// Characters, one '@', a non-empty local part, a domain with a dot and no
// empty label (C: email_check). Lone surrogates become U+FFFD first.
function emailOk(s) {
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c < 0x80) {
      if (c <= 0x20 || c === 0x7f || ch === '<' || ch === '>' || ch === ',' || ch === ';') return false;
    } else if (isUspace(ch) || c < 0xa0) {
      return false;
    }
  }
  const parts = s.split('@');
  if (parts.length !== 2 || parts[0].length === 0) return false;
  const domain = parts[1];
  return domain.length > 0 && domain.includes('.') && !domain.split('.').some((l) => l.length === 0);
}

// ---------------------------------------------------------------- phone

// French overseas mapping of a 9-digit national significant number.
const OVERSEAS = { 262: '262', 692: '262', 693: '262', 269: '262', 639: '262', 590: '590', 690: '590', 594: '594', 694: '594', 596: '596', 696: '596' };

function phoneEmit(cc, nsn) {
  if (cc.length + nsn.length > 15) return err('invalid_phone');
  return ok(`+${cc}${nsn}`);
}

function frEmit(nsn) {
  if (nsn.length !== 9 || nsn[0] === '0') return err('invalid_phone');
  return phoneEmit(OVERSEAS[nsn.slice(0, 3)] ?? '33', nsn);
}

function frCcLen(d) {
  if (d.startsWith('33')) return 2;
  if (['262', '590', '594', '596'].includes(d.slice(0, 3))) return 3;
  return 0;
}

function domEmit(d, nsn) {
  if (nsn.length !== 9 || nsn[0] === '0') return err('invalid_phone');
  return phoneEmit(d.slice(0, 3), nsn);
}

// Port of bc_norm_phone: a leading label skipped, digits read with their
// separators up to the first other character (trailing words, a second number).
export function normalizePhone(input) {
  const cps = [...String(input)];
  let i = 0;
  while (i < cps.length && !isDigit(cps[i]) && cps[i] !== '+') i++;
  let d = '';
  let plus = false;
  let started = false;
  while (i < cps.length) {
    const ch = cps[i];
    if (isDigit(ch)) {
      if (d.length >= 20) return err('invalid_phone');
      d += ch; started = true; i++;
    } else if (ch === '+') {
      if (started || plus) break;
      plus = true; i++;
    } else if (ch === '(') {
      // "(0)" right after an international prefix is the trunk 0: drop it.
      let j = i + 1;
      while (j < cps.length && cps[j] === ' ') j++;
      if (j < cps.length && cps[j] === '0') {
        let z = j + 1;
        while (z < cps.length && cps[z] === ' ') z++;
        if (z < cps.length && cps[z] === ')' && (plus || d.startsWith('00'))) { i = z + 1; continue; }
      }
      i++;
    } else if (ch === ' ' || ch === '.' || ch === '-' || ch === ')' || ch === '\t' ||
               ch === '\u00a0' || ch === '\u202f' || ch === '\u2009') {
      i++;
    } else {
      break;
    }
  }
  if (d.length === 0) return err('invalid_phone');
  if (!plus && d.startsWith('00')) { plus = true; d = d.slice(2); }
  if (plus) {
    const cl = frCcLen(d);
    if (cl) {
      let nsn = d.slice(cl);
      if (nsn.length === 10 && nsn[0] === '0') nsn = nsn.slice(1);
      return cl === 2 ? frEmit(nsn) : domEmit(d, nsn);
    }
    if (d[0] === '0' || d.length < 7 || d.length > 15) return err('invalid_phone');
    return phoneEmit('', d);
  }
  if (d.length === 10 && d[0] === '0') return frEmit(d.slice(1));
  if (d.length === 9 && d[0] !== '0') return frEmit(d);
  if (d.length === 11 && d.startsWith('33')) return frEmit(d.slice(2));
  if (d.length === 12 && d.startsWith('330')) return frEmit(d.slice(3));
  if (d.length === 12 && frCcLen(d) === 3) return domEmit(d, d.slice(3, 12));
  return err('invalid_phone');
}

// ---------------------------------------------------------------- tokens

// OPRF input strings of DESIGN.md §4; the kind numbers are vocab.js's.
export { KIND } from './vocab.js';

export function tokenInput(kind, ...fields) {
  return ['bc1', kind, ...fields].join('|');
}
