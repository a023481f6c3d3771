// Claim codes (DESIGN.md §6), the same rules as src/claim/claim.c: 15 Crockford
// base32 data symbols + 1 check symbol c = Σ d_i·α^(15−i) in GF(32) =
// GF(2)[x]/(x⁵+x²+1), α = x. Vectors: tests/vectors/claim.tsv.

export const CLAIM_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function symbolValue(ch) {
  let c = ch.toUpperCase();
  if (c === 'O') c = '0';
  else if (c === 'I' || c === 'L') c = '1';
  if (c.length !== 1) return -1;
  return CLAIM_ALPHABET.indexOf(c);
}

function timesAlpha(a) {
  a <<= 1;
  return a & 0x20 ? a ^ 0x25 : a;
}

function checkValue(d) {
  let c = 0;
  for (let i = 0; i < 15; i++) c = timesAlpha(c ^ d[i]);
  return c;
}

// Canonical form of a typed code: { ok: true, value: '16 symbols' } or
// { ok: false, error: 'bad_symbol' | 'bad_length' | 'bad_check' } (a bad
// symbol is reported before a bad length, as in C).
export function canonClaim(input) {
  const d = [];
  for (const ch of String(input)) {
    if (ch === '-' || ch === ' ') continue;
    const v = symbolValue(ch);
    if (v < 0) return { ok: false, error: 'bad_symbol' };
    d.push(v);
  }
  if (d.length !== 16) return { ok: false, error: 'bad_length' };
  if (checkValue(d) !== d[15]) return { ok: false, error: 'bad_check' };
  return { ok: true, value: d.map((v) => CLAIM_ALPHABET[v]).join('') };
}

// XXXX-XXXX-XXXX-XXXX of a canonical code.
export function formatClaim(canon) {
  return canon.match(/.{1,4}/g).join('-');
}

// OPRF input of a claim token (kind 6): with a canonical NIR (13 characters)
// bc1|claim|<15>|<nir13>, else with a canonical date bc1|claim|<15>|dob|<YYYY-MM-DD>.
export function claimInput(canon, nir13, dob) {
  const data = canon.slice(0, 15);
  if (nir13) return `bc1|claim|${data}|${nir13}`;
  return `bc1|claim|${data}|dob|${dob}`;
}

// Read and remove #claim=CODE from the address: call before anything else
// runs, so the code leaves the address bar and the history entry at once.
export function takeClaimFragment(loc = globalThis.location, hist = globalThis.history) {
  if (!loc || !loc.hash) return null;
  const m = /^#claim=([^&]*)$/.exec(loc.hash);
  if (!m) return null;
  const code = decodeURIComponent(m[1]);
  if (hist && hist.replaceState) hist.replaceState(hist.state ?? null, '', loc.pathname + loc.search);
  return code;
}
