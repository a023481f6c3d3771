// The private check protocol of the page (DESIGN.md §2, §5, §8): normalised
// identifiers -> token inputs -> one /v1/evaluate for a fixed-size batch
// (padded with random elements) -> proof verified -> Finalize -> a fixed
// number of bucket reads from buckets_url in random order (one per token
// slot, the empty slots reading the session's padding buckets), each checked against index.json -> entries decrypted.
// The requests made (count, sizes, order) do not depend on what was typed
// or found: config, evaluate, index.json, then BUCKET_READS buckets.
import {
  normalizeNir, normalizeLastName, normalizeFirstName, normalizeDob, normalizeEmail,
  normalizePhone, tokenInput, KIND, todayUTC,
} from './normalize.js';
import { MODE_VOPRF, blind, dummyElement, finalize, verifyProof, concat } from './oprf.js';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  bucket32, bucketOf, entryTag, entryKey, openEntry, parsePayload, lookup, hashMatches,
  computeIndexId, b64urlDecode, b64urlEncode, ENTRY_BYTES,
} from './index.js';
import { addPayload } from './report.js';
import { canonClaim, claimInput } from './claim.js';

// At most 5 tokens (nir, namedob x 2 for the birth and usage name, email,
// phone) and a spare slot: every check evaluates 6 elements and reads 6
// buckets, one per token slot (DESIGN.md §2.3).
export const BATCH = 6;
export const BUCKET_READS = 6;
const SLOT = { nir: 0, namedob: 1, email: 3, phone: 4 };

const enc = new TextEncoder();

/* global BC_PINNED_PUBLIC_KEY, BC_PINNED_VERIFIED_PUBLIC_KEY */
// Keys pinned when the page was built (web/build.mjs --public-key,
// --verified-public-key; meson -Dpage_public_key=...): base64url pkS and
// pkV, or '' (not pinned: the evaluator's /v1/config is believed). A server
// that gave each visitor a key of its own could recognise them later
// (#14 item 7); a pinned page refuses any other key.
export const PINNED = {
  publicKey: typeof BC_PINNED_PUBLIC_KEY === 'string' ? BC_PINNED_PUBLIC_KEY : '',
  verifiedPublicKey: typeof BC_PINNED_VERIFIED_PUBLIC_KEY === 'string' ? BC_PINNED_VERIFIED_PUBLIC_KEY : '',
};

// The pinned keys against a /v1/config: throws CheckError('key_pinned').
export function checkPinned(config, pinned = PINNED) {
  if (pinned.publicKey && config.public_key !== pinned.publicKey) throw new CheckError('key_pinned');
  if (pinned.verifiedPublicKey && config.verified_public_key !== pinned.verifiedPublicKey) {
    throw new CheckError('key_pinned');
  }
}

export class CheckError extends Error {
  // code: input | network | rate_limited | proof | hash | key_mismatch | key_pinned | config | stale | server
  constructor(code, detail = {}) {
    super(code);
    this.code = code;
    Object.assign(this, detail);
  }
}

// Form values -> { tokens: [{kind, input}], used: [kind names], errors: {field: reason} }.
// fields: nir, birthName, usageName, firstName, dob, email, phone (strings).
// A claim check (DESIGN.md §6): the letter's code, refused by its check
// symbol before any request, with the NIR and/or the date of birth; only
// claim tokens (the proof tier), padded like any check.
function buildClaimTokens(fields, today) {
  const errors = {};
  const tokens = [];
  const val = (k) => (fields[k] ?? '').trim();
  const code = canonClaim(val('claim'));
  if (!code.ok) errors.claim = code.error;
  let nir = null;
  let dob = null;
  if (val('nir')) { const r = normalizeNir(val('nir')); if (r.ok) nir = r.value; else errors.nir = r.reason; }
  if (val('dob')) { const r = normalizeDob(val('dob'), today); if (r.ok) dob = r.value; else errors.dob = r.reason; }
  if (!val('nir') && !val('dob') && !errors.claim) errors.nir = 'need_claim_id';
  if (!Object.keys(errors).length) {
    if (nir) tokens.push({ kind: 'claim', input: claimInput(code.value, nir, null) });
    if (dob) tokens.push({ kind: 'claim', input: claimInput(code.value, null, dob) });
  }
  return { tokens, used: tokens.length ? ['claim'] : [], errors };
}

export function buildTokens(fields, today = todayUTC()) {
  if ((fields.claim ?? '').trim()) return buildClaimTokens(fields, today);
  const errors = {};
  const tokens = [];
  const used = [];
  const val = (k) => (fields[k] ?? '').trim();
  const take = (field, fn) => {
    if (!val(field)) return null;
    const r = fn(val(field));
    if (!r.ok) { errors[field] = r.reason; return null; }
    return r.value;
  };
  const nir = take('nir', normalizeNir);
  const birth = take('birthName', normalizeLastName);
  const usage = take('usageName', normalizeLastName);
  const first = take('firstName', normalizeFirstName);
  const dob = take('dob', (s) => normalizeDob(s, today));
  const email = take('email', normalizeEmail);
  const phone = take('phone', normalizePhone);

  if (nir) { tokens.push({ kind: 'nir', input: tokenInput('nir', nir) }); used.push('nir'); }
  const names = [...new Set([birth, usage].filter(Boolean))];
  const anyName = val('birthName') || val('usageName') || val('firstName');
  if (names.length && first && dob) {
    for (const n of names) tokens.push({ kind: 'namedob', input: tokenInput('namedob', n, first, dob) });
    used.push('namedob');
  } else if (anyName || (val('dob') && !errors.dob)) {
    // A name or a date alone is not an identifier: say what is missing.
    if (!val('birthName') && !val('usageName') && !errors.birthName) errors.birthName = 'need_namedob';
    if (!val('firstName') && !errors.firstName) errors.firstName = 'need_namedob';
    if (!val('dob') && !errors.dob) errors.dob = 'need_namedob';
  }
  if (email) { tokens.push({ kind: 'email', input: tokenInput('email', email) }); used.push('email'); }
  if (phone) { tokens.push({ kind: 'phone', input: tokenInput('phone', phone) }); used.push('phone'); }
  if (!Object.keys(errors).length && !tokens.length) errors._form = 'nothing';
  return { tokens, used, errors };
}

function randomInt(n) {
  // Uniform in [0, n), n <= 2^32.
  const lim = Math.floor(0x100000000 / n) * n;
  for (;;) {
    const v = crypto.getRandomValues(new Uint32Array(1))[0];
    if (v < lim) return v % n;
  }
}

export function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// Padding (docs/page.md "Padding"). A session is one page load: a key drawn
// at load, in memory only. Slot s (nir, namedob, namedob, email, phone,
// spare) of a check reads its token's bucket when the person filled it, else
// the session's padding bucket of slot s, a function of the key, the index id
// and s only, never of a real bucket. Two checks of one session differ only
// in the slots one of them filled: the identifiers they share are hidden
// among the same padding, not singled out by intersecting the two reads.
export function newSession() {
  return { padKey: crypto.getRandomValues(new Uint8Array(32)) };
}

const pageSession = newSession();

// Padding bucket of slot s in [0, nBuckets): keyed BLAKE2b-64 of
// "bc pad" || index_id || u32le(s) || u32le(ctr), by rejection.
export function padBucket(session, indexId, slot, nBuckets) {
  if (nBuckets <= 1) return 0;
  const lim = Math.floor(0x100000000 / nBuckets) * nBuckets;
  const u32 = (v) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  for (let ctr = 0; ; ctr++) {
    const h = blake2b(concat(enc.encode('bc pad'), enc.encode(indexId), u32(slot), u32(ctr)), { key: session.padKey, dkLen: 8 });
    const v = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    if (v < lim) return v % nBuckets;
  }
}

// The 6 bucket reads of a check: slotted = [{ slot, bucket }] of the tokens;
// every other slot reads its padding bucket. Repeats are kept (two slots in
// one bucket read it twice), so the reads are BUCKET_READS uniform draws to
// whoever sees them. Not shuffled here.
export function slotReads(slotted, session, indexId, nBuckets) {
  const reads = [];
  for (let s = 0; s < BUCKET_READS; s++) {
    const t = slotted.find((x) => x.slot === s);
    reads.push(t ? t.bucket : padBucket(session, indexId, s, nBuckets));
  }
  return reads;
}

// Slot of each token (buildTokens order: nir, namedob..., email, phone).
export function tokenSlots(tokens) {
  let namedob = 0;
  let claim = 0;
  // a claim query holds claims only: the spare slot, then a namedob's (as src/client)
  return tokens.map((t) => (t.kind === 'namedob' ? SLOT.namedob + namedob++
    : t.kind === 'claim' ? (claim++ ? 2 : 5) : SLOT[t.kind] ?? 5));
}

export function joinUrl(base, path) {
  return base.replace(/\/+$/, '') + path;
}

export async function request(fetchFn, url, init) {
  let res;
  try {
    // no-store: a bucket served from the browser's cache on a second check
    // would tell the bucket host which reads of the first check were real.
    res = await fetchFn(url, { credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store', ...init });
  } catch {
    throw new CheckError('network');
  }
  if (res.status === 429) {
    const ra = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
    throw new CheckError('rate_limited', { retryAfter: Number.isFinite(ra) && ra >= 0 ? ra : null });
  }
  if (!res.ok) {
    let code = '';
    try { code = (await res.json())?.error?.code ?? ''; } catch { /* not JSON */ }
    const verifyCodes = ['code_invalid', 'code_expired', 'too_many_tries', 'mail_failed', 'not_implemented'];
    if (verifyCodes.includes(code)) throw new CheckError(code, { status: res.status });
    throw new CheckError(code === 'stale_index' ? 'stale' : 'server', { status: res.status, serverCode: code });
  }
  return res;
}

export async function json(res) {
  try { return await res.json(); } catch { throw new CheckError('server', { status: res.status, serverCode: 'bad_json' }); }
}

export function checkConfig(c) {
  const okNum = (v, max) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!c || c.format !== 1 || c.suite !== 'ristretto255-SHA512' || (typeof c.mode === 'string' && c.mode !== 'voprf') || !okNum(c.bucket_bits, 24) ||
      !okNum(c.bucket_entries, 1 << 24) || c.entry_bytes !== ENTRY_BYTES ||
      typeof c.index_id !== 'string' || !/^[0-9a-f]{32}$/.test(c.index_id) ||
      !Number.isInteger(c.max_batch) || c.max_batch < BATCH || !Array.isArray(c.breaches)) {
    throw new CheckError('config');
  }
  try {
    const pk = b64urlDecode(c.public_key);
    const salt = b64urlDecode(c.salt);
    if (pk.length !== 32 || salt.length !== 32) throw new Error();
    return { pk, salt };
  } catch {
    throw new CheckError('config');
  }
}

// Resolve buckets_url against the evaluator's base ("" = same server).
export function bucketsBase(config, base) {
  const u = typeof config.buckets_url === 'string' ? config.buckets_url.trim() : '';
  if (!u) return base;
  try { return new URL(u, base || undefined).href; } catch { return u; }
}

/*
 * Run one check. fields: form values. opts: { fetch, base (evaluator URL
 * prefix, "" = this origin), today, session (newSession(); default: the
 * page load's), pinned ({ publicKey, verifiedPublicKey }; default PINNED) }. Returns { config, used, hits: [...] }
 * (hits as report.js addPayload builds them), or throws CheckError.
 */
export async function runCheck(fields, opts = {}) {
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const base = opts.base ?? '';
  const { tokens, used, errors } = buildTokens(fields, opts.today);
  if (Object.keys(errors).length) throw new CheckError('input', { errors });

  // 1. configuration of the evaluator
  const config = await json(await request(fetchFn, joinUrl(base, '/v1/config'), {}));
  const { pk, salt } = checkConfig(config);
  checkPinned(config, opts.pinned ?? PINNED);

  // 2. one evaluation request, fixed batch size, real elements at random places
  const places = shuffle([...Array(BATCH).keys()]);
  const blinded = Array.from({ length: BATCH }, () => dummyElement());
  const blinds = tokens.map((t, i) => {
    const input = enc.encode(t.input);
    const b = blind(input, MODE_VOPRF);
    blinded[places[i]] = b.blindedElement;
    return { input, blind: b.blind, slot: places[i] };
  });
  const evalRes = await json(await request(fetchFn, joinUrl(base, '/v1/evaluate'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ blinded_elements: blinded.map(b64urlEncode) }),
  }));
  let evaluated, proof;
  try {
    evaluated = evalRes.evaluated_elements.map(b64urlDecode);
    proof = b64urlDecode(evalRes.proof);
  } catch {
    throw new CheckError('proof');
  }
  if (evaluated.length !== BATCH || !verifyProof(pk, blinded, evaluated, proof, MODE_VOPRF)) {
    throw new CheckError('proof');
  }
  const ys = tokens.map((t, i) => ({
    kind: t.kind,
    y: finalize(blinds[i].input, blinds[i].blind, evaluated[blinds[i].slot]),
  }));

  // 3. which buckets: one per slot, the token's or the session's padding
  const nBuckets = 2 ** config.bucket_bits;
  const slots = tokenSlots(tokens);
  for (const t of ys) t.bucket = bucketOf(bucket32(t.y, salt), config.bucket_bits);
  const wanted = shuffle(slotReads(ys.map((t, i) => ({ slot: slots[i], bucket: t.bucket })),
    opts.session ?? pageSession, config.index_id, nBuckets));

  // 4. bucket hashes (index.json from the bucket host), then the buckets
  const bbase = bucketsBase(config, base);
  const id = config.index_id;
  const index = await json(await request(fetchFn, joinUrl(bbase, `/v1/index/${id}/index.json`), {}));
  let hashes;
  try {
    hashes = index.bucket_hashes.map(b64urlDecode);
    const vh = b64urlDecode(index.verified_hash);
    const isalt = b64urlDecode(index.salt);
    // index.json must state its key (#14 item 7): an index without one, or
    // of another key, is refused rather than read as "not found"
    if (index.public_key !== config.public_key) throw new CheckError('key_mismatch');
    if (hashes.length !== nBuckets || index.bucket_entries !== config.bucket_entries ||
        b64urlEncode(isalt) !== b64urlEncode(salt) || computeIndexId(hashes, vh, isalt) !== id) throw new Error();
  } catch (e) {
    if (e instanceof CheckError) throw e;
    throw new CheckError('hash', { what: 'index' });
  }
  const size = config.bucket_entries * ENTRY_BYTES;
  const buckets = new Map();
  // every read is made, repeats included (the bucket host must see 6)
  await Promise.all(wanted.map(async (b) => {
    const res = await request(fetchFn, joinUrl(bbase, `/v1/buckets/${id}/${b}`), {});
    const data = new Uint8Array(await res.arrayBuffer());
    if (data.length !== size || !hashMatches(data, hashes[b])) throw new CheckError('hash', { what: 'bucket' });
    buckets.set(b, data);
  }));

  // 5. look every token up in every breach
  const hits = new Map();
  for (const t of ys) {
    const bucket = buckets.get(t.bucket);
    for (const breach of config.breaches) {
      const entry = lookup(bucket, entryTag(t.y, salt, breach.id));
      if (!entry) continue;
      const p = parsePayload(openEntry(entryKey(t.y, salt, breach.id), entry));
      if (!p || p.kind !== KIND[t.kind]) throw new CheckError('hash', { what: 'entry' });
      addPayload(hits, breach, p);
    }
  }
  return { config, used, hits: [...hits.values()] };
}
