// An in-memory breachcheck server for the protocol tests: a key, an index of
// a few tokens built with the same format v1 code path as ingest would
// (bucket, tag, sealed entry, padded sorted buckets, hashes, index_id), and a
// fetch() answering /v1/config, /v1/evaluate, index.json and buckets. Every
// request is recorded.
import { randomBytes } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import { MODE_VOPRF, randomScalar } from '../src/oprf.js';
import {
  bucket32, bucketOf, entryTag, entryKey, sealEntry, computeIndexId, b64urlEncode, b64urlDecode,
} from '../src/index.js';
import { deriveKeyPair, evaluate, blindEvaluate } from './oprf-server.mjs';

const enc = new TextEncoder();

function payload({ kind, rows = 1, flags = 0, first = 0, last = 0, a = 0xffff, b = 0xffff }) {
  const p = new Uint8Array(16);
  const dv = new DataView(p.buffer);
  dv.setUint8(0, 1); dv.setUint8(1, kind); dv.setUint16(2, rows, true); dv.setUint32(4, flags >>> 0, true);
  dv.setUint16(8, first, true); dv.setUint16(10, last, true); dv.setUint16(12, a, true); dv.setUint16(14, b, true);
  return p;
}

// records: [{ input: 'bc1|...', breach: id, kind, rows, flags, first, last, a, b }]
export function makeServer({ records, bucketBits = 3, breaches, bucketsUrl = '', tamper = {} }) {
  const keys = deriveKeyPair(new Uint8Array(randomBytes(32)), enc.encode('breachcheck v1'), MODE_VOPRF);
  const salt = new Uint8Array(randomBytes(32));
  const n = 2 ** bucketBits;
  const lists = Array.from({ length: n }, () => []);
  for (const r of records) {
    const y = evaluate(keys.sk, enc.encode(r.input), MODE_VOPRF);
    const bk = bucketOf(bucket32(y, salt), bucketBits);
    const entry = sealEntry(entryKey(y, salt, r.breach), entryTag(y, salt, r.breach), payload(r));
    lists[bk].push(entry);
  }
  const per = Math.max(4, ...lists.map((l) => l.length));
  const buckets = lists.map((l) => {
    while (l.length < per) l.push(new Uint8Array(randomBytes(48)));
    l.sort((x, z) => Buffer.compare(Buffer.from(x.subarray(0, 16)), Buffer.from(z.subarray(0, 16))));
    const out = new Uint8Array(per * 48);
    l.forEach((e, i) => out.set(e, i * 48));
    return out;
  });
  const hashes = buckets.map((b) => blake2b(b, { dkLen: 32 }));
  const verified = new Uint8Array(64 * 48);
  const vh = blake2b(verified, { dkLen: 32 });
  const indexId = computeIndexId(hashes, vh, salt);
  const config = {
    format: 1, suite: 'ristretto255-SHA512', mode: 'voprf', public_key: b64urlEncode(keys.pk),
    verified_public_key: b64urlEncode(keys.pk), bucket_bits: bucketBits, bucket_entries: per, entry_bytes: 48,
    index_id: indexId, salt: b64urlEncode(salt), min_real_entries: 1, max_batch: 16, buckets_url: bucketsUrl,
    breaches,
  };
  const indexJson = {
    format: 1, suite: 'ristretto255-SHA512', bucket_bits: bucketBits, bucket_entries: per, entry_bytes: 48,
    index_id: indexId, salt: b64urlEncode(salt), bucket_hashes: hashes.map(b64urlEncode),
    verified_hash: b64urlEncode(vh), public_key: tamper.indexNoKey ? undefined : tamper.indexKey ? b64urlEncode(deriveKeyPair(new Uint8Array(32), enc.encode('other'), MODE_VOPRF).pk) : b64urlEncode(keys.pk), breaches,
  };
  const log = [];
  const reply = (status, body, headers = {}) => ({
    status, ok: status >= 200 && status < 300,
    headers: { get: (h) => headers[h] ?? headers[h.toLowerCase()] ?? null },
    json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
  });
  async function fetchFn(url, init = {}) {
    log.push({ url, method: init.method ?? 'GET', body: init.body ?? '', headers: init.headers ?? {}, cache: init.cache, credentials: init.credentials });
    if (tamper.network) throw new TypeError('Failed to fetch');
    const u = new URL(url, 'http://evaluator.test');
    const path = u.pathname.replace(/^\/cdn\//, '/');
    if (path === '/v1/config') return reply(200, config);
    if (path === '/v1/evaluate' && init.method === 'POST') {
      if (tamper.rateLimit) return reply(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '42' });
      const req = JSON.parse(init.body);
      const blinded = req.blinded_elements.map(b64urlDecode);
      const { evaluated, proof } = blindEvaluate(keys.sk, blinded, randomScalar(), MODE_VOPRF);
      if (tamper.proof) proof[3] ^= 1;
      return reply(200, { evaluated_elements: evaluated.map(b64urlEncode), proof: b64urlEncode(proof) });
    }
    let m = /^\/v1\/index\/([0-9a-f]{32})\/index\.json$/.exec(path);
    if (m) return m[1] === indexId ? reply(200, indexJson) : reply(404, { error: { code: 'stale_index' } });
    m = /^\/v1\/buckets\/([0-9a-f]{32})\/(\d+)$/.exec(path);
    if (m && m[1] === indexId && +m[2] < n) {
      const data = buckets[+m[2]].slice();
      if (tamper.bucket) data[7] ^= 1;
      return reply(200, data);
    }
    return reply(404, { error: { code: 'not_found', message: 'no such route' } });
  }
  return { fetch: fetchFn, log, config, keys, salt };
}
