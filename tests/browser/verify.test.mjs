// The page's email verification (issue #12, DESIGN §6, docs/verify.md) in
// Debian's chromium against a real `breachcheck serve` that mails its codes
// into a Maildir: a sensitive breach (public tier none), an adult patient
// of the ground truth with a verified entry; the code is read from the mail
// that arrived. In French and in English, at 360 px and on the desktop: the
// full record (rows, period, labs, medical categories, blackmail advice)
// and what the server learned; screenshots under the artifacts directory;
// axe-core (WCAG 2.1 AA) finds no violation. Skipped (77) like page.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  SOURCE, ARTIFACTS, BIN, GENLEAK, requireBrowser, makeWork, removeWork, runner, launch, serve, stopAll,
  assertAccessible,
} from './lib.mjs';

const { chromium, axeSource } = await requireBrowser({ page: true, axe: true });
const work = makeWork('bc-browser-verify-');
const maildir = join(work, 'maildir');
const run = runner(work);
let server, ctx, patient, patients;

const mails = () => (existsSync(join(maildir, 'new')) ? readdirSync(join(maildir, 'new')) : []);

// The code of the first mail not in `before` (quoted-printable body, the code alone on its line).
async function codeFrom(before) {
  for (let i = 0; i < 200; i++) {
    const fresh = mails().filter((f) => !before.includes(f));
    if (fresh.length) {
      const text = readFileSync(join(maildir, 'new', fresh[0]), 'utf8').replace(/=\r?\n/g, '');
      return /^ {4}(\d{6})\r?$/m.exec(text)[1];
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no mail arrived');
}

const ageAt = (dob, day) => {
  const [y, m, d] = dob.split('-').map(Number);
  const [Y, M, D] = day.split('-').map(Number);
  return Y - y - ((M < m || (M === m && D < d)) ? 1 : 0);
};

before(async () => {
  run(GENLEAK, ['--rows', '3000', '--seed', '21', '--out', 'leak.csv', '--truth', 'truth.jsonl', '--quiet']);
  run(BIN, ['keygen', 'key']);
  run(BIN, ['ingest', 'leak.csv', '--index', 'idx', '--key', 'key', '--breach', 'labo-2021', '--sensitive',
    '--controller', 'Laboratoires Exemple SAS', '--dpo-contact', 'dpo@example.fr',
    '--complaint-url', 'https://www.cnil.fr/fr/plaintes', '--anonymity', '16', '--quiet']);
  const truth = readFileSync(join(work, 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  patients = truth.filter((p) => p.nir13 && p.dob && p.categories.length && p.emails.length === 1 &&
    !p.shared_with.email.length && !p.hard_cases.length && p.nir_key_states.wrong === 0 && !p.insured_by &&
    ageAt(p.dob, p.first_sample) >= 19);
  // one per language: an address gets at most 3 codes a day (docs/verify.md)
  assert.ok(patients.length >= 2, 'adult patients with a verified entry and medical categories');
  patient = patients[0];
  server = await serve(work, 'serve',
    ['--mail-dir', maildir, '--smtp-from', 'codes@example.org', '--verify-per-client', '100']);
  // bypassCSP: axe-core is injected into the page for the audit only
  ctx = await launch(chromium, join(work, 'profile'), { bypassCSP: true });
});

after(async () => {
  await ctx?.close();
  await stopAll();
  removeWork(work);
});

for (const lang of ['fr', 'en']) {
  for (const [vw, vh, label] of [[360, 740, 'mobile'], [1280, 900, 'desktop']]) {
    test(`verification flow, ${lang}, ${label}`, async () => {
      const patient = patients[lang === 'fr' ? 0 : 1];
      const page = await ctx.newPage();
      await page.setViewportSize({ width: vw, height: vh });
      await page.goto(`${server.url}/?lang=${lang}`);
      await page.waitForFunction(() => !document.getElementById('verify-send').disabled);
      const heading = await page.locator('#verify-heading').innerText();
      assert.equal(heading, lang === 'fr' ? 'Voir le détail complet : vérifiez votre adresse e-mail'
        : 'See the full details: verify your email address');
      await page.fill('#f-vemail', patient.emails[0]);
      await page.fill('#f-vnir', patient.nir13);
      const before = mails();
      await page.click('#verify-send');
      const code = await codeFrom(before);
      await page.locator('#f-vcode').waitFor({ state: 'visible' });
      await page.fill('#f-vcode', code);
      await page.click('#verify-go');
      const hit = page.locator('#result .hit');
      try {
        await hit.waitFor({ timeout: 20000 });
      } catch (e) {
        const why = await page.evaluate(() => [document.getElementById('result-body').innerText,
          document.getElementById('verify-status').innerText, document.getElementById('f-vcode-err').innerText,
          document.getElementById('f-vemail-err').innerText].join(' | '));
        throw new Error(`no result: ${why}`);
      }
      const classes = await hit.locator('.classes li').evaluateAll((ls) => ls.map((l) => l.dataset.class));
      for (const c of patient.categories) assert.ok(classes.includes(c), `category ${c} shown`);
      assert.ok(classes.includes('medical_comment'), 'that a medical comment existed');
      const advice = await hit.locator('.advice li').evaluateAll((ls) => ls.map((l) => l.dataset.advice));
      assert.ok(advice.includes('blackmail'), 'the blackmail advice');
      const text = await hit.innerText();
      assert.match(text, new RegExp(String(patient.rows)), 'the number of rows');
      assert.equal(await hit.locator('.medical').count(), 0, 'no "only shown after verifying" on a verified result');
      for (const l of patient.labs.slice(0, 1)) assert.match(text, new RegExp(l), 'a lab');
      const learns = await page.locator('[data-t="verify_learns"]').innerText();
      assert.match(learns, lang === 'fr' ? /votre adresse e-mail et l'heure/ : /your email address and the time/);
      assert.equal(await page.locator('#f-vnir').inputValue(), '', 'the NIR is cleared after use');
      await page.screenshot({ path: join(ARTIFACTS, `verify-${lang}-${label}.png`), fullPage: true });
      // WCAG 2.1 AA (axe-core), the page with its full report
      await assertAccessible(page, axeSource, `the full report (${lang}, ${label})`);
      await page.close();
    });
  }
}

// A breach of tier none (--sensitive): a person who IS in the file, searched
// by NIR, must not read "we did not find these identifiers" (a reassurance),
// but that a search shows nothing without a proof (as the CLI says, 458de10).
test('tier none: a search by NIR of someone in the file is not a reassurance', async () => {
  const { t } = await import(pathToFileURL(join(SOURCE, 'web', 'src', 'texts.js')).href);
  for (const lang of ['fr', 'en']) {
    const page = await ctx.newPage();
    await page.goto(`${server.url}/?lang=${lang}`);
    await page.waitForFunction(() => !document.getElementById('submit').disabled);
    await page.fill('#f-nir', patient.nir13);
    await page.click('#submit');
    await page.waitForSelector('#result[aria-busy="false"][data-state]:not([data-state="working"])', { timeout: 30000 });
    assert.equal(await page.getAttribute('#result', 'data-state'), 'not-found');
    const text = (await page.locator('#result').innerText()).replace(/[\u00a0\u202f]/g, ' ');
    const norm = (x) => x.replace(/[\u00a0\u202f]/g, ' ');
    assert.ok(text.includes(norm(t('not_found_private', lang))), `the neutral summary (${lang}): ${text}`);
    assert.ok(!text.includes(norm(t('not_found', lang))), `no "we did not find" (${lang})`);
    assert.ok(!text.includes(norm(t('not_found_notice', lang))), `no "a typo can hide a record" (${lang})`);
    assert.match(text, /dpo@example\.fr/);
    await page.close();
  }
});

test('a wrong code is refused and said so', async () => {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/?lang=en`);
  await page.waitForFunction(() => !document.getElementById('verify-send').disabled);
  await page.fill('#f-vemail', 'someone.else@example.org');
  await page.fill('#f-vnir', patient.nir13);
  const before = mails();
  await page.click('#verify-send');
  const code = await codeFrom(before);
  await page.locator('#f-vcode').waitFor({ state: 'visible' });
  await page.fill('#f-vcode', String((Number(code) + 1) % 1000000).padStart(6, '0'));
  await page.click('#verify-go');
  await page.locator('#f-vcode-err').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#f-vcode-err').innerText(), 'This code does not match. Read the email again and retry.');
  await page.fill('#f-vcode', code);
  await page.click('#verify-go');
  await page.locator('[data-verify="none"]').waitFor();
  await page.close();
});
