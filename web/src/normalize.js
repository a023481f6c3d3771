// Canonical forms of identifiers, DESIGN.md §4. Must produce the same bytes as
// src/normalize (checked against shared/vectors/normalize.tsv).
//
// Every function returns { ok: true, value } or { ok: false, reason }, with
// reason one of the stable strings of vectors/normalize.tsv ("empty",
// "invalid_key", "invalid_format", "invalid_length", "invalid_date",
// "incomplete_date", "invalid_email", "invalid_phone", "too_long"). Nothing of
// the input is ever put into a reason.

const ok = (value) => ({ ok: true, value });
const err = (reason) => ({ ok: false, reason });

export const NAME_MAX = 255; // canonical name bytes (C: BC_NAME_MAX incl. NUL)
export const EMAIL_MAX = 319;

// ---------------------------------------------------------------- NIR

// NIR key (1..97) of a 13-character body; 2A -> 19, 2B -> 18 (positions 6-7).
export function nirKey(body) {
  const digits = body.slice(0, 5) + (body.slice(5, 7) === '2A' ? '19' : body.slice(5, 7) === '2B' ? '18' : body.slice(5, 7)) + body.slice(7);
  let r = 0;
  for (const c of digits) r = (r * 10 + (c.charCodeAt(0) - 48)) % 97;
  return 97 - r;
}

export function normalizeNir(input) {
  const s = String(input).replace(/[\s.\-]/gu, '').toUpperCase();
  if (s.length === 0) return err('empty');
  if (!/^[0-9A-Z]+$/.test(s)) return err('invalid_format');
  if (s.length !== 13 && s.length !== 15) return err('invalid_length');
  const body = s.slice(0, 13);
  const dept = body.slice(5, 7);
  const rest = body.slice(0, 5) + body.slice(7);
  if (!/^[0-9]{11}$/.test(rest)) return err('invalid_format');
  if (!/^[0-9]{2}$/.test(dept) && dept !== '2A' && dept !== '2B') return err('invalid_format');
  if (s.length === 15) {
    const key = s.slice(13);
    if (!/^[0-9]{2}$/.test(key)) return err('invalid_format');
    if (Number(key) !== nirKey(body)) return err('invalid_key');
  }
  return ok(body);
}

// ---------------------------------------------------------------- names

const TRANSLIT = new Map([
  ['Œ', 'OE'], ['œ', 'OE'], ['Æ', 'AE'], ['æ', 'AE'], ['ß', 'SS'], ['ẞ', 'SS'],
  ['Ø', 'O'], ['ø', 'O'], ['Ł', 'L'], ['ł', 'L'], ['Đ', 'D'], ['đ', 'D'],
  ['ı', 'I'], ['Ð', 'D'], ['ð', 'D'], ['Þ', 'TH'], ['þ', 'TH'],
]);

function canonName(input) {
  const decomposed = String(input).normalize('NFKD').replace(/\p{M}/gu, '');
  let out = '';
  for (const ch of decomposed) {
    const t = TRANSLIT.get(ch);
    const u = (t ?? ch).replace(/[a-z]/g, (c) => c.toUpperCase());
    out += u.replace(/[^A-Z0-9]/g, '');
  }
  return out;
}

export function normalizeLastName(input) {
  const out = canonName(input);
  if (out.length === 0) return err('empty');
  if (out.length > NAME_MAX) return err('too_long');
  return ok(out);
}

// The first given name only: split on white space and hyphens, first piece
// whose canonical form is not empty.
export function normalizeFirstName(input) {
  for (const piece of String(input).split(/[\s\-]+/u)) {
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

// today: { y, m, d } civil date (default: today, UTC, as the C code).
export function todayUTC() {
  const t = new Date();
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function cmpDate(a, b) { return a.y - b.y || a.m - b.m || a.d - b.d; }

function checkDate(y, m, d, today) {
  if (m === 0 || d === 0) return err('incomplete_date');
  if (m > 12 || d > daysIn(y, m)) return err('invalid_date');
  if (y < 1890 || cmpDate({ y, m, d }, today) > 0) return err('invalid_date');
  return ok(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
}

function validShape(y, m, d) { return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m); }

export function normalizeDob(input, today = todayUTC()) {
  const s = String(input).trim();
  if (s.length === 0) return err('empty');
  let m;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/u.exec(s))) {
    return checkDate(+m[1], +m[2], +m[3], today);
  }
  if ((m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/.exec(s))) {
    return checkDate(+m[3], +m[2], +m[1], today);
  }
  if ((m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$/.exec(s))) {
    const yy = +m[3], mo = +m[2], d = +m[1];
    // The century that puts the date in the past (or today).
    let y = 2000 + yy;
    if (cmpDate({ y, m: mo, d }, today) > 0) y -= 100;
    return checkDate(y, mo, d, today);
  }
  if ((m = /^(\d{8})$/.exec(s))) {
    // YYYYMMDD when that reads as a valid date, else DDMMYYYY.
    const y1 = +s.slice(0, 4), m1 = +s.slice(4, 6), d1 = +s.slice(6, 8);
    if (y1 >= 1890 && validShape(y1, m1, d1)) return checkDate(y1, m1, d1, today);
    return checkDate(+s.slice(4, 8), +s.slice(2, 4), +s.slice(0, 2), today);
  }
  return err('invalid_date');
}

// ---------------------------------------------------------------- email

export function normalizeEmail(input) {
  let s = String(input).trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (/^mailto:/i.test(s)) s = s.slice(7).trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  s = s.normalize('NFC').replace(/[A-Z]/g, (c) => c.toLowerCase());
  const parts = s.split('@');
  if (parts.length !== 2) return err('invalid_email');
  const [local] = parts;
  let domain = parts[1];
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (local.length === 0 || !domain.includes('.')) return err('invalid_email');
  if (domain.split('.').some((label) => label.length === 0)) return err('invalid_email');
  const out = `${local}@${domain}`;
  if (new TextEncoder().encode(out).length > EMAIL_MAX) return err('too_long');
  return ok(out);
}

// ---------------------------------------------------------------- phone

// Overseas departments: national prefix (with the 0) -> country code.
const OVERSEAS = [
  [['0262', '0692', '0693', '0269', '0639'], '262'],
  [['0590', '0690'], '590'],
  [['0594', '0694'], '594'],
  [['0596', '0696'], '596'],
];

function frenchNational(nine) {
  if (!/^[1-9][0-9]{8}$/.test(nine)) return err('invalid_phone');
  const withZero = '0' + nine;
  for (const [prefixes, cc] of OVERSEAS) {
    if (prefixes.some((p) => withZero.startsWith(p))) return ok(`+${cc}${nine}`);
  }
  return ok(`+33${nine}`);
}

export function normalizePhone(input) {
  let s = String(input).trim();
  s = s.replace(/^tel:/i, '');
  // Trailing words such as "(portable)": cut at the first letter, then drop
  // an unmatched opening parenthesis left behind.
  const letter = s.search(/\p{L}/u);
  if (letter >= 0) s = s.slice(0, letter);
  s = s.replace(/\(0\)/g, '');
  if (/[^0-9+\s.\-()/]/u.test(s)) return err('invalid_phone');
  const plus = /^\s*\+/.test(s);
  if ((s.match(/\+/g) || []).length > (plus ? 1 : 0)) return err('invalid_phone');
  let d = s.replace(/[^0-9]/g, '');
  if (d.length === 0) return err('invalid_phone');
  let intl = plus;
  if (!intl && d.startsWith('00')) { intl = true; d = d.slice(2); }
  if (intl) {
    if (d.startsWith('33')) {
      let n = d.slice(2);
      if (n.length === 10 && n.startsWith('0')) n = n.slice(1);
      return frenchNational(n);
    }
    if (!/^[1-9][0-9]{6,14}$/.test(d)) return err('invalid_phone');
    return ok(`+${d}`);
  }
  if (d.length === 10 && d.startsWith('0')) return frenchNational(d.slice(1));
  if (d.length === 9) return frenchNational(d);
  if (d.length === 11 && d.startsWith('33')) return frenchNational(d.slice(2));
  if (d.length === 12 && d.startsWith('330')) return frenchNational(d.slice(3));
  return err('invalid_phone');
}

// ---------------------------------------------------------------- tokens

// OPRF input strings of DESIGN.md §4 (kind numbers: nir 1, namedob 2, email 3, phone 4).
export const KIND = { nir: 1, namedob: 2, email: 3, phone: 4, verified: 5 };

export function tokenInput(kind, ...fields) {
  return ['bc1', kind, ...fields].join('|');
}
