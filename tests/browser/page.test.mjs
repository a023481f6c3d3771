// The check page in Debian's chromium (playwright-core), against real
// `breachcheck serve` processes on loopback ports, with an index ingested
// from generated leaks. Exit 77 (skipped) when chromium, web/node_modules or
// the built page is missing.
//
// Env: as lib.mjs says (BC_BUILD, BC_SOURCE, BC_ARTIFACTS, BC_KEEP).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  SOURCE, ARTIFACTS, BIN, GENLEAK, requireBrowser, makeWork, removeWork, runner, launch, serve as serveIn, stop,
  stopAll,
} from './lib.mjs';

const { chromium } = await requireBrowser({ page: true });
const { nirKey } = await import(pathToFileURL(join(SOURCE, 'web', 'src', 'normalize.js')).href);

const work = makeWork('bc-browser-');

// ------------------------------------------------------------ fixtures

const run = runner(work);

// Start `breachcheck serve` on a free loopback port; resolves { url, proc, log }.
const serve = (name, extra = []) => serveIn(work, name, extra);

// A keyless static mirror of the index directory, as a CDN would hold it:
// GET /v1/index/{id}/index.json and /v1/buckets/{id}/{n}. Records requests.
function mirror(indexDir) {
  const dir = realpathSync(indexDir);
  const meta = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const indexJson = readFileSync(join(dir, 'index.json'));
  const buckets = readFileSync(join(dir, 'buckets.bin'));
  const size = meta.bucket_entries * 48;
  const seen = [];
  const srv = createServer((req, res) => {
    seen.push(req.url);
    res.setHeader('Access-Control-Allow-Origin', '*');
    // as a CDN serves immutable files: cacheable for a year
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    let m = /^\/v1\/index\/([0-9a-f]{32})\/index\.json$/.exec(req.url);
    if (m && m[1] === meta.index_id) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(indexJson);
    }
    m = /^\/v1\/buckets\/([0-9a-f]{32})\/(\d+)$/.exec(req.url);
    if (m && m[1] === meta.index_id && +m[2] < 2 ** meta.bucket_bits) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return res.end(buckets.subarray(+m[2] * size, (+m[2] + 1) * size));
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    return res.end('{"error":{"code":"not_found","message":"not found"}}');
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${srv.address().port}`, seen, srv })));
}

const readTruth = (f) => readFileSync(join(work, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

// A patient whose record is unambiguous: valid NIR, email and phone, no
// shared or twin/homonym cases.
function pickPatient(truth) {
  return truth.find((p) => p.nir_key_states.wrong === 0 && p.nir_key_states.valid > 0 && !p.hard_cases.length &&
    p.emails.length && p.phones.length && !Object.values(p.shared_with).some((a) => a.length) &&
    p.twin_of === null && p.homonym_of === null && !p.last_name_variants.length && p.labs.length <= 2);
}

const PUBLIC_CLASSES = ['name', 'nir', 'dob', 'sex', 'address', 'email', 'phone', 'blood_group', 'doctor',
  'insurer', 'lab_visit', 'sample_date'];

// The way a person would type their identifiers.
function typed(p) {
  const body = p.nir13;
  const key = String(nirKey(body)).padStart(2, '0');
  const nir = `${body[0]} ${body.slice(1, 3)} ${body.slice(3, 5)} ${body.slice(5, 7)} ${body.slice(7, 10)} ${body.slice(10, 13)} ${key}`;
  const cap = (s) => s.toLowerCase().replace(/(^|[ -])(\p{L})/gu, (_, a, b) => a + b.toUpperCase());
  const [y, m, d] = p.dob.split('-');
  const ph = p.phones[0];
  const phone = ph.startsWith('+33') ? `0${ph.slice(3)}`.replace(/(\d\d)(?=\d)/g, '$1 ') : ph;
  return {
    nir, birthName: cap(p.last_names.birth), firstName: cap(p.first_name), dob: `${d}/${m}/${y}`,
    email: p.emails[0].replace(/^./, (c) => c.toUpperCase()), phone,
  };
}

// Strings that must never appear in a request: raw and canonical forms.
function secrets(p, t) {
  const s = [p.nir13, t.nir, t.nir.replace(/ /g, ''), p.last_names.birth, t.birthName, p.first_name, t.firstName,
    p.dob, t.dob, p.emails[0], p.emails[0].split('@')[0], p.phones[0], p.phones[0].slice(-9), t.phone,
    t.phone.replace(/ /g, '')];
  return [...new Set(s.filter((x) => x && x.length >= 5))];
}

// ------------------------------------------------------------ browser helpers

let ctx;
let A; // evaluator serving buckets itself
let truthA;
let truthB;

async function newPage(width = 1280, height = 900) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.requests = [];
  page.on('request', (r) => page.requests.push(r));
  return page;
}

async function fill(page, fields) {
  for (const [k, v] of Object.entries(fields)) await page.fill(`#f-${k}`, v ?? '');
}

// Submit, wait for the result region to settle; returns the requests made
// meanwhile as { method, url, headers, body }.
async function check(page) {
  page.requests.length = 0;
  await page.click('#submit');
  await page.waitForSelector('#result[aria-busy="false"][data-state]:not([data-state="working"])', { timeout: 30000 });
  return Promise.all(page.requests.map(async (r) => ({
    method: r.method(), url: r.url(), headers: await r.allHeaders(), body: r.postData() ?? '',
  })));
}

function assertNoSecrets(reqs, words) {
  for (const r of reqs) {
    let url = r.url;
    try { url += ` ${decodeURIComponent(r.url)}`; } catch { /* keep raw */ }
    const blob = `${url}\n${JSON.stringify(r.headers)}\n${r.body}`.toLowerCase();
    for (const w of words) assert.ok(!blob.includes(w.toLowerCase()), `an identifier appears in a request to ${r.url}`);
  }
}

const shape = (reqs) => reqs.map((r) => `${r.method} ${new URL(r.url).pathname.replace(/[0-9a-f]{32}/, 'ID').replace(/\/\d+$/, '/N')}`);

// ------------------------------------------------------------ tests

describe('check page', () => {
  before(async () => {
    run(GENLEAK, ['--rows', '2500', '--seed', '11', '--out', 'a.csv', '--truth', 'a.truth', '--quiet']);
    run(GENLEAK, ['--rows', '800', '--seed', '12', '--out', 'b.csv', '--truth', 'b.truth', '--quiet']);
    run(BIN, ['keygen', 'key']);
    run(BIN, ['ingest', 'a.csv', '--index', 'idx', '--key', 'key', '--breach', 'labo-2021',
      '--title', 'Fuite des laboratoires (2021)', '--date', '2021-02-23', '--sensitive', '--public-tier', 'classes',
      '--controller', 'Laboratoires Exemple SAS', '--dpo-contact', 'dpo@example.fr',
      '--complaint-url', 'https://www.cnil.fr/fr/plaintes', '--anonymity', '32', '--quiet']);
    run(BIN, ['ingest', 'b.csv', '--index', 'idx', '--key', 'key', '--breach', 'labo-2019',
      '--title', 'Ancienne fuite (2019)', '--date', '2019-06-01', '--not-sensitive',
      '--controller', 'Biologie Exemple', '--dpo-contact', 'https://dpo.example.org/contact',
      '--anonymity', '32', '--quiet']);
    truthA = readTruth('a.truth');
    truthB = readTruth('b.truth');
    A = await serve('a');
    ctx = await launch(chromium, join(work, 'profile'));
  });

  after(async () => {
    if (ctx) await ctx.close();
    await stopAll();
    removeWork(work);
  });

  // #14 item 4: with JavaScript off, or before app.js has run (blocked,
  // slow), Enter in a field or a click on the button must not submit the
  // form natively (GET /?nir=... would put the identifiers in URLs, proxy
  // logs and the history). Inputs carry no name; the button is disabled
  // until the script is ready.
  test('without JavaScript, or before it runs, no request carries a field', async () => {
    const p = pickPatient(truthA);
    const t = typed(p);
    const noJs = await launch(chromium, join(work, 'profile-nojs'), { javaScriptEnabled: false });
    const pages = [];
    try {
      pages.push(await noJs.newPage());
      const blocked = await newPage();
      await blocked.route('**/app.js', (route) => route.abort());
      pages.push(blocked);
      for (const page of pages) {
        const seen = [];
        page.on('request', (r) => seen.push({ method: r.method(), url: r.url(), headers: {}, body: r.postData() ?? '' }));
        await page.goto(`${A.url}/`);
        assert.equal(await page.locator('input[name]').count(), 0, 'no input has a name');
        assert.equal(await page.isDisabled('#submit'), true, 'the button waits for the script');
        await fill(page, { nir: t.nir, email: t.email, phone: t.phone });
        await page.press('#f-nir', 'Enter');
        await page.press('#f-email', 'Enter');
        await page.click('#submit', { force: true });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(new URL(page.url()).search, '', 'the page did not navigate to a query');
        assert.equal(new URL(page.url()).pathname, '/');
        assertNoSecrets(seen, secrets(p, t));
        assert.ok(seen.every((r) => r.method === 'GET' && !new URL(r.url).search), 'no query string, no POST');
        assert.deepEqual(seen.map((r) => new URL(r.url).pathname).filter((x) => x === '/'), ['/'], 'the page was loaded once');
      }
    } finally {
      for (const page of pages) await page.close().catch(() => {});
      await noJs.close();
    }
  });

  test('page: CSP, French by default, labels on every field, no cookies', async () => {
    const page = await newPage();
    const res = await page.goto(`${A.url}/`);
    assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'self'; script-src 'self'; style-src 'self'/);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.match(await page.textContent('h1'), /fuite/);
    for (const name of ['Numéro de sécurité sociale (NIR)', 'Nom de naissance', "Nom d'usage", 'Prénom', 'Date de naissance',
      'Adresse e-mail', 'Numéro de téléphone']) {
      assert.equal(await page.getByLabel(name, { exact: false }).count() >= 1, true, name);
    }
    assert.equal(await page.getAttribute('#result', 'aria-live'), 'polite');
    // #14 item 9, #15: the privacy section states this index's smallest bucket
    // and that buckets come from the key holder here (no --buckets-url)
    const minReal = JSON.parse(readFileSync(join(work, 'idx', 'index.json'), 'utf8')).min_real_entries;
    await page.waitForFunction(() => /lui-même/.test(document.getElementById('privacy-host').textContent), null, { timeout: 10000 });
    const leaks = await page.textContent('#privacy-leaks');
    assert.equal((/au moins ([\d\s\u202f\u00a0]+)/.exec(leaks)?.[1] ?? '').replace(/\D/g, ''), String(minReal), 'the real min_real_entries');
    assert.doesNotMatch(leaks, /1 024|1\u202f024/, 'not the default K unless it is the index\'s');
    assert.equal(await page.evaluate(() => document.querySelectorAll('[style], script:not([src]), style').length), 0,
      'no inline script or style');
    assert.deepEqual(page.errors, []);
    for (const r of page.requests) assert.equal(new URL(r.url()).origin, A.url, 'no third-party request');
    assert.deepEqual(await ctx.cookies(), []);
    await page.close();
  });

  test('a patient in the leak: classes, advice, controller, medical sentence; requests blind', async () => {
    const p = pickPatient(truthA);
    assert.ok(p, 'a patient with an unambiguous record');
    const t = typed(p);
    const page = await newPage();
    await page.goto(`${A.url}/`);
    await fill(page, t);
    const reqs = await check(page);
    assert.equal(await page.getAttribute('#result', 'data-state'), 'found');
    const hit = page.locator('.hit[data-breach="labo-2021"]');
    assert.equal(await hit.count(), 1);
    const shown = await hit.locator('.classes li').evaluateAll((ls) => ls.map((l) => l.dataset.class));
    const expected = PUBLIC_CLASSES.filter((c) => p.data_classes.includes(c));
    assert.deepEqual(shown, expected, 'exposed data classes are the ground truth (public tier)');
    assert.ok(await hit.getByText('numéro de sécurité sociale (NIR)', { exact: true }).count() >= 1);
    const advice = await hit.locator('.advice li').evaluateAll((ls) => ls.map((l) => l.dataset.advice));
    const want = [];
    if (['address', 'email', 'phone', 'doctor'].some((c) => expected.includes(c))) want.push('phishing');
    if (['nir', 'dob'].some((c) => expected.includes(c))) want.push('identity');
    // a breach with medical categories: the blackmail advice on every found result (#17)
    if (truthA.some((q) => q.categories.length)) want.push('blackmail');
    want.push('permanent', 'rights');
    assert.deepEqual(advice, want, 'advice for exactly those classes, and the breach');
    const text = await hit.innerText();
    assert.match(text, /Laboratoires Exemple SAS/);
    assert.match(text, /dpo@example\.fr/);
    assert.match(text, /cnil\.fr\/fr\/plaintes/);
    assert.match(text, /Le détail complet, y compris d'éventuelles informations médicales, n'est montré qu'avec le code de la lettre/);
    assert.match(text, /Cette fuite contient des données de santé/, 'sensitive breach: period and labs withheld');
    assert.doesNotMatch(text, /LBM\d/, 'no lab names in the public tier of a sensitive breach');

    assert.equal(reqs.length, 9, 'config, evaluate, index.json, 6 buckets');
    assertNoSecrets(reqs, secrets(p, t));
    const body = JSON.parse(reqs.find((r) => r.method === 'POST').body);
    assert.equal(body.blinded_elements.length, 6);
    writeFileSync(join(ARTIFACTS, 'requests-found.json'), JSON.stringify(reqs, null, 1));
    await page.screenshot({ path: join(ARTIFACTS, 'found-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360 px');
    await page.screenshot({ path: join(ARTIFACTS, 'found-360.png'), fullPage: true });
    assert.deepEqual(page.errors, []);

    // The same page, a person not in the leak: same requests.
    const absent = { ...p, nir13: `${p.nir13.slice(0, 7)}${String((+p.nir13.slice(7, 10) + 500) % 1000).padStart(3, '0')}000` };
    assert.ok(!truthA.some((q) => q.nir13 === absent.nir13) && !truthB.some((q) => q.nir13 === absent.nir13));
    const ta = { ...typed(absent), birthName: 'Absentéiste', email: 'personne.absente@example.org', phone: '01 99 00 98 76' };
    await page.click('#clear');
    await fill(page, ta);
    const reqs2 = await check(page);
    assert.equal(await page.getAttribute('#result', 'data-state'), 'not-found');
    assert.deepEqual(shape(reqs2), shape(reqs), 'same requests for found and not found');
    assertNoSecrets(reqs2, secrets({ ...absent, last_names: { birth: 'ABSENTEISTE' }, emails: [ta.email], phones: ['+33199009876'] }, ta));
    const nf = (await page.locator('#result').innerText()).replace(/\u00a0/g, ' ');
    assert.match(nf, /Nous n'avons pas trouvé ces identifiants dans les 2 fuites consultées/);
    assert.match(nf, /Identifiants recherchés : numéro de sécurité sociale \(NIR\), nom et date de naissance, adresse e-mail, numéro de téléphone/);
    assert.match(nf, /Fuite des laboratoires \(2021\)/);
    assert.match(nf, /Ancienne fuite \(2019\)/);
    assert.match(nf, /1er juin 2019/);
    assert.match(nf, /faute de frappe/);
    await page.screenshot({ path: join(ARTIFACTS, 'not-found-360.png'), fullPage: true });
    assert.deepEqual(await ctx.cookies(), []);
    await page.close();
  });

  test('a non-sensitive breach shows period and labs', async () => {
    const p = pickPatient(truthB);
    assert.ok(p);
    const page = await newPage();
    await page.goto(`${A.url}/`);
    await fill(page, { email: typed(p).email });
    await check(page);
    const hit = page.locator('.hit[data-breach="labo-2019"]');
    assert.equal(await hit.count(), 1);
    const text = await hit.innerText();
    for (const lab of p.labs) assert.match(text, new RegExp(lab));
    assert.match(text, new RegExp(`Période\\s+[^\\n]*${p.first_sample.slice(0, 4)}`));
    assert.match(text, /https:\/\/dpo\.example\.org\/contact/);
    assert.match(text, /Le détail complet, y compris d'éventuelles informations médicales/);
    await page.close();
  });

  test('a mistyped NIR key is an inline error, and nothing is sent', async () => {
    const p = pickPatient(truthA);
    const page = await newPage(360, 740);
    await page.goto(`${A.url}/`);
    const t = typed(p);
    const wrong = t.nir.slice(0, -2) + String((+t.nir.slice(-2) % 97) + 1).padStart(2, '0');
    await page.fill('#f-nir', wrong);
    page.requests.length = 0;
    await page.click('#submit');
    await page.waitForSelector('#f-nir-err:not([hidden])');
    assert.equal(await page.textContent('#f-nir-err'), 'La clé du NIR ne correspond pas. Relisez les deux derniers chiffres.');
    assert.equal(await page.getAttribute('#f-nir', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-nir', 'focus on the field to fix');
    assert.equal(page.requests.length, 0);
    // a date that is not understood says which format to use
    await page.fill('#f-nir', '');
    await fill(page, { birthName: 'Martin', firstName: 'Jean', dob: '1985/31/12' });
    await page.click('#submit');
    await page.waitForSelector('#f-dob-err:not([hidden])');
    assert.match(await page.textContent('#f-dob-err'), /JJ\/MM\/AAAA/);
    // English, without reloading: the same error in English, ?lang=en in the URL
    await page.evaluate(() => { window.noReload = 1; });
    await page.click('#lang-switch');
    assert.match(page.url(), /\?lang=en$/);
    assert.equal(await page.evaluate(() => window.noReload), 1);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('#f-dob-err'), /DD\/MM\/YYYY/);
    await fill(page, { birthName: '', firstName: '', dob: '', nir: wrong });
    await page.click('#submit');
    await page.waitForSelector('#f-nir-err:not([hidden])');
    assert.equal(await page.textContent('#f-nir-err'), 'The NIR key does not match. Read the last two digits again.');
    await page.screenshot({ path: join(ARTIFACTS, 'nir-key-error-en-360.png'), fullPage: false });
    assert.equal(page.requests.filter((r) => r.url().includes('/v1/')).length, 0);
    await page.close();
  });

  test('English result, keyboard only, visible focus', async () => {
    const p = pickPatient(truthA);
    const page = await newPage(360, 740);
    await page.goto(`${A.url}/?lang=en`);
    assert.equal(await page.textContent('#lang-switch'), 'Français');
    await page.waitForSelector('#about-body .about-breach');
    // skip link, language switch, the DPO and complaint links of "who answers", then the NIR
    for (let i = 0; i < 12 && await page.evaluate(() => document.activeElement.id) !== 'f-nir'; i++)
      await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-nir');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'visible focus');
    await page.keyboard.type(typed(p).nir);
    page.requests.length = 0;
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result[data-state="found"]');
    const text = await page.locator('.hit').first().innerText();
    assert.match(text, /Your data exposed/);
    assert.match(text, /social security number \(NIR\)/);
    assert.match(text, /The full details, including any medical information, are only shown with the claim code of the controller's letter or after verifying your email address\./);
    assert.match(text, /Expect phishing|Your social security number and date of birth/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'result', 'focus moves to the result');
    await page.screenshot({ path: join(ARTIFACTS, 'found-en-360.png'), fullPage: true });
    await page.close();
  });

  test('buckets from a mirror: none read from the evaluator', async () => {
    const m = await mirror(join(work, 'idx'));
    const B = await serve('b', ['--buckets-url', m.url]);
    try {
      const p = pickPatient(truthA);
      const page = await newPage();
      await page.goto(`${B.url}/`);
      await fill(page, { nir: typed(p).nir, email: typed(p).email });
      const reqs = await check(page);
      assert.equal(await page.getAttribute('#result', 'data-state'), 'found');
      const toEval = reqs.filter((r) => r.url.startsWith(B.url)).map((r) => new URL(r.url).pathname);
      const toMirror = reqs.filter((r) => r.url.startsWith(m.url)).map((r) => new URL(r.url).pathname);
      assert.deepEqual(toEval, ['/v1/config', '/v1/evaluate']);
      assert.equal(toMirror.length, 7);
      assert.equal(m.seen.filter((u) => u.startsWith('/v1/buckets/')).length, 6);
      assert.equal(reqs.length, 9);
      const log = readFileSync(B.log, 'utf8');
      assert.doesNotMatch(log, /\/v1\/buckets|\/v1\/index/, 'the evaluator served no bucket and no index.json');
      assert.match(await page.locator('#result').innerText(), new RegExp(new URL(m.url).host.replace(/\./g, '\\.')));
      assert.match(await page.textContent('#privacy-host'), new RegExp(`servies par ${new URL(m.url).host.replace(/\./g, '\\.')}, et non par le serveur qui détient la clé`));
      // The same check again: the bucket host sees 6 bucket reads again (none
      // served from the browser cache, which would single out the real ones).
      m.seen.length = 0;
      const again = await check(page);
      assert.equal(again.length, 9);
      assert.equal(m.seen.filter((u) => u.startsWith('/v1/buckets/')).length, 6);
      assert.equal(m.seen.length, 7);
      const bucketSet = (rs) => rs.map((r) => r.url).filter((u) => u.includes('/v1/buckets/')).sort();
      assert.deepEqual(bucketSet(again), bucketSet(reqs), 'a repeated check reads the same buckets');
      assert.deepEqual(page.errors, []);
      await page.close();
    } finally {
      await stop(B.proc);
      m.srv.close();
    }
  });

  test('a wrong proof and a tampered bucket are errors, not results', async () => {
    const p = pickPatient(truthA);
    const page = await newPage();
    await page.goto(`${A.url}/`);
    await page.route('**/v1/evaluate', async (route) => {
      const res = await route.fetch();
      const j = await res.json();
      j.proof = (j.proof[0] === 'A' ? 'B' : 'A') + j.proof.slice(1);
      await route.fulfill({ response: res, json: j });
    });
    await fill(page, { nir: typed(p).nir });
    await check(page);
    assert.equal(await page.getAttribute('#result [data-error]', 'data-error'), 'proof');
    assert.match(await page.locator('#result').innerText(), /contrôle cryptographique \(preuve invalide\)/);
    await page.unroute('**/v1/evaluate');
    await page.route('**/v1/buckets/**', async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 1] ^= 1;
      await route.fulfill({ response: res, body });
    });
    await check(page);
    assert.equal(await page.getAttribute('#result [data-error]', 'data-error'), 'hash');
    assert.match(await page.locator('#result').innerText(), /ne correspond pas à son empreinte/);
    await page.close();
  });

  test('429 shows when to retry; a server that is down is said plainly', async () => {
    const C = await serve('c', ['--rate-per-client', '6', '--max-batch', '6']);
    const p = pickPatient(truthA);
    const page = await newPage();
    await page.goto(`${C.url}/`);
    await fill(page, { nir: typed(p).nir });
    let retry = null;
    page.on('response', (r) => { if (r.status() === 429) retry = r.headers()['retry-after']; });
    for (let i = 0; i < 4 && retry === null; i++) await check(page);
    assert.ok(retry !== null, 'the server answered 429');
    assert.equal(await page.getAttribute('#result [data-error]', 'data-error'), 'rate_limited');
    const txt = await page.locator('#result').innerText();
    assert.match(txt, /Trop de recherches/);
    assert.match(txt, new RegExp(`Réessayez dans ${retry} seconde${retry === '1' ? '' : 's'}\\.`));
    await page.screenshot({ path: join(ARTIFACTS, 'rate-limited-desktop.png') });
    await stop(C.proc);
    await check(page);
    assert.equal(await page.getAttribute('#result [data-error]', 'data-error'), 'network');
    assert.match(await page.locator('#result').innerText(), /Le service ne répond pas/);
    await page.close();
  });
});
