import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  runCheck, buildTokens, CheckError, BATCH, BUCKET_READS, newSession, padBucket, slotReads, tokenSlots,
} from '../src/check.js';
import { makeServer } from './fake-server.mjs';

const TODAY = { y: 2026, m: 11, d: 29 };
const BREACHES = [
  { id: 3, name: 'labo-2021', title: 'Fuite des laboratoires', breach_date: '2021-02-23', is_sensitive: true,
    sources: ['Labo A', 'Labo B', 'Labo C'], controller: 'Labo SAS', dpo_contact: 'dpo@example.fr', complaint_url: '' },
  { id: 9, name: 'other', title: 'Autre fuite', breach_date: '2020-01-01', is_sensitive: false,
    sources: ['Labo Z'], controller: 'Z', dpo_contact: '', complaint_url: 'https://example.org/plainte' },
];
const PATIENT = {
  nir: '2 55 08 14 168 025 38', birthName: 'Martin-Dupont', firstName: 'Hélène', dob: '03/07/1985',
  email: 'Jean.Dupont@Example.fr', phone: '06 39 98 12 34',
};
// What the index holds, by canonical token input (flag bits of DESIGN.md §7).
const RECORDS = [
  { input: 'bc1|nir|2550814168025', breach: 3, kind: 1, flags: 0b111 },
  { input: 'bc1|namedob|MARTINDUPONT|HELENE|1985-07-03', breach: 3, kind: 2, flags: 0b101 },
  { input: 'bc1|email|jean.dupont@example.fr', breach: 9, kind: 3, rows: 2, flags: (1 << 5) | (1 << 8), first: 230, last: 233, a: 0 },
  { input: 'bc1|phone|+262639981234', breach: 9, kind: 4, rows: 3, flags: ((1 << 6) | (1 << 31)) >>> 0 },
  { input: 'bc1|nir|1850575021000', breach: 9, kind: 1, flags: 0b10 },
];
const IDENT_STRINGS = ['2550814168025', '255081416802538', 'MARTINDUPONT', 'Martin', 'HELENE', 'Hélène',
  '1985-07-03', '03/07/1985', 'jean.dupont', 'Dupont', '639981234', '+262639981234', '06 39'];

function noIdentifier(log) {
  for (const r of log) {
    const blob = `${r.url} ${r.body} ${JSON.stringify(r.headers)}`;
    for (const s of IDENT_STRINGS) assert.ok(!blob.toLowerCase().includes(s.toLowerCase()), `request leaks ${s}`);
  }
}

test('buildTokens: token inputs, kinds used, usage name, errors', () => {
  const r = buildTokens({ ...PATIENT, usageName: 'Durand' }, TODAY);
  assert.deepEqual(r.errors, {});
  assert.deepEqual(r.tokens.map((x) => x.input), [
    'bc1|nir|2550814168025', 'bc1|namedob|MARTINDUPONT|HELENE|1985-07-03', 'bc1|namedob|DURAND|HELENE|1985-07-03',
    'bc1|email|jean.dupont@example.fr', 'bc1|phone|+262639981234']);
  assert.deepEqual(r.used, ['nir', 'namedob', 'email', 'phone']);
  assert.ok(r.tokens.length <= BATCH);
  assert.deepEqual(buildTokens({ nir: '2 55 08 14 168 025 00' }, TODAY).errors, { nir: 'invalid_key' });
  assert.deepEqual(buildTokens({}, TODAY).errors, { _form: 'nothing' });
  assert.deepEqual(buildTokens({ birthName: 'Martin' }, TODAY).errors, { firstName: 'need_namedob', dob: 'need_namedob' });
  assert.deepEqual(buildTokens({ birthName: 'Martin', firstName: 'Jean', dob: '31/02/1985' }, TODAY).errors, { dob: 'invalid_date' });
  assert.deepEqual(buildTokens({ email: 'x@example', phone: 'abc' }, TODAY).errors, { email: 'invalid_email', phone: 'invalid_phone' });
  // Same birth and usage name: one token.
  assert.equal(buildTokens({ birthName: 'Martin', usageName: 'MARTIN', firstName: 'Jean', dob: '1/2/1980' }, TODAY).tokens.length, 1);
});

test('found: classes, matched kinds, shared token, period, labs; requests fixed and blind', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES });
  const r = await runCheck(PATIENT, { fetch: s.fetch, base: 'http://evaluator.test', today: TODAY });
  const byId = Object.fromEntries(r.hits.map((h) => [h.breach.id, h]));
  assert.deepEqual(Object.keys(byId).sort(), ['3', '9']);
  assert.deepEqual(byId[3].matched.sort(), ['namedob', 'nir']);
  assert.equal(byId[3].flags, 0b111);
  assert.deepEqual(byId[9].matched.sort(), ['email', 'phone']);
  assert.deepEqual(byId[9].shared, ['phone']);
  assert.equal(byId[9].flags, (1 << 5) | (1 << 6) | (1 << 8));
  assert.equal(byId[9].rows, 2, 'shared token does not contribute rows');
  assert.deepEqual([byId[9].firstMonth, byId[9].lastMonth], [230, 233]);
  assert.deepEqual(byId[9].sources, [0]);
  assert.equal(s.log.length, 3 + BUCKET_READS);
  noIdentifier(s.log);
});

test('requests are the same in number, order of kinds and size whatever is typed or found', async () => {
  const shapes = [];
  for (const fields of [PATIENT, { nir: '1 85 05 75 021 000 97' }, { email: 'nobody@example.org' },
    { nir: '2840588321025', email: 'a@example.net', phone: '0199001234', birthName: 'X', firstName: 'Y', dob: '01/01/1950' }]) {
    const s = makeServer({ records: RECORDS, breaches: BREACHES });
    const r = await runCheck(fields, { fetch: s.fetch, base: 'http://evaluator.test', today: TODAY });
    assert.ok(r.used.length >= 1);
    const kinds = s.log.map((x) => x.url.replace(/\/v1\/buckets\/[0-9a-f]+\/\d+$/, '/bucket').replace(/[0-9a-f]{32}/, 'ID'));
    const evalBody = JSON.parse(s.log.find((x) => x.method === 'POST').body);
    assert.equal(evalBody.blinded_elements.length, BATCH);
    const bucketNums = s.log.filter((x) => /\/v1\/buckets\//.test(x.url)).map((x) => +x.url.split('/').pop());
    assert.equal(bucketNums.length, BUCKET_READS, 'one read per slot, repeats included');
    shapes.push({ kinds, evalLen: s.log.find((x) => x.method === 'POST').body.length });
    for (const x of s.log) {
      assert.equal(x.cache, 'no-store', 'never from the HTTP cache: a cached bucket would mark the real ones');
      assert.equal(x.credentials, 'omit');
    }
    noIdentifier(s.log);
  }
  for (const sh of shapes) assert.deepEqual(sh, shapes[0]);
});

test('not found: nothing, and the breaches checked are the catalogue', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES });
  const r = await runCheck({ nir: '1 85 05 75 022 000' }, { fetch: s.fetch, base: 'http://e.test', today: TODAY });
  assert.deepEqual(r.hits, []);
  assert.deepEqual(r.used, ['nir']);
  assert.equal(r.config.breaches.length, 2);
});

test('buckets_url elsewhere: index.json and buckets from there, none from the evaluator', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES, bucketsUrl: 'http://mirror.test/cdn' });
  const r = await runCheck({ email: PATIENT.email }, { fetch: s.fetch, base: 'http://evaluator.test', today: TODAY });
  assert.equal(r.hits.length, 1);
  const ev = s.log.filter((x) => x.url.startsWith('http://evaluator.test'));
  const mirror = s.log.filter((x) => x.url.startsWith('http://mirror.test/cdn/v1/'));
  assert.deepEqual(ev.map((x) => new URL(x.url).pathname), ['/v1/config', '/v1/evaluate']);
  assert.equal(mirror.length, 1 + BUCKET_READS);
});

async function rejects(tamper, code, check = () => {}) {
  const s = makeServer({ records: RECORDS, breaches: BREACHES, tamper });
  await assert.rejects(runCheck(PATIENT, { fetch: s.fetch, base: 'http://e.test', today: TODAY }),
    (e) => { assert.ok(e instanceof CheckError); assert.equal(e.code, code); check(e); return true; });
}

test('a wrong proof is an error, not a result', () => rejects({ proof: true }, 'proof'));
test('a tampered bucket is an error, not a result', () => rejects({ bucket: true }, 'hash'));
test('an index of another key is an error, not a "not found"', () => rejects({ indexKey: true }, 'key_mismatch'));
test('an index.json without public_key is refused (#14 item 7)', () => rejects({ indexNoKey: true }, 'key_mismatch'));
test('pinned keys: the right ones pass, any other key is refused before evaluating (#14 item 7)', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES });
  const cfg = await (await s.fetch('http://e.test/v1/config')).json();
  const ok = await runCheck({ nir: PATIENT.nir }, { fetch: s.fetch, base: 'http://e.test', today: TODAY,
    pinned: { publicKey: cfg.public_key, verifiedPublicKey: cfg.verified_public_key } });
  assert.equal(ok.hits.length, 1);
  const other = 'A'.repeat(42) + 'Q';
  for (const pinned of [{ publicKey: other, verifiedPublicKey: '' }, { publicKey: cfg.public_key, verifiedPublicKey: other }]) {
    s.log.length = 0;
    await assert.rejects(runCheck({ nir: PATIENT.nir }, { fetch: s.fetch, base: 'http://e.test', today: TODAY, pinned }),
      (e) => e instanceof CheckError && e.code === 'key_pinned');
    assert.deepEqual(s.log.map((x) => new URL(x.url).pathname), ['/v1/config'], 'nothing evaluated under an unknown key');
  }
});
test('429 gives its retry time', () => rejects({ rateLimit: true }, 'rate_limited', (e) => assert.equal(e.retryAfter, 42)));
test('network down', () => rejects({ network: true }, 'network'));
test('input errors stop before any request', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES });
  await assert.rejects(runCheck({ nir: '255081416802539' }, { fetch: s.fetch, today: TODAY }),
    (e) => e.code === 'input' && e.errors.nir === 'invalid_key');
  assert.equal(s.log.length, 0);
});

test('padding buckets: per slot, uniform range, independent of the real buckets', () => {
  const ses = newSession();
  assert.equal(BATCH, 6);
  assert.equal(BUCKET_READS, 6);
  const pads = [0, 1, 2, 3, 4, 5].map((sl) => padBucket(ses, 'x', sl, 1024));
  assert.ok(pads.every((b) => Number.isInteger(b) && b >= 0 && b < 1024));
  assert.deepEqual(slotReads([], ses, 'x', 1024), pads);
  // whatever the real buckets are, the empty slots read the same padding
  for (const real of [[7], [100], [1023], [0]]) {
    const r = slotReads([{ slot: 0, bucket: real[0] }, { slot: 3, bucket: 5 }], ses, 'x', 1024);
    assert.deepEqual(r, [real[0], pads[1], pads[2], 5, pads[4], pads[5]]);
  }
  assert.notDeepEqual([0, 1, 2, 3, 4, 5].map((sl) => padBucket(ses, 'y', sl, 1024)), pads, 'another index, other padding');
  assert.notDeepEqual([0, 1, 2, 3, 4, 5].map((sl) => padBucket(newSession(), 'x', sl, 1024)), pads, 'another page load, other padding');
  assert.deepEqual(slotReads([{ slot: 0, bucket: 0 }], ses, 'x', 1), [0, 0, 0, 0, 0, 0], 'a one-bucket index reads it six times');
  assert.deepEqual(tokenSlots(buildTokens({ ...PATIENT, usageName: 'Durand' }, TODAY).tokens), [0, 1, 2, 3, 4]);
  assert.deepEqual(tokenSlots(buildTokens({ email: PATIENT.email }, TODAY).tokens), [3]);
  // spread: over many sessions, padding hits every part of the range
  const seen = new Set();
  for (let i = 0; i < 2000; i++) seen.add(padBucket(newSession(), 'z', i % 6, 64));
  assert.equal(seen.size, 64);
});

// #14 item 5: checking NIR, then NIR + email, in one page session. The bucket
// host intersects the two sets of reads. With padding drawn per check (or
// seeded by the real buckets, as before) the NIR's bucket was the only read
// in common; now the 4 slots neither check filled read the same padding, so
// the intersection has 5 buckets and the NIR's is one of them, by chance.
test('two checks sharing an identifier: the intersection does not single out the real bucket', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES, bucketBits: 10 });
  const reads = async (fields, session) => {
    s.log.length = 0;
    await runCheck(fields, { fetch: s.fetch, base: 'http://e.test', today: TODAY, session });
    return s.log.filter((x) => x.url.includes('/v1/buckets/')).map((x) => +x.url.split('/').pop());
  };
  const nirOnly = { nir: PATIENT.nir };
  let singled = 0;
  let realInCommon = 0;
  const sessions = 12;
  const nirBucket = (await reads(nirOnly, { padKey: new Uint8Array(32) })).length; // warm-up
  assert.equal(nirBucket, BUCKET_READS);
  for (let i = 0; i < sessions; i++) {
    const session = newSession();
    const a = await reads(nirOnly, session);
    const b = await reads({ nir: PATIENT.nir, email: PATIENT.email }, session);
    const common = [...new Set(a)].filter((x) => b.includes(x));
    // multiset: at least 5 of the 6 reads are the same
    const left = [...b];
    let same = 0;
    for (const x of a) { const j = left.indexOf(x); if (j >= 0) { left.splice(j, 1); same++; } }
    assert.ok(same >= 5, `only ${same} reads in common`);
    if (common.length === 1) singled++;
    realInCommon += common.length;
  }
  assert.equal(singled, 0, 'the intersection singled out one bucket');
  assert.ok(realInCommon >= sessions * 4, 'the real bucket hides among the common reads');
});

test('a repeated check reads the same buckets; another person, other ones', async () => {
  const s = makeServer({ records: RECORDS, breaches: BREACHES, bucketBits: 6 });
  const buckets = async (fields) => {
    s.log.length = 0;
    await runCheck(fields, { fetch: s.fetch, base: 'http://e.test', today: TODAY });
    return s.log.filter((x) => x.url.includes('/v1/buckets/')).map((x) => +x.url.split('/').pop()).sort((x, y) => x - y);
  };
  const first = await buckets(PATIENT);
  assert.deepEqual(await buckets(PATIENT), first);
  assert.notDeepEqual(await buckets({ email: 'someone.else@example.net' }), first);
});

// A letter's code (DESIGN.md §6, §10): the whole payload of the proof tier,
// with requests shaped as any other check; a typo never reaches the server.
test('claim: code + NIR + date of birth find the full payload, like any check in shape', async () => {
  const CLAIM = '0T11-SWB6-4G91-SVS8';
  const medical = (1 << 12) | (1 << 17);
  const records = [...RECORDS,
    { input: 'bc1|claim|0T11SWB64G91SVS|2550814168025', breach: 3, kind: 6, rows: 4, flags: 0b111 | medical, first: 220, last: 231, a: 1, b: 2 }];
  const s = makeServer({ records, breaches: BREACHES });
  const r = await runCheck({ claim: CLAIM, nir: PATIENT.nir, dob: PATIENT.dob }, { fetch: s.fetch, base: 'http://e.test', today: TODAY });
  assert.equal(r.hits.length, 1);
  assert.deepEqual(r.hits[0].matched, ['claim']);
  assert.equal(r.hits[0].flags & medical, medical);
  assert.equal(r.hits[0].rows, 4);
  assert.deepEqual(r.used, ['claim']);
  const evalBody = JSON.parse(s.log.find((x) => x.method === 'POST').body);
  assert.equal(evalBody.blinded_elements.length, BATCH);
  assert.equal(s.log.filter((x) => /\/v1\/buckets\//.test(x.url)).length, BUCKET_READS);
  assert.equal(s.log.length, 3 + BUCKET_READS);
  noIdentifier(s.log);
  for (const x of s.log) assert.ok(!`${x.url} ${x.body}`.includes('SWB6'), 'the code never leaves in clear');
  // another person's NIR with this code: nothing
  const s2 = makeServer({ records, breaches: BREACHES });
  const r2 = await runCheck({ claim: CLAIM, nir: '1 85 05 75 021 000 97' }, { fetch: s2.fetch, base: 'http://e.test', today: TODAY });
  assert.deepEqual(r2.hits, []);
  // a typo: refused by the check symbol, before any request
  const b = buildTokens({ claim: '0T11-SWB6-4G91-SVS9', nir: PATIENT.nir });
  assert.equal(b.errors.claim, 'bad_check');
  assert.equal(b.tokens.length, 0);
  assert.equal(buildTokens({ claim: CLAIM }).errors.nir, 'need_claim_id');
});
