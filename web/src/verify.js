// Email verification, the proof tier's email path (DESIGN.md §6, §8;
// docs/verify.md): the server mails a 6-digit code to the address; with it,
// one blinded element of bc1|verified|<nir13> is evaluated with the POPRF
// under skV, the address the server verified as info. The page verifies the
// proof against pkV tweaked by that address, finalizes, fetches verified.bin
// whole (checked against index.json) and opens the patient's entry: the full
// payload, medical categories included. The server and its mail relay learn
// the address and the time; not the NIR, nor whether an entry exists.
import { normalizeNir, normalizeEmail, tokenInput } from './normalize.js';
import { MODE_POPRF, blind, finalize, verifyProof, poprfTweakedKey } from './oprf.js';
import { entryTag, entryKey, openEntry, parsePayload, lookup, hashMatches, computeIndexId, b64urlDecode, b64urlEncode, ENTRY_BYTES } from './index.js';
import { addPayload } from './report.js';
import { CheckError, checkPinned, checkConfig, bucketsBase, request, json, joinUrl, PINNED } from './check.js';

const enc = new TextEncoder();
const KIND_VERIFIED = 5;

// Normalise what was typed: { email, nir13 } or throws CheckError('input', { errors }).
export function verifyInputs(emailInput, nirInput) {
  const errors = {};
  const e = normalizeEmail(emailInput);
  const n = normalizeNir(nirInput);
  if (!e.ok) errors.vemail = e.reason;
  if (!n.ok) errors.vnir = n.reason;
  if (Object.keys(errors).length) throw new CheckError('input', { errors });
  return { email: e.value, nir13: n.value };
}

// POST /v1/verify/start: the code goes to the address. Returns the verification id.
export async function startVerification(email, opts = {}) {
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const res = await json(await request(fetchFn, joinUrl(opts.base ?? '', '/v1/verify/start'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email }),
  }));
  if (typeof res.verification_id !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(res.verification_id)) {
    throw new CheckError('server', { status: 200, serverCode: 'bad_json' });
  }
  return res.verification_id;
}

// The code and the NIR -> { config, used: ['verified'], hits }, or throws CheckError.
export async function finishVerification({ email, nir13, id, code }, opts = {}) {
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const base = opts.base ?? '';
  const digits = String(code).replace(/[\s-]/g, '');
  if (!/^[0-9]{6}$/.test(digits)) throw new CheckError('input', { errors: { vcode: 'code_format' } });
  const config = await json(await request(fetchFn, joinUrl(base, '/v1/config'), {}));
  const { salt } = checkConfig(config);
  checkPinned(config, opts.pinned ?? PINNED);
  let pkV;
  try {
    pkV = b64urlDecode(config.verified_public_key);
    if (pkV.length !== 32) throw new Error();
  } catch {
    throw new CheckError('config');
  }
  const info = enc.encode(email);
  const input = enc.encode(tokenInput('verified', nir13));
  const b = blind(input, MODE_POPRF);
  const ans = await json(await request(fetchFn, joinUrl(base, '/v1/verify/evaluate'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ verification_id: id, code: digits, blinded_element: b64urlEncode(b.blindedElement) }),
  }));
  let evaluated, proof;
  try {
    evaluated = b64urlDecode(ans.evaluated_element);
    proof = b64urlDecode(ans.proof);
  } catch {
    throw new CheckError('proof');
  }
  // RFC 9497 §3.3.3: the POPRF proof is over (tweaked key, evaluated, blinded), in that order
  if (!verifyProof(poprfTweakedKey(pkV, info), [evaluated], [b.blindedElement], proof, MODE_POPRF)) {
    throw new CheckError('proof');
  }
  const y = finalize(input, b.blind, evaluated, info);

  // verified.bin, whole (nobody learns which entry), checked against index.json
  const bbase = bucketsBase(config, base);
  const idx = config.index_id;
  const index = await json(await request(fetchFn, joinUrl(bbase, `/v1/index/${idx}/index.json`), {}));
  let vh;
  try {
    const hashes = index.bucket_hashes.map(b64urlDecode);
    vh = b64urlDecode(index.verified_hash);
    if (index.public_key !== config.public_key) throw new CheckError('key_mismatch');
    if (computeIndexId(hashes, vh, b64urlDecode(index.salt)) !== idx) throw new Error();
  } catch (e) {
    if (e instanceof CheckError) throw e;
    throw new CheckError('hash', { what: 'index' });
  }
  const res = await request(fetchFn, joinUrl(bbase, `/v1/verified/${idx}`), {});
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.length % ENTRY_BYTES || !hashMatches(data, vh)) throw new CheckError('hash', { what: 'verified' });
  const hits = new Map();
  for (const breach of config.breaches) {
    const entry = lookup(data, entryTag(y, salt, breach.id));
    if (!entry) continue;
    const p = parsePayload(openEntry(entryKey(y, salt, breach.id), entry));
    if (!p || p.kind !== KIND_VERIFIED) throw new CheckError('hash', { what: 'entry' });
    addPayload(hits, breach, p);
  }
  return { config, used: ['verified'], hits: [...hits.values()] };
}
