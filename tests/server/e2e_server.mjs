// End-to-end test of `breachcheck serve` (suite e2e): real servers on
// loopback ports chosen by the kernel, an index published by the index
// module's writer (bc-server-testtool mkindex) from synthetic emails, the
// crypto side (blind, verify the DLEQ proof, finalize) in the C helper, the
// HTTP side with node's fetch. Also checks docs/openapi.yaml against the
// running server (see checkOpenapi).
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const BUILD = process.env.BC_BUILD;
const SOURCE = process.env.BC_SOURCE;
assert.ok(BUILD && SOURCE, 'BC_BUILD and BC_SOURCE must be set (meson test does)');
const BC = path.join(BUILD, 'breachcheck');
const TOOL = path.join(BUILD, 'tests', 'server', 'bc-server-testtool');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bc-server-e2e-'));
// page directories live apart from the keys, their state and the index (serve refuses otherwise)
const webTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bc-server-e2e-web-'));
const N_ENTRIES = 300;
const K = 16;

const allLogs = [];
const servers = [];
const secrets = []; // strings that must never appear in any log
let failures = 0;

function tool(...args) {
  return execFileSync(TOOL, args, { encoding: 'utf8' }).trim();
}

function mkindex(dir, key) {
  return tool('mkindex', dir, key, String(N_ENTRIES), String(K));
}

function keygen(file) {
  const out = execFileSync(BC, ['keygen', file], { encoding: 'utf8' });
  return /public_key\s+(\S+)/.exec(out)[1];
}

async function startServer(args, { expectFail = false } = {}) {
  const proc = spawn(BC, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const s = { proc, lines: [], stderr: '', exited: null };
  let buf = '';
  proc.stderr.on('data', (d) => {
    buf += d.toString();
    s.stderr += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      s.lines.push(line);
      allLogs.push(line);
    }
  });
  // 'close', not 'exit': the last log lines (e.g. "stopping") may still be
  // in the pipe when 'exit' fires
  s.exit = new Promise((resolve) => proc.on('close', (code) => { s.exited = code; resolve(code); }));
  if (expectFail) {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await s.exit;
    clearTimeout(timer);
    return s;
  }
  const t0 = Date.now();
  while (Date.now() - t0 < 15000) {
    let ev = s.lines.map(tryJson).find((o) => o && o.event === 'listening');
    const human = s.lines.map((l) => /^breachcheck serve: listening on (\S+) \(metrics (\S+), index/.exec(l)).find(Boolean);
    if (!ev && human) ev = { url: human[1], metrics_url: human[2] };
    if (ev) {
      s.url = ev.url.replace(/\/$/, '');
      s.metricsUrl = ev.metrics_url;
      servers.push(s);
      return s;
    }
    if (s.exited !== null) throw new Error(`serve exited ${s.exited}: ${s.stderr}`);
    await sleep(20);
  }
  throw new Error('serve did not start');
}

async function stopServer(s) {
  s.proc.kill('SIGTERM');
  const code = await s.exit;
  assert.equal(code, 0, 'SIGTERM drains and exits 0');
}

function tryJson(l) {
  try { return JSON.parse(l); } catch { return null; }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Wait (up to ms) until cond() holds; returns its last value.
async function waitUntil(cond, ms = 20000, step = 20) {
  const t0 = Date.now();
  let v = await cond();
  while (!v && Date.now() - t0 < ms) {
    await sleep(step);
    v = await cond();
  }
  return v;
}

// Loopback TCP sockets from /proc/net/tcp: { local, remote, state, rxQueue }
// with ports as numbers (IPv4 only, as the servers here listen on 127.0.0.1).
function tcpSockets() {
  return fs.readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return { local: parseInt(f[1].split(':')[1], 16), remote: parseInt(f[2].split(':')[1], 16),
      state: f[3], rxQueue: parseInt(f[4].split(':')[1], 16) };
  });
}

// Wait until the server listening on serverPort has read everything the
// client socket sent (its receive queue is empty), so that a request line
// written just before has reached the server, not only the kernel.
async function waitServerRead(serverPort, sock) {
  const cport = sock.localPort;
  const ok = await waitUntil(() => tcpSockets().some((t) => t.local === serverPort && t.remote === cport
    && t.rxQueue === 0), 20000);
  assert.ok(ok, 'the server read the request line');
  await sleep(50);
}

// Wait until nothing listens on port any more (the server closed its socket).
async function waitNotListening(port) {
  const ok = await waitUntil(() => !tcpSockets().some((t) => t.local === port && t.state === '0A'), 20000);
  assert.ok(ok, 'the listening socket was closed');
}

async function test(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}\n  ${(e && e.stack) || e}`);
  }
}

async function post(base, body, headers = {}) {
  return fetch(`${base}/v1/evaluate`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function rawGet(base, p) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'GET' }, (res) => {
      let d = '';
      res.on('data', (c) => { d += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: d, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

function blind(input) {
  const [b, e] = tool('blind', input).split(' ');
  return { blind: b, blinded: e };
}

async function expectError(res, status, code) {
  assert.equal(res.status, status, `status ${res.status} != ${status}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json/);
  const body = await res.json();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  return body;
}

// Look an input up through the server: evaluate, verify, finalize, bucket,
// tag, decrypt. Returns the 16-byte payload or null.
async function lookupBatch(base, cfg, inputs) {
  const bl = inputs.map(blind);
  for (const x of bl) secrets.push(x.blinded);
  const res = await post(base, { blinded_elements: bl.map((x) => x.blinded) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const out = await res.json();
  assert.equal(out.evaluated_elements.length, inputs.length);
  assert.equal(out.proof.length, 86);
  const v = spawnSync(TOOL, ['verify', cfg.public_key, out.proof,
    bl.map((x) => x.blinded).join(','), out.evaluated_elements.join(',')]);
  assert.equal(v.status, 0, 'the DLEQ proof verifies against /v1/config public_key');
  // and the check can fail: another proof does not verify
  const bad = Buffer.from(out.proof, 'base64url');
  bad[5] ^= 1;
  const v2 = spawnSync(TOOL, ['verify', cfg.public_key, b64url(bad),
    bl.map((x) => x.blinded).join(','), out.evaluated_elements.join(',')]);
  assert.equal(v2.status, 1, 'a tampered proof is rejected');
  const results = [];
  for (let i = 0; i < inputs.length; i++) {
    const [bucket, tagHex, kHex] = tool('finalize', inputs[i], bl[i].blind, out.evaluated_elements[i],
      cfg.salt, String(cfg.bucket_bits), '1').split(' ');
    const r = await fetch(`${base}/v1/buckets/${cfg.index_id}/${bucket}`);
    assert.equal(r.status, 200);
    const data = Buffer.from(await r.arrayBuffer());
    assert.equal(data.length, cfg.bucket_entries * cfg.entry_bytes);
    let payload = null;
    for (let off = 0; off < data.length; off += 48) {
      if (data.subarray(off, off + 16).toString('hex') === tagHex) {
        const d = crypto.createDecipheriv('chacha20-poly1305', Buffer.from(kHex, 'hex'),
          Buffer.alloc(12), { authTagLength: 16 });
        d.setAuthTag(data.subarray(off + 32, off + 48));
        payload = Buffer.concat([d.update(data.subarray(off + 16, off + 32)), d.final()]);
      }
    }
    results.push(payload);
  }
  return results;
}

async function main() {
  const key = path.join(tmp, 'server.key');
  const key2 = path.join(tmp, 'other.key');
  const idx = path.join(tmp, 'index');
  const pk = keygen(key);
  keygen(key2);
  const firstId = mkindex(idx, key);
  assert.match(firstId, /^[0-9a-f]{32}$/);
  const logFile = path.join(tmp, 'access.log');

  const srv = await startServer(['--index', idx, '--key', key, '--web', 'none']);
  const base = srv.url;
  let cfg;

  await test('GET /v1/config has every field of DESIGN §8 with the right encodings', async () => {
    const res = await fetch(`${base}/v1/config`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    cfg = await res.json();
    assert.deepEqual(Object.keys(cfg).sort(), ['breaches', 'bucket_bits', 'bucket_entries', 'buckets_url',
      'entry_bytes', 'format', 'index_id', 'max_batch', 'min_real_entries', 'mode', 'public_key', 'salt',
      'suite', 'verified_public_key'].sort());
    assert.equal(cfg.format, 1);
    assert.equal(cfg.suite, 'ristretto255-SHA512');
    assert.equal(cfg.mode, 'voprf');
    assert.equal(cfg.public_key, pk);
    assert.match(cfg.verified_public_key, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(cfg.verified_public_key, pk);
    assert.equal(cfg.index_id, firstId);
    assert.match(cfg.salt, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(cfg.entry_bytes, 48);
    assert.equal(cfg.max_batch, 16);
    assert.equal(cfg.buckets_url, '');
    assert.ok(cfg.bucket_bits >= 1, 'several buckets');
    assert.ok(cfg.min_real_entries >= K);
    const ij = JSON.parse(fs.readFileSync(path.join(idx, 'index.json'), 'utf8'));
    assert.equal(cfg.salt, ij.salt);
    assert.equal(cfg.bucket_entries, ij.bucket_entries);
    assert.equal(cfg.breaches.length, 1);
    assert.equal(cfg.breaches[0].name, 'Test-Breach');
    for (const f of ['id', 'name', 'title', 'breach_date', 'added_date', 'pwn_count', 'data_classes',
      'is_sensitive', 'description', 'sources', 'controller', 'dpo_contact', 'complaint_url'])
      assert.ok(f in cfg.breaches[0], `breaches[].${f}`);
  });

  await test('POST /v1/evaluate round trip: proof verifies, members found with their payload, others not', async () => {
    const inputs = ['bc1|email|person5@example.org', 'bc1|email|person17@example.org',
      'bc1|email|nobody@example.org'];
    secrets.push('person5@example.org', 'person17@example.org', 'nobody@example.org');
    const [p5, p17, none] = await lookupBatch(base, cfg, inputs);
    assert.ok(p5, 'person5 found');
    assert.equal(p5[0], 1);
    assert.equal(p5[1], 3); // kind email
    assert.equal(p5.readUInt16LE(2), 6); // rows = i + 1
    assert.ok(p17);
    assert.equal(p17.readUInt16LE(2), 18);
    assert.equal(none, null);
    const one = await lookupBatch(base, cfg, ['bc1|email|person0@example.org']);
    assert.equal(one[0].readUInt16LE(2), 1);
  });

  await test('bucket downloads: immutable cache headers, ETag, 304, HEAD; whole files match the index', async () => {
    const u = `${base}/v1/buckets/${cfg.index_id}/0`;
    const r = await fetch(u);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(r.headers.get('etag'), `"${cfg.index_id}-0"`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('set-cookie'), null);
    const b0 = Buffer.from(await r.arrayBuffer());
    const r304 = await fetch(u, { headers: { 'if-none-match': `"${cfg.index_id}-0"` } });
    assert.equal(r304.status, 304);
    assert.equal(r304.headers.get('etag'), `"${cfg.index_id}-0"`);
    assert.equal(r304.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const rOther = await fetch(u, { headers: { 'if-none-match': `"${cfg.index_id}-1"` } });
    assert.equal(rOther.status, 200);
    await rOther.arrayBuffer();
    const head = await fetch(u, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(b0.length));
    const all = Buffer.from(await (await fetch(`${base}/v1/index/${cfg.index_id}/buckets.bin`)).arrayBuffer());
    const nb = 2 ** cfg.bucket_bits;
    assert.equal(all.length, nb * cfg.bucket_entries * 48);
    assert.ok(all.equals(fs.readFileSync(path.join(idx, 'buckets.bin'))));
    const last = Buffer.from(await (await fetch(`${base}/v1/buckets/${cfg.index_id}/${nb - 1}`)).arrayBuffer());
    assert.ok(last.equals(all.subarray(all.length - last.length)));
    assert.ok(b0.equals(all.subarray(0, b0.length)));
    const ij = await fetch(`${base}/v1/index/${cfg.index_id}/index.json`);
    assert.match(ij.headers.get('content-type'), /^application\/json/);
    assert.equal(ij.headers.get('etag'), `"${cfg.index_id}-index.json"`);
    assert.equal(await ij.text(), fs.readFileSync(path.join(idx, 'index.json'), 'utf8'));
    const ver = await fetch(`${base}/v1/verified/${cfg.index_id}`);
    assert.equal(ver.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const vb = Buffer.from(await ver.arrayBuffer());
    assert.ok(vb.length > 0 && vb.length % (64 * 48) === 0);
    assert.ok(vb.equals(fs.readFileSync(path.join(idx, 'verified.bin'))));
  });

  await test('keep-alive: two requests on one connection', async () => {
    const net = await import('node:net');
    const u = new URL(base);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.on('connect', r));
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(await waitUntil(() => data.includes('"status":"ok"'), 20000, 10), 'first response');
    assert.ok(!/connection: close/i.test(data), 'first response keeps the connection');
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await closed;
    assert.equal(data.match(/HTTP\/1\.1 200/g).length, 2);
  });

  await test('catalogue, health', async () => {
    const r = await fetch(`${base}/v1/breaches`);
    const b = await r.json();
    assert.equal(b.breaches.length, 1);
    const one = await fetch(`${base}/v1/breaches/tEsT-bReAcH`);
    assert.equal(one.status, 200);
    assert.equal((await one.json()).id, 1);
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok', index_id: cfg.index_id });
  });

  await test('every bad request gets its status and JSON error code', async () => {
    const el = blind('bc1|email|person1@example.org').blinded;
    secrets.push(el);
    const identity = b64url(Buffer.alloc(32));
    const nonCanonical = b64url(Buffer.alloc(32, 0xff));
    const cases = [
      ['not json', 400, 'bad_json'],
      ['[1,2]', 400, 'bad_json'],
      ['{"blinded_elements":[], "blinded_elements":[]}', 400, 'bad_json'],
      ['{}', 400, 'bad_field'],
      ['{"blinded_elements":"abc"}', 400, 'bad_field'],
      ['{"blinded_elements":[]}', 400, 'bad_field'],
      ['{"blinded_elements":[42]}', 400, 'bad_field'],
      [JSON.stringify({ blinded_elements: Array(17).fill(el) }), 400, 'batch_too_large'],
      [JSON.stringify({ blinded_elements: ['abc'] }), 400, 'invalid_element'],
      [JSON.stringify({ blinded_elements: [el + 'A'] }), 400, 'invalid_element'],
      [JSON.stringify({ blinded_elements: [el.replace(/.$/, '=')] }), 400, 'invalid_element'],
      [JSON.stringify({ blinded_elements: [identity] }), 400, 'invalid_element'],
      [JSON.stringify({ blinded_elements: [el, nonCanonical] }), 400, 'invalid_element'],
      [JSON.stringify({ blinded_elements: [el], pad: 'x'.repeat(20000) }), 413, 'body_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(base, body);
      const e = await expectError(res, status, code);
      assert.ok(!e.error.message.includes(el.slice(0, 12)), 'no request data in messages');
    }
    // a chunked body over the cap (no Content-Length)
    const big = await new Promise((resolve, reject) => {
      const u = new URL(`${base}/v1/evaluate`);
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
        headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let d = '';
        res.on('data', (c) => { d += c; });
        res.on('end', () => resolve({ status: res.statusCode, body: d }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(5000));
      req.end();
    });
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).error.code, 'body_too_large');

    const id = cfg.index_id;
    const stale = '0'.repeat(32);
    const nb = 2 ** cfg.bucket_bits;
    const gets = [
      ['GET', '/v1/nope', 404, 'not_found'],
      ['GET', '/v1', 404, 'not_found'],
      ['GET', `/v1/buckets/${id}/${nb}`, 404, 'not_found'],
      ['GET', `/v1/buckets/${id}/01`, 404, 'not_found'],
      ['GET', `/v1/buckets/${id}/-1`, 404, 'not_found'],
      ['GET', `/v1/buckets/${id}/abc`, 404, 'not_found'],
      ['GET', `/v1/buckets/${id}/99999999999999`, 404, 'not_found'],
      ['GET', `/v1/buckets/${id.toUpperCase()}/0`, 404, 'not_found'],
      ['GET', `/v1/buckets/${stale}/0`, 404, 'stale_index'],
      ['GET', `/v1/verified/${stale}`, 404, 'stale_index'],
      ['GET', `/v1/index/${stale}/buckets.bin`, 404, 'stale_index'],
      ['GET', `/v1/index/${stale}/index.json`, 404, 'stale_index'],
      ['GET', `/v1/index/${id}/state`, 404, 'not_found'],
      ['GET', '/v1/breaches/no-such-breach', 404, 'not_found'],
      ['GET', '/metrics', 404, 'not_found'],
      ['GET', '/', 404, 'not_found'],
      ['GET', '/server.key', 404, 'not_found'],
      ['GET', '/v1/evaluate', 405, 'method_not_allowed', 'POST'],
      ['DELETE', '/v1/config', 405, 'method_not_allowed', 'GET, HEAD'],
      ['POST', `/v1/buckets/${id}/0`, 405, 'method_not_allowed', 'GET, HEAD'],
      ['GET', '/v1/verify/start', 405, 'method_not_allowed', 'POST'],
      ['POST', '/v1/verify/start', 501, 'not_implemented'],
      ['POST', '/v1/verify/evaluate', 501, 'not_implemented'],
    ];
    for (const [method, p, status, code, allow] of gets) {
      const res = await fetch(`${base}${p}`, { method, body: method === 'POST' ? '{}' : undefined });
      await expectError(res, status, code).catch((e) => { throw new Error(`${method} ${p}: ${e.message}`); });
      if (allow) assert.equal(res.headers.get('allow'), allow);
    }
  });

  await test('hostile bytes: odd JSON, odd base64, pipelining, HTTP/1.0, odd paths; libmicrohttpd\'s own answers', async () => {
    const s2 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '0',
      '--log', 'none']);
    const u = new URL(s2.url);
    const net = await import('node:net');
    // send raw bytes, read until the server closes; the answers as [status, type, body]
    const rawReq = (bytes, base = s2.url) => new Promise((resolve) => {
      const v = new URL(base);
      const sock = net.connect(Number(v.port), v.hostname, () => sock.end(bytes));
      const parts = [];
      sock.on('data', (d) => parts.push(d));
      sock.on('error', () => {});
      sock.on('close', () => {
        const text = Buffer.concat(parts).toString('latin1');
        const out = [];
        const re = /HTTP\/1\.[01] (\d+)[^\r]*\r\n([^]*?)\r\n\r\n/g;
        let m;
        while ((m = re.exec(text))) {
          const len = Number((/content-length: *(\d+)/i.exec(m[2]) || [0, 0])[1]);
          const type = (/content-type: *([^\r]*)/i.exec(m[2]) || [0, ''])[1];
          const body = text.slice(re.lastIndex, re.lastIndex + len);
          re.lastIndex += len;
          out.push([Number(m[1]), type, body]);
        }
        resolve(out);
      });
      setTimeout(() => sock.destroy(), 5000);
    });
    const postBytes = (body, extra = 'Content-Type: application/json\r\n') => Buffer.concat([
      Buffer.from(`POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}` +
        `Content-Length: ${body.length}\r\n\r\n`), Buffer.from(body)]);
    const el = blind('bc1|email|person2@example.org').blinded;
    secrets.push(el);
    const lastBits = el.slice(0, 42) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[
      ('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(el[42]) ^ 1)];
    const jsonCases = [
      ['['.repeat(8000) + ']'.repeat(8000), 400, 'bad_json'],
      ['{"blinded_elements":' + '['.repeat(5000) + ']'.repeat(5000) + '}', 400, 'bad_json'],
      ['{"blinded_elements":1' + '0'.repeat(4000) + '}', 400, 'bad_json'],
      ['{"blinded_elements":[1e999999]}', 400, 'bad_json'],
      [Buffer.from('{"blinded_elements":["\xff\xfe"]}', 'latin1'), 400, 'bad_json'],
      ['\ufeff{"blinded_elements":["' + el + '"]}', 400, 'bad_json'],
      [Buffer.from('{"blinded_elements":["' + el + '"]}', 'utf16le'), 400, 'bad_json'],
      [Buffer.from('{"blinded_elements":["' + el + '"]}\0', 'latin1'), 400, 'bad_json'],
      ['{"blinded_elements":["\\u0000' + el.slice(1) + '"]}', 400, 'bad_json'],
      ['{"blinded_elements":["' + el + '"]}{}', 400, 'bad_json'],
      ['{"blinded_elements":{"0":"' + el + '"}}', 400, 'bad_field'],
      ['{"blinded_elements":[null]}', 400, 'bad_field'],
      ['{"blinded_elements":[["' + el + '"]]}', 400, 'bad_field'],
      ['{"blinded_elements":["' + el.replace(/-/g, '+').replace(/_/g, '/') + '"]}', 400,
        /[-_]/.test(el) ? 'invalid_element' : null],
      ['{"blinded_elements":[" ' + el.slice(1) + '"]}', 400, 'invalid_element'],
      ['{"blinded_elements":["' + el.slice(0, 20) + '\\n' + el.slice(21) + '"]}', 400, 'invalid_element'],
      ['{"blinded_elements":["' + lastBits + '"]}', 400, 'invalid_element'],
      ['{"blinded_elements":["' + el + '"],"blinded_elements":["' + el + '"]}', 400, 'bad_json'],
      [' \n{"blinded_elements":["' + el + '"],"other":[1,{"x":null}]}\n', 200, null],
    ];
    for (const [body, status, code] of jsonCases) {
      if (status === 400 && code === null) continue;
      const [r] = await rawReq(postBytes(body));
      assert.ok(r, `an answer to ${String(body).slice(0, 40)}`);
      assert.equal(r[0], status, `${String(body).slice(0, 40)}: ${r[2]}`);
      assert.match(r[1], /^application\/json/);
      if (code) assert.equal(JSON.parse(r[2]).error.code, code, String(body).slice(0, 40));
    }
    // only application/json: a cross-site page cannot post without a CORS
    // preflight (which gets 405), so it cannot spend its visitors' quotas
    for (const [ct, status] of [['', 400], ['Content-Type: text/plain\r\n', 400],
      ['Content-Type: application/x-www-form-urlencoded\r\n', 400], ['Content-Type: multipart/form-data\r\n', 400],
      ['Content-Type: application/jsonx\r\n', 400],
      ['Content-Type: application/json; charset=utf-8\r\n', 200], ['Content-Type: Application/JSON\r\n', 200]]) {
      const [r] = await rawReq(postBytes(`{"blinded_elements":["${el}"]}`, ct));
      assert.equal(r[0], status, ct);
      if (status === 400) assert.equal(JSON.parse(r[2]).error.code, 'bad_json', ct);
    }
    // conflicting Content-Length headers: refused (RFC 9110 section 8.6), the
    // connection closed; the same value twice is fine
    {
      const b = `{"blinded_elements":["${el}"]}`;
      for (const [cls, status] of [[[b.length, b.length + 100], 400], [[b.length + 100, b.length], 400],
        [[b.length, b.length], 200]]) {
        const rs = await rawReq(`POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          cls.map((n) => `Content-Length: ${n}\r\n`).join('') + `\r\n${b}`);
        assert.equal(rs[0][0], status, cls.join(','));
        if (status === 400) {
          assert.equal(JSON.parse(rs[0][2]).error.code, 'bad_request');
          assert.equal(rs.length, 1, 'nothing read as a next request');
        }
      }
      const [g] = await rawReq('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nGET /');
      assert.equal(g[0], 400);
    }
    // Host (RFC 9112 section 3.2): an HTTP/1.1 request without one, or with
    // two, is 400 on both listeners; HTTP/1.0 needs none
    for (const [req, status] of [
      ['GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
      ['GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n', 400],
      ['GET /healthz HTTP/1.0\r\n\r\n', 200],
      ['GET /healthz HTTP/1.1\r\nhost: a\r\nConnection: close\r\n\r\n', 200],
    ]) {
      for (const base of [s2.url, s2.metricsUrl]) {
        const [r] = await rawReq(req.replace('/healthz', base === s2.url ? '/healthz' : '/metrics'), base);
        assert.equal(r[0], status, `${base}: ${req.slice(0, 40)}`);
        if (status === 400) assert.equal(JSON.parse(r[2]).error.code, 'bad_request');
      }
    }
    // pipelined: three requests in one write, three answers in order
    const okBody = `{"blinded_elements":["${el}"]}`;
    const piped = await rawReq('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${okBody.length}\r\n\r\n${okBody}` +
      'GET /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(piped.map((r) => r[0]), [200, 200, 404]);
    assert.equal(JSON.parse(piped[1][2]).evaluated_elements.length, 1);
    // HTTP/1.0
    const [h10] = await rawReq('GET /v1/config HTTP/1.0\r\n\r\n');
    assert.equal(h10[0], 200);
    assert.equal(JSON.parse(h10[2]).index_id, cfg.index_id);
    // paths: never a page, never a crash; the query string is ignored
    const id = cfg.index_id;
    for (const [p, status, code] of [
      ['//v1//config', 404, 'not_found'], ['/v1/config/', 404, 'not_found'],
      [`/v1/buckets/${id}/1e3`, 404, 'not_found'], [`/v1/buckets/${id}/4294967296`, 404, 'not_found'],
      [`/v1/buckets/${id}/+1`, 404, 'not_found'], [`/v1/buckets/${id}/%2e%2e`, 404, 'not_found'],
      [`/v1/buckets/%2e%2e/${id}/0`, 404, 'not_found'], ['/%2e%2e/%2e%2e/etc/passwd', 404, 'not_found'],
      [`/v1/index/${id}/%2e%2e%2fbuckets.bin`, 404, 'not_found'], ['/v1/' + 'a'.repeat(20000), 404, 'not_found'],
      ['/v1/breaches/' + 'x'.repeat(1000), 404, 'not_found'], ['/v1/config?x=1&y=%00', 200, null],
      [`/v1/buckets/${id}/%31`, 200, null],
    ]) {
      const [r] = await rawReq(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(r[0], status, p.slice(0, 60));
      if (code) assert.equal(JSON.parse(r[2]).error.code, code, p.slice(0, 60));
    }
    // every method on every route: GET/HEAD routes, POST routes, and unknown ones
    const getRoutes = ['/v1/config', `/v1/buckets/${id}/0`, `/v1/verified/${id}`, `/v1/index/${id}/buckets.bin`,
      `/v1/index/${id}/index.json`, '/v1/breaches', `/v1/breaches/${cfg.breaches[0].name}`, '/healthz'];
    const postRoutes = ['/v1/evaluate', '/v1/verify/start', '/v1/verify/evaluate'];
    for (const method of ['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'FOO']) {
      const body = ['PUT', 'PATCH', 'DELETE'].includes(method) ? '{}' : '';
      const send = (p) => rawReq(`${method} ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`);
      for (const p of getRoutes) {
        const [r] = await send(p);
        if (method === 'HEAD') {
          assert.equal(r[0], 200, `HEAD ${p}`);
        } else {
          assert.equal(r[0], 405, `${method} ${p}`);
          assert.equal(JSON.parse(r[2]).error.code, 'method_not_allowed');
        }
      }
      for (const p of postRoutes) {
        const [r] = await send(p);
        assert.equal(r[0], 405, `${method} ${p}`);
        if (method !== 'HEAD') assert.equal(JSON.parse(r[2]).error.code, 'method_not_allowed');
      }
      const [r] = await send('/v1/nope');
      assert.equal(r[0], 404, `${method} /v1/nope`);
    }
    // the documented libmicrohttpd exceptions (docs/server.md): its own short HTML
    for (const [req, status] of [
      ['GET /' + 'a'.repeat(40000) + ' HTTP/1.1\r\nHost: x\r\n\r\n', 414],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(40000) + '\r\n\r\n', 431],
      ['POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400],
      ['POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
      ['GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ]) {
      const rs = await rawReq(req);
      assert.ok(rs.length >= 1, req.slice(0, 30));
      assert.equal(rs[rs.length - 1][0], status, req.slice(0, 30));
    }
    assert.equal((await fetch(`${s2.url}/healthz`)).status, 200, 'still serving');
    await stopServer(s2);
  });

  await test('slow clients are cut off by the connection timeout; connections per address are capped', async () => {
    const s2 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--timeout', '1',
      '--log', 'none']);
    const u = new URL(s2.url);
    const net = await import('node:net');
    const closed = await new Promise((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname, () => sock.write('GET /v1/config HTTP/1.1\r\nHost: x\r\n'));
      const t0 = Date.now();
      sock.on('close', () => resolve(Date.now() - t0));
      sock.on('error', () => {});
      setTimeout(() => { sock.destroy(); resolve(-1); }, 5000);
    });
    assert.ok(closed > 0 && closed < 4000, `connection closed after ${closed} ms`);
    await stopServer(s2);

    // connections per address
    const s3 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--timeout', '2',
      '--max-connections-per-ip', '2', '--log', 'none']);
    const u3 = new URL(s3.url);
    const idle = [];
    for (let i = 0; i < 2; i++) {
      const sock = net.connect(Number(u3.port), u3.hostname);
      sock.on('error', () => {});
      await new Promise((r) => sock.on('connect', r));
      idle.push(sock);
    }
    await sleep(100);
    await assert.rejects(fetch(`${s3.url}/healthz`, { headers: { connection: 'close' } }),
      'a third connection from the same address is refused');
    for (const sock of idle) sock.destroy();
    await sleep(200);
    // the server may notice the two closes late on a loaded machine
    let st = 0;
    await waitUntil(async () => {
      try {
        st = (await fetch(`${s3.url}/healthz`, { headers: { connection: 'close' } })).status;
      } catch { st = 0; }
      return st === 200;
    }, 20000, 100);
    assert.equal(st, 200);
    await stopServer(s3);
  });

  await test('slowloris: headers or a body trickled byte by byte are cut off by the request deadline', async () => {
    // --timeout 2: each byte arrives within the idle timeout, but the whole
    // request must be in within 2 s of the connection (or of the end of the
    // previous response); a keep-alive connection with quick requests stays.
    const s2 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--timeout', '2',
      '--log', 'none']);
    const u = new URL(s2.url);
    const net = await import('node:net');
    const trickle = (head, rest) => new Promise((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname);
      const t0 = Date.now();
      let i = 0;
      let got = '';
      const timer = setInterval(() => {
        if (i < rest.length) sock.write(rest[i++]);
      }, 300);
      sock.on('connect', () => sock.write(head));
      sock.on('data', (d) => { got += d.toString(); });
      sock.on('close', () => { clearInterval(timer); resolve({ ms: Date.now() - t0, got }); });
      sock.on('error', () => {});
      setTimeout(() => { clearInterval(timer); sock.destroy(); resolve({ ms: -1, got }); }, 8000);
    });
    const [h, b] = await Promise.all([
      trickle('GET /v1/config HTTP/1.1\r\nHost: x\r\nX-Pad: ', 'a'.repeat(100)),
      trickle('POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', ' '.repeat(100)),
    ]);
    assert.ok(h.ms > 1500 && h.ms < 4500, `trickled headers: closed after ${h.ms} ms`);
    assert.ok(b.ms > 1500 && b.ms < 4500, `trickled body: closed after ${b.ms} ms`);
    assert.equal(b.got, '', 'no answer to a body that never completed');
    // keep-alive with requests spaced 0.7 s apart survives past the deadline
    const statuses = await new Promise((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname);
      const seen = [];
      let buf = '';
      let n = 0;
      const send = () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      sock.on('connect', send);
      sock.on('data', (d) => {
        buf += d.toString();
        let m;
        while ((m = /HTTP\/1\.1 (\d+)[^]*?\r\n\r\n\{[^}]*\}/.exec(buf))) {
          seen.push(Number(m[1]));
          buf = buf.slice(m.index + m[0].length);
          if (++n < 5) setTimeout(send, 700); else sock.end();
        }
      });
      sock.on('close', () => resolve(seen));
      sock.on('error', () => {});
    });
    assert.deepEqual(statuses, [200, 200, 200, 200, 200], 'keep-alive requests 0.7 s apart (3.5 s in all)');
    const m = await (await fetch(s2.metricsUrl)).text();
    assert.match(m, /^breachcheck_request_deadline_closed_total 2$/m);
    await stopServer(s2);
  });

  await test('/metrics on its own listener: routes by template and status, elements, histogram', async () => {
    const r = await fetch(srv.metricsUrl);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const t = await r.text();
    assert.match(t, /breachcheck_http_requests_total\{route="\/v1\/buckets\/\{index_id\}\/\{bucket\}",status="304"\} 1\n/);
    assert.match(t, /breachcheck_http_requests_total\{route="\/v1\/evaluate",status="400"\} \d+/);
    const ev = /breachcheck_evaluated_elements_total (\d+)/.exec(t);
    assert.equal(Number(ev[1]), 4);
    assert.match(t, /breachcheck_http_request_duration_seconds_bucket\{route="\/v1\/evaluate",le="\+Inf"\} \d+/);
    assert.match(t, new RegExp(`breachcheck_index_info\\{index_id="${cfg.index_id}"\\} 1`));
    assert.ok(!/\/v1\/buckets\/[0-9a-f]{32}/.test(t), 'no raw paths in metrics');
    // a request with a body gets its answer (405 JSON), not a closed connection
    await expectError(await fetch(srv.metricsUrl, { method: 'POST', body: 'x=1' }), 405, 'method_not_allowed');
    await expectError(await fetch(srv.metricsUrl.replace(/\/metrics$/, '/nope'), { method: 'PUT', body: 'x' }),
      404, 'not_found');
  });

  await test('the page: static files, content types, strict CSP, buckets_url mirror in config and CSP', async () => {
    const web = path.join(webTmp, 'web');
    fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(web, 'style.css'), 'body{}');
    fs.writeFileSync(path.join(web, '.secret'), 'no');
    const s2 = await startServer(['--index', idx, '--key', key, '--web', web,
      '--buckets-url', 'https://cdn.example.org/bc/', '--metrics-listen', 'none']);
    const r = await fetch(`${s2.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('content-security-policy'),
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      "connect-src 'self' https://cdn.example.org; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('set-cookie'), null);
    assert.equal(await r.text(), '<!doctype html><title>t</title>');
    const js = await fetch(`${s2.url}/assets/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const css = await fetch(`${s2.url}/style.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    for (const p of ['/.secret', '/%2e%2e/server.key', '/assets/%2e%2e/index.html', '/assets/../index.html',
      '/assets//app.js', '/nope.js', '/assets/']) {
      const x = await rawGet(s2.url, p); // as sent, not normalised by a URL parser
      assert.equal(x.status, 404, p);
      assert.equal(JSON.parse(x.body).error.code, 'not_found');
    }
    const c = await (await fetch(`${s2.url}/v1/config`)).json();
    assert.equal(c.buckets_url, 'https://cdn.example.org/bc');
    await stopServer(s2);
  });

  await test('no page: a warning at start, an HTML page for a browser at /, JSON for the API', async () => {
    // issue #16 rough edge 2: / answered a bare JSON not_found, nothing said at start
    const empty = path.join(webTmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    const s2 = await startServer(['--index', idx, '--key', key, '--web', empty, '--metrics-listen', 'none']);
    // written after the listening line: wait for it
    await waitUntil(() => /no check page/.test(s2.stderr), 5000);
    assert.match(s2.stderr, /warning: no check page to serve: the --web directory has no index\.html\. To build the page: `make deps`/);
    assert.ok(s2.lines.map(tryJson).some((o) => o && o.event === 'warning' && o.code === 'no_page'));
    const html = await fetch(`${s2.url}/`, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } });
    assert.equal(html.status, 404);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.ok(html.headers.get('content-security-policy'));
    const text = await html.text();
    assert.match(text, /No check page to serve/);
    assert.match(text, /make deps/);
    await expectError(await fetch(`${s2.url}/`, { headers: { accept: 'application/json' } }), 404, 'not_found');
    await expectError(await fetch(`${s2.url}/app.js`, { headers: { accept: 'text/html' } }), 404, 'not_found');
    assert.equal((await fetch(`${s2.url}/v1/config`, { headers: { accept: 'text/html' } })).headers.get('content-type'),
      'application/json');
    await stopServer(s2);
    // --web none: the operator's choice, no warning (the HTML still explains a browser's 404)
    const s3 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--metrics-listen', 'none']);
    await waitUntil(() => /no_buckets_url/.test(s3.stderr), 5000); // the warning before ours
    await sleep(100);
    assert.ok(!/no check page/.test(s3.stderr));
    assert.equal((await fetch(`${s3.url}/`, { headers: { accept: 'text/html' } })).headers.get('content-type'),
      'text/html; charset=utf-8');
    await stopServer(s3);
  });

  await test('--web: refused beside the key, its state or the index; no symlink, no foreign file served', async () => {
    // issue #14 item 1: with the key in the page directory, GET /key answered the seed
    const exposed = path.join(webTmp, 'exposed');
    fs.mkdirSync(exposed);
    fs.writeFileSync(path.join(exposed, 'index.html'), '<!doctype html><title>t</title>');
    fs.copyFileSync(key, path.join(exposed, 'k.key'));
    fs.chmodSync(path.join(exposed, 'k.key'), 0o600);
    for (const [web, what] of [[exposed, "is the key's directory"], [tmp, "is the key's directory"],
      [path.dirname(tmp), 'contains'], [idx, "is inside the key's directory"]]) {
      const bad = await startServer(['--index', idx, '--key', web === exposed ? path.join(exposed, 'k.key') : key,
        '--web', web], { expectFail: true });
      assert.equal(bad.exited, 2, `--web ${web}`);
      assert.match(bad.stderr, /--web: the page directory/);
      assert.ok(bad.stderr.includes(what), `${web}: ${bad.stderr}`);
    }
    // issue #14 item 11: a symlinked directory inside the page led to the key
    const web = path.join(webTmp, 'linked');
    fs.mkdirSync(web);
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
    fs.symlinkSync(tmp, path.join(web, 'sdir'));
    fs.symlinkSync(key, path.join(web, 'k.js'));
    fs.writeFileSync(path.join(web, 'leak.csv'), 'nir;email\n');
    fs.writeFileSync(path.join(web, 'catalogue.json'), '{}');
    fs.writeFileSync(path.join(web, 'private.js'), 'x');
    fs.chmodSync(path.join(web, 'private.js'), 0o640);
    const s2 = await startServer(['--index', idx, '--key', key, '--web', web, '--metrics-listen', 'none']);
    assert.equal((await fetch(`${s2.url}/`)).status, 200);
    for (const p of ['/sdir/server.key', '/sdir/server.key.state/catalogue.json', '/sdir/index/index.json',
      '/k.js', '/leak.csv', '/catalogue.json', '/private.js']) {
      const x = await rawGet(s2.url, p);
      assert.equal(x.status, 404, p);
      assert.equal(JSON.parse(x.body).error.code, 'not_found', p);
    }
    await stopServer(s2);
  });

  await test('rate limit per client: a burst gets 429 + Retry-After, then normal answers after the window', async () => {
    const s2 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '120/min',
      '--rate-global', '0', '--max-batch', '4', '--trusted-proxy', '127.0.0.1/32']);
    const el = blind('bc1|email|person2@example.org').blinded;
    secrets.push(el);
    const body = { blinded_elements: [el, el, el, el] };
    let ok = 0;
    let limited = null;
    const tBurst = Date.now();
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await post(s2.url, body);
      if (res.status === 200) { ok++; await res.arrayBuffer(); } else limited = res;
    }
    assert.ok(limited, 'got a 429');
    // 120 elements, plus what refilled (2 per second) while a slow machine sent the burst
    const refill = Math.floor(((Date.now() - tBurst) / 1000) * 2 / 4);
    assert.ok(ok >= 30 && ok <= 31 + refill, `${ok} batches of 4 allowed for a 120-element burst`);
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 3, `Retry-After ${retry}`);
    await expectError(limited, 429, 'rate_limited');
    // another client behind the trusted proxy is not limited
    const other = await post(s2.url, body, { 'x-forwarded-for': '192.0.2.77' });
    assert.equal(other.status, 200);
    secrets.push('192.0.2.77');
    await sleep(retry * 1000 + 100);
    const again = await post(s2.url, body);
    assert.equal(again.status, 200, 'normal answer after the window');
    const m = await (await fetch(s2.metricsUrl)).text();
    assert.match(m, /breachcheck_rate_limited_requests_total 1\n/);
    assert.match(m, /breachcheck_rate_limited_elements_total 4\n/);
    assert.match(m, /breachcheck_http_requests_total\{route="\/v1\/evaluate",status="429"\} 1\n/);
    await stopServer(s2);
  });

  await test('rate limit: X-Forwarded-For ignored from untrusted peers; global limit', async () => {
    const s2 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '8',
      '--rate-global', '0', '--max-batch', '4']);
    const el = blind('bc1|email|person3@example.org').blinded;
    secrets.push(el);
    const body = { blinded_elements: [el, el, el, el] };
    assert.equal((await post(s2.url, body)).status, 200);
    assert.equal((await post(s2.url, body, { 'x-forwarded-for': '198.51.100.1' })).status, 200);
    await expectError(await post(s2.url, body, { 'x-forwarded-for': '198.51.100.2' }), 429, 'rate_limited');
    await stopServer(s2);
    const s3 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '0',
      '--rate-global', '8', '--max-batch', '4', '--trusted-proxy', '127.0.0.0/8']);
    // capacity 8 refilled at 8/s: a third batch of 4 within 0.5 s of the first
    // is refused. A loaded machine may take longer than that for the three
    // requests: then try again on a full bucket (bounded).
    let r;
    for (let attempt = 0; ; attempt++) {
      const t0 = Date.now();
      const a1 = await post(s3.url, body, { 'x-forwarded-for': '198.51.100.1' });
      await a1.arrayBuffer();
      const a2 = await post(s3.url, body, { 'x-forwarded-for': '198.51.100.2' });
      await a2.arrayBuffer();
      r = await post(s3.url, body, { 'x-forwarded-for': '198.51.100.3' });
      if (Date.now() - t0 < 450 || attempt === 9) {
        assert.equal(a1.status, 200);
        assert.equal(a2.status, 200);
        break;
      }
      await r.arrayBuffer();
      await sleep(1100);
    }
    await expectError(r, 429, 'rate_limited');
    assert.equal(r.headers.get('retry-after'), '1');
    await stopServer(s3);

    // trusted proxy: per-client buckets of 8 elements (2 requests of 4)
    const s4 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '8',
      '--rate-global', '0', '--max-batch', '4', '--trusted-proxy', '127.0.0.1/32', '--log', 'none']);
    const st = async (xff) => (await post(s4.url, body, xff === null ? {} : { 'x-forwarded-for': xff })).status;
    const burst = async (xff) => [await st(xff), await st(xff), await st(xff)];
    // the rightmost untrusted entry is the client, whatever the client wrote to its left
    assert.deepEqual(await burst('garbage, 203.0.113.1'), [200, 200, 429]);
    assert.equal(await st('203.0.113.99, 203.0.113.1'), 429, 'a spoofed entry to the left changes nothing');
    assert.equal(await st('  203.0.113.1  '), 429, 'spaces around an entry');
    assert.equal(await st('::ffff:203.0.113.1'), 429, 'the IPv4-mapped form is the same client');
    // IPv6: one /64 is one client, the next /64 another
    assert.deepEqual([await st('2001:db8:0:1::1'), await st('2001:db8:0:1:ffff::2'),
      await st('2001:db8:0:1:1234:5678:9abc:def0')], [200, 200, 429]);
    assert.equal(await st('2001:db8:0:2::1'), 200);
    // a port or brackets are dropped: the same client (they used to fall back to the proxy)
    assert.deepEqual([await st('203.0.113.7:4444'), await st('203.0.113.7:5555'), await st('203.0.113.7')],
      [200, 200, 429]);
    assert.deepEqual([await st('[2001:db8:7::1]'), await st('[2001:db8:7::2]:443'), await st('2001:db8:7::3')],
      [200, 200, 429]);
    // unparsable entries (an empty list, junk) fall back to the proxy itself, and are counted
    assert.deepEqual([await st(''), await st('x, y, z'), await st('203.0.113.7:99999')], [200, 200, 429]);
    assert.equal(await st(null), 429, 'no header: the proxy itself');
    await stopServer(s4);
    secrets.push('192.0.2.60', '2001:db8:cafe::17');

    // Forwarded (RFC 7239) when the proxy writes that one; X-Forwarded-For is then ignored
    const s5 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '8',
      '--rate-global', '0', '--max-batch', '4', '--trusted-proxy', '127.0.0.1/32', '--proxy-header', 'forwarded']);
    const st5 = async (h) => (await post(s5.url, body, h)).status;
    assert.deepEqual([await st5({ forwarded: 'for=192.0.2.60;proto=https' }),
      await st5({ forwarded: 'for="192.0.2.60:4711"' }), await st5({ forwarded: 'for=192.0.2.60' })], [200, 200, 429]);
    assert.equal(await st5({ forwarded: 'for="[2001:db8:cafe::17]:4711", for=127.0.0.1' }), 200);
    assert.deepEqual([await st5({ 'x-forwarded-for': '192.0.2.61' }), await st5({ 'x-forwarded-for': '192.0.2.62' }),
      await st5({ 'x-forwarded-for': '192.0.2.63' })], [200, 200, 429], 'X-Forwarded-For ignored: all the proxy');
    assert.equal(await st5({ forwarded: 'for=unknown' }), 429, 'for=unknown: the proxy itself');
    const m5 = await (await fetch(s5.metricsUrl)).text();
    assert.match(m5, /breachcheck_forwarded_unparsable_total 1\n/);
    await stopServer(s5);

    // aggregate limits (issue #14 item 3): a /24 or a /48 is not 256 or 65,536 clients
    const s6 = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-client', '8',
      '--rate-per-24', '16/min', '--rate-per-48', '12', '--rate-global', '0', '--max-batch', '4',
      '--trusted-proxy', '127.0.0.1/32', '--log', 'none']);
    const st6 = async (xff) => (await post(s6.url, body, { 'x-forwarded-for': xff })).status;
    assert.deepEqual([await st6('192.0.2.1'), await st6('192.0.2.2'), await st6('192.0.2.3'),
      await st6('192.0.2.4'), await st6('192.0.2.5')], [200, 200, 200, 200, 429]);
    assert.equal(await st6('192.0.3.1'), 200, 'the next /24');
    assert.deepEqual([await st6('2001:db8:5:1::1'), await st6('2001:db8:5:2::1'), await st6('2001:db8:5:3::1'),
      await st6('2001:db8:5:4::1')], [200, 200, 200, 429]);
    await stopServer(s6);
    const bad = await startServer(['--index', idx, '--key', key, '--web', 'none', '--rate-per-48', '2'],
      { expectFail: true });
    assert.equal(bad.exited, 2);
    assert.match(bad.stderr, /--rate-per-48 must be at least --max-batch/);
  });

  await test('SIGHUP reloads the new index; in-flight downloads finish on the old one; stale ids get stale_index', async () => {
    // a request whose request line arrived before the reload and whose
    // headers end after it is answered from the old index
    const oldBucket0 = fs.readFileSync(path.join(idx, 'buckets.bin')).subarray(0, cfg.bucket_entries * 48);
    const net = await import('node:net');
    const u = new URL(base);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.on('connect', r));
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    const ended = new Promise((r) => sock.on('close', r));
    sock.write(`GET /v1/buckets/${firstId}/0 HTTP/1.1\r\nHost: x\r\n`);
    await sleep(200);
    await waitServerRead(Number(u.port), sock);
    const newId = mkindex(idx, key);
    assert.notEqual(newId, firstId);
    srv.proc.kill('SIGHUP');
    let c2;
    const tReload = Date.now();
    while (Date.now() - tReload < 20000) {
      c2 = await (await fetch(`${base}/v1/config`)).json();
      if (c2.index_id === newId) break;
      await sleep(50);
    }
    assert.equal(c2.index_id, newId);
    assert.notEqual(c2.salt, cfg.salt);
    sock.write('Connection: close\r\n\r\n');
    await ended;
    const raw = Buffer.concat(chunks);
    const sep = raw.indexOf('\r\n\r\n');
    assert.match(raw.subarray(0, sep).toString(), /^HTTP\/1\.1 200/);
    assert.ok(raw.subarray(sep + 4).equals(oldBucket0), 'in-flight request answered from the old index');
    await expectError(await fetch(`${base}/v1/buckets/${firstId}/0`), 404, 'stale_index');
    assert.equal((await fetch(`${base}/v1/buckets/${newId}/0`)).status, 200);
    const [p9] = await lookupBatch(base, c2, ['bc1|email|person9@example.org']);
    secrets.push('person9@example.org');
    assert.equal(p9.readUInt16LE(2), 10);
    assert.ok(srv.lines.some((l) => tryJson(l)?.event === 'reload' && tryJson(l).index_id === newId));
    cfg = c2;

    // an index from another key is refused at reload; the old one stays
    const badId = mkindex(idx, key2);
    srv.proc.kill('SIGHUP');
    await waitUntil(() => srv.lines.some((l) => tryJson(l)?.event === 'reload_failed'), 20000, 50);
    const failed = srv.lines.map(tryJson).find((o) => o?.event === 'reload_failed');
    assert.ok(failed, 'reload_failed logged');
    assert.equal(failed.code, 'key_mismatch');
    const c3 = await (await fetch(`${base}/v1/config`)).json();
    assert.equal(c3.index_id, newId);
    assert.notEqual(badId, newId);
  });

  await test('SIGHUP storm under load: every download whole and from one version, or stale_index', async () => {
    const a = path.join(tmp, 'storm-a');
    const b = path.join(tmp, 'storm-b');
    const ids = [mkindex(a, key), mkindex(b, key)];
    const real = [fs.realpathSync(a), fs.realpathSync(b)];
    const hash = Object.fromEntries(real.map((d, i) => [ids[i],
      crypto.createHash('sha256').update(fs.readFileSync(path.join(d, 'buckets.bin'))).digest('hex')]));
    const link = path.join(tmp, 'storm');
    fs.symlinkSync(real[0], link);
    const s2 = await startServer(['--index', link, '--key', key, '--web', 'none', '--log', 'none']);
    let stop = false;
    const seen = { ok: 0, stale: 0 };
    const loader = async () => {
      while (!stop) {
        const h = await (await fetch(`${s2.url}/healthz`)).json();
        const r = await fetch(`${s2.url}/v1/index/${h.index_id}/buckets.bin`);
        const buf = Buffer.from(await r.arrayBuffer());
        if (r.status === 200) {
          assert.equal(crypto.createHash('sha256').update(buf).digest('hex'), hash[h.index_id]);
          seen.ok++;
        } else {
          assert.equal(r.status, 404);
          assert.equal(JSON.parse(buf).error.code, 'stale_index');
          seen.stale++;
        }
      }
    };
    // requests whose request line arrives before the storm and whose headers
    // end after it: answered from the version current at their request line
    const net = await import('node:net');
    const u = new URL(s2.url);
    const early = [];
    for (let i = 0; i < 4; i++) {
      const sock = net.connect(Number(u.port), u.hostname);
      await new Promise((r) => sock.on('connect', r));
      const chunks = [];
      sock.on('data', (d) => chunks.push(d));
      const ended = new Promise((r) => sock.on('close', r));
      sock.write(`GET /v1/index/${ids[0]}/buckets.bin HTTP/1.1\r\nHost: x\r\n`);
      early.push({ sock, chunks, ended });
    }
    await sleep(100);
    for (const e of early) await waitServerRead(Number(u.port), e.sock);
    const loaders = [loader(), loader(), loader(), loader()];
    // at least 60 reloads, and on until the loaders saw enough whole downloads
    // during the storm (bounded: a slow machine gets fewer per reload)
    const tStorm = Date.now();
    for (let i = 0; i < 60 || (seen.ok <= 20 && Date.now() - tStorm < 60000); i++) {
      const tmpLink = `${link}.tmp`;
      fs.symlinkSync(real[(i + 1) % 2], tmpLink);
      fs.renameSync(tmpLink, link);
      s2.proc.kill('SIGHUP');
      await sleep(i % 3 === 0 ? 0 : 25);
    }
    await sleep(200);
    stop = true;
    await Promise.all(loaders);
    for (const e of early) {
      e.sock.write('Connection: close\r\n\r\n');
      await e.ended;
      const raw = Buffer.concat(e.chunks);
      const sep = raw.indexOf('\r\n\r\n');
      assert.match(raw.subarray(0, sep).toString(), /^HTTP\/1\.1 200/);
      assert.equal(crypto.createHash('sha256').update(raw.subarray(sep + 4)).digest('hex'), hash[ids[0]],
        'answered whole from the version of its request line, after 60 reloads');
    }
    const m = await (await fetch(s2.metricsUrl)).text();
    const reloads = Number(/^breachcheck_index_reloads_total (\d+)$/m.exec(m)[1]);
    assert.ok(reloads >= 5, `${reloads} reloads`);
    assert.match(m, /^breachcheck_index_reload_failures_total 0$/m);
    assert.ok(seen.ok > 20, JSON.stringify(seen));
    await stopServer(s2);
  });

  await test('serve refuses an index built with another key, and an insecure key file', async () => {
    // idx now points at the index of key2
    const s = await startServer(['--index', idx, '--key', key], { expectFail: true });
    assert.equal(s.exited, 3);
    assert.match(s.stderr, /another key/);
    const loose = path.join(tmp, 'loose.key');
    fs.copyFileSync(key2, loose);
    fs.chmodSync(loose, 0o644);
    const s2 = await startServer(['--index', idx, '--key', loose], { expectFail: true });
    assert.notEqual(s2.exited, 0);
    assert.match(s2.stderr, /readable|permission|chmod/i);
    const s3 = await startServer(['--index', idx, '--key', key2, '--max-batch', '65'], { expectFail: true });
    assert.equal(s3.exited, 2);
    assert.match(s3.stderr, /--max-batch/);
  });

  await test('docs/openapi.yaml: every documented route answers as described', async () => {
    await checkOpenapi(base, cfg);
  });

  await test('the soft open-files limit is raised for --max-connections (up to the hard limit)', async () => {
    // (idx points at the index of key2 since the key-mismatch test)
    const proc = spawn('sh', ['-c', 'ulimit -Sn 300 && exec "$@"', 'sh', BC, 'serve', '--index', idx,
      '--key', key2, '--listen', '127.0.0.1:0', '--metrics-listen', 'none', '--web', 'none',
      '--max-connections', '2000', '--log', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => { err += d.toString(); });
    const exit = new Promise((resolve) => proc.on('exit', resolve));
    const t0 = Date.now();
    while (!/listening on/.test(err) && Date.now() - t0 < 10000) await sleep(20);
    assert.match(err, /listening on/, err);
    const limits = fs.readFileSync(`/proc/${proc.pid}/limits`, 'utf8');
    proc.kill('SIGTERM');
    assert.equal(await exit, 0);
    const m = /^Max open files\s+(\d+)\s+(\S+)/m.exec(limits);
    const hard = m[2] === 'unlimited' ? Infinity : Number(m[2]);
    assert.equal(Number(m[1]), Math.min(2000 + 256, hard), limits);
  });

  await test('an access log file gets JSON lines', async () => {
    const s = await startServer(['--index', idx, '--key', key2, '--web', 'none', '--log', logFile]);
    await (await fetch(`${s.url}/v1/config`)).json();
    await stopServer(s);
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
    for (const l of lines) allLogs.push(l);
    const o = lines.map((l) => JSON.parse(l));
    assert.ok(o.some((x) => x.route === '/v1/config' && x.status === 200 && x.method === 'GET'
      && typeof x.duration_ms === 'number' && x.bytes > 0));
  });

  await test('a response cut off by the client is logged as aborted, a full one is not', async () => {
    const web = path.join(webTmp, 'web-big');
    fs.mkdirSync(web, { recursive: true });
    fs.writeFileSync(path.join(web, 'big.png'), Buffer.alloc(32 << 20, 7)); // above any socket buffers
    fs.writeFileSync(path.join(web, 'small.css'), 'x');
    const s = await startServer(['--index', idx, '--key', key2, '--web', web]);
    const net = await import('node:net');
    const u = new URL(s.url);
    const sock = net.connect(Number(u.port), u.hostname);
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    sock.write('GET /big.png HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => sock.once('data', r));
    sock.pause();
    await sleep(300);
    sock.destroy();
    const res = await fetch(`${s.url}/small.css`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'x');
    // The access log line is written when the server's completion callback
    // runs, which can come after the client already holds the response.
    let big, small;
    for (let i = 0; i < 100 && !(big && small); i++) {
      const all = s.lines.map(tryJson);
      big = all.find((o) => o && o.route === '/{page}' && o.bytes === 32 << 20);
      small = all.find((o) => o && o.route === '/{page}' && o.bytes === 1);
      if (!(big && small)) await sleep(50);
    }
    await stopServer(s);
    assert.ok(big, 'the cut download is logged');
    assert.equal(big.status, 200);
    assert.equal(big.aborted, true);
    assert.ok(small && !('aborted' in small), 'a full response has no aborted field');
  });

  await test('slow readers: a response must go out at --min-send-rate after --timeout', async () => {
    // issue #14 item 8: a client reading a large response slowly held its
    // slot for ever (only the idle timeout applied, and reading is activity)
    const web = path.join(webTmp, 'web-slow');
    fs.mkdirSync(web, { recursive: true });
    fs.writeFileSync(path.join(web, 'big.png'), Buffer.alloc(32 << 20, 7));
    // 32 MiB at 64 MiB/s: 3 s + 0.5 s to send it in full (libmicrohttpd's idle
    // timeout counts whole seconds: 1 s would cut an active reader too)
    const s = await startServer(['--index', idx, '--key', key2, '--web', web, '--timeout', '3',
      '--min-send-rate', String(64 << 20), '--log', 'none']);
    const net = await import('node:net');
    const u = new URL(s.url);
    const sock = net.connect(Number(u.port), u.hostname);
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    let got = 0;
    const t0 = Date.now();
    const closed = new Promise((r) => sock.on('close', () => r(Date.now() - t0)));
    sock.on('data', (d) => { got += d.length; sock.pause(); });
    sock.write('GET /big.png HTTP/1.1\r\nHost: x\r\n\r\n');
    // read about 64 KiB every 100 ms: always active, far below the rate
    const reader = setInterval(() => sock.resume(), 100);
    const ms = await Promise.race([closed, sleep(15000).then(() => -1)]);
    clearInterval(reader);
    sock.destroy();
    assert.ok(ms > 0, 'the slow reader was cut off');
    assert.ok(ms >= 3000 && ms < 10000, `cut after ${ms} ms`);
    assert.ok(got < 32 << 20, `${got} bytes read of 32 MiB`);
    const m = await (await fetch(s.metricsUrl)).text();
    assert.match(m, /breachcheck_response_deadline_closed_total 1\n/);
    // a reader at full speed gets the whole file
    const full = await fetch(`${s.url}/big.png`);
    assert.equal((await full.arrayBuffer()).byteLength, 32 << 20);
    await stopServer(s);
    const bad = await startServer(['--index', idx, '--key', key2, '--web', 'none', '--min-send-rate', 'x'],
      { expectFail: true });
    assert.equal(bad.exited, 2);
  });

  await test('SIGTERM: no new connections, the request in flight is answered, exit 0', async () => {
    const s = await startServer(['--index', idx, '--key', key2, '--web', 'none', '--log', 'none']);
    const net = await import('node:net');
    const u = new URL(s.url);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.on('connect', r));
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    const ended = new Promise((r) => sock.on('close', r));
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await sleep(200);
    await waitServerRead(Number(u.port), sock);
    s.proc.kill('SIGTERM');
    await sleep(300);
    await waitNotListening(Number(u.port));
    assert.equal(s.exited, null, 'still draining');
    await assert.rejects(fetch(`${s.url}/healthz`), 'new connections are refused');
    sock.write('Connection: close\r\n\r\n');
    await ended;
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 200[^]*"status":"ok"/);
    assert.equal(await s.exit, 0);
  });

  await test('SIGTERM drains and exits 0', async () => {
    await stopServer(srv);
    assert.ok(srv.lines.some((l) => tryJson(l)?.event === 'stopping'));
  });

  await test('logs hold no identifier, request data, bucket number or client address', async () => {
    const templates = new Set(['/v1/config', '/v1/evaluate', '/v1/buckets/{index_id}/{bucket}',
      '/v1/verified/{index_id}', '/v1/index/{index_id}/buckets.bin', '/v1/index/{index_id}/index.json',
      '/v1/breaches', '/v1/breaches/{name}', '/v1/verify/start', '/v1/verify/evaluate', '/healthz',
      '/metrics', '/{page}', 'unknown']);
    const allowedKeys = new Set(['time', 'route', 'method', 'status', 'duration_ms', 'bytes', 'event',
      'url', 'metrics_url', 'index_id', 'signal', 'code', 'message', 'aborted']);
    let requests = 0;
    for (const l of allLogs) {
      if (/^breachcheck( serve)?: /.test(l) && !l.includes('listening')) continue; // startup refusals (tested above)
      if (/^breachcheck serve: listening on http:\/\/127\.0\.0\.1:\d+\/ \(metrics (none|http:\/\/127\.0\.0\.1:\d+\/metrics), index [0-9a-f]{32}\)$/.test(l)) continue;
      const o = tryJson(l);
      assert.ok(o, `not a JSON line: ${l}`);
      for (const k of Object.keys(o)) assert.ok(allowedKeys.has(k), `log key ${k}`);
      if (o.route !== undefined) {
        requests++;
        assert.ok(templates.has(o.route), `route ${o.route} is a template`);
        assert.deepEqual(Object.keys(o).filter((k) => k !== 'aborted').sort(),
          ['bytes', 'duration_ms', 'method', 'route', 'status', 'time']);
        if ('aborted' in o) assert.equal(o.aborted, true);
      }
      if (o.event !== 'listening') assert.ok(!l.includes('127.0.0.1'), `address in ${l}`);
      for (const s of secrets) assert.ok(!l.includes(s), 'secret in the log');
      assert.ok(!/\/v1\/(buckets|verified|index)\/[^{]/.test(l), `request path in ${l}`);
      assert.ok(!/example\.org/.test(l));
    }
    assert.ok(requests > 100, `${requests} request lines checked`);
  });
}

// ---- docs/openapi.yaml ----
// The document is plain YAML in a fixed shape: under `paths:` each path at
// two spaces, each method at four, `responses:` at six and each status at
// eight; `content:` types at twelve. This reads that shape, then provokes
// every documented (path, method, status) and checks status, content type,
// and for errors that the JSON error code is one the document names.
function parseOpenapi(text) {
  const ops = [];
  let inPaths = false;
  let cur = null;
  let op = null;
  let resp = null;
  for (const raw of text.split('\n')) {
    if (/^\S/.test(raw)) { inPaths = raw.startsWith('paths:'); continue; }
    if (!inPaths) continue;
    let m;
    if ((m = /^ {2}(\/\S*):\s*$/.exec(raw))) { cur = m[1]; continue; }
    if ((m = /^ {4}(get|post|put|delete|head):\s*$/.exec(raw))) {
      op = { path: cur, method: m[1].toUpperCase(), responses: {} };
      ops.push(op);
      continue;
    }
    if ((m = /^ {8}'(\d{3})':\s*$/.exec(raw)) && op) { resp = { types: [] }; op.responses[m[1]] = resp; continue; }
    if ((m = /^ {12}(application\/json|application\/octet-stream|text\/plain|text\/html):\s*$/.exec(raw)) && resp) {
      resp.types.push(m[1]);
    }
  }
  return ops;
}

async function checkOpenapi(base, cfg) {
  const text = fs.readFileSync(path.join(SOURCE, 'docs', 'openapi.yaml'), 'utf8');
  assert.match(text, /^openapi: 3\.\d+\.\d+/m);
  const ops = parseOpenapi(text);
  assert.ok(ops.length >= 12, `${ops.length} operations documented`);
  const id = cfg.index_id;
  const stale = 'f'.repeat(32);
  const el = blind('bc1|email|person4@example.org').blinded;
  secrets.push(el);
  const fill = (p, idv, bucket, name) => p.replace('{index_id}', idv).replace('{bucket}', bucket).replace('{name}', name);
  // how to provoke each documented status
  const provoke = {
    200: (p) => ({ url: fill(p, id, '0', 'test-breach'), body: { blinded_elements: [el] } }),
    304: (p) => ({ url: fill(p, id, '0', 'x'), headers: { 'if-none-match': '*' } }),
    400: (p) => ({ url: fill(p, id, '0', 'x'), body: 'not json' }),
    404: (p) => ({ url: fill(p, stale, '0', 'no-such-breach') }),
    413: (p) => ({ url: fill(p, id, '0', 'x'), body: 'x'.repeat(20000) }),
    429: null, // exercised by the rate-limit test above (its own server)
    503: null, // --redis unreachable: exercised by tests/deploy/deploy.sh (Redis restart)
    501: (p) => ({ url: p, body: '{}' }),
    502: null, // a refusing SMTP server: tests/e2e/verify_e2e.py
  };
  const seen = new Set();
  for (const op of ops) {
    if (op.path === '/metrics') {
      assert.ok(op.responses['200'], '/metrics 200 documented');
      continue; // on the metrics listener, checked above
    }
    for (const [status, resp] of Object.entries(op.responses)) {
      const how = provoke[status];
      assert.ok(how !== undefined, `no way to provoke ${status} for ${op.path}`);
      if (how === null) continue;
      // this server runs without mail: /v1/verify/* answer 501 here; their
      // other statuses are provoked by tests/e2e/verify_e2e.py (real SMTP)
      if (op.path.startsWith('/v1/verify/') && status !== '501') continue;
      const h = how(op.path);
      // request bodies are application/json (the requestBody of every POST)
      const res = await fetch(`${base}${h.url}`, {
        method: op.method,
        headers: op.method === 'POST' ? { 'content-type': 'application/json', ...h.headers } : h.headers,
        body: op.method === 'POST' ? (typeof h.body === 'string' ? h.body : JSON.stringify(h.body)) : undefined,
      });
      assert.equal(res.status, Number(status), `${op.method} ${op.path} -> ${res.status}, documented ${status}`);
      const ct = res.headers.get('content-type') || '';
      if (resp.types.length) assert.ok(resp.types.some((t) => ct.startsWith(t)), `${op.method} ${op.path} ${status}: content-type ${ct}`);
      if (status !== '304') await res.arrayBuffer();
      seen.add(`${op.method} ${op.path}`);
    }
  }
  for (const must of ['GET /v1/config', 'POST /v1/evaluate', 'GET /v1/buckets/{index_id}/{bucket}',
    'GET /v1/verified/{index_id}', 'GET /v1/index/{index_id}/buckets.bin', 'GET /v1/index/{index_id}/index.json',
    'GET /v1/breaches', 'GET /v1/breaches/{name}', 'GET /healthz', 'POST /v1/verify/start',
    'POST /v1/verify/evaluate'])
    assert.ok(seen.has(must), `${must} documented and checked`);
}

try {
  await main();
} catch (e) {
  failures++;
  console.log(`not ok - setup\n  ${e.stack || e}`);
} finally {
  for (const s of servers) if (s.exited === null) s.proc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(webTmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} test(s) failed` : 'all server e2e tests passed');
process.exit(failures ? 1 : 0);
