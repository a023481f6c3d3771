// What a victim reads on the check page (issue 17), in French and English at
// 360 px, against a real `breachcheck serve` over a sensitive breach with
// medical comments:
// - before the form: the controller, the breach's title in the page's
//   language, the DPO contact and the legal notice;
// - a not-found result is neutral (not green), says what was searched and
//   gives the DPO contact;
// - a shared identifier gets the plain sentence inviting a search with the
//   NIR or the name and date of birth;
// - the blackmail advice is on a found result of a breach with medical
//   categories;
// - axe-core finds no WCAG 2.1 A/AA violation on any of these screens;
//   screenshots are kept in BC_ARTIFACTS (words-*.png).
// Exit 77 (skipped) when chromium, web/node_modules or the built page is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  SOURCE, ARTIFACTS, BIN, GENLEAK, requireBrowser, makeWork, removeWork, runner, launch, serve, stopAll,
  assertAccessible,
} from './lib.mjs';

const { chromium, axeSource } = await requireBrowser({ page: true, axe: true });
const { t, KIND_LABELS } = await import(pathToFileURL(join(SOURCE, 'web', 'src', 'texts.js')).href);

const work = makeWork('bc-words-');
const CONTROLLER = 'Laboratoires Exemple SAS';
const DPO = 'dpo@example.fr';
const TITLE = { fr: 'Fuite des laboratoires (2021)', en: 'Laboratory leak (2021)' };
let url;
let ctx;
let truth;

before(async () => {
  const run = runner(work);
  run(GENLEAK, ['--rows', '2500', '--seed', '11', '--out', 'a.csv', '--truth', 'a.truth', '--quiet']);
  run(BIN, ['keygen', 'key']);
  run(BIN, ['ingest', 'a.csv', '--index', 'idx', '--key', 'key', '--breach', 'labo-2021',
    '--title', TITLE.fr, '--title-en', TITLE.en, '--date', '2021-02-23', '--sensitive', '--public-tier', 'classes',
    '--controller', CONTROLLER, '--dpo-contact', DPO,
    '--complaint-url', 'https://www.cnil.fr/fr/plaintes', '--anonymity', '32', '--quiet']);
  truth = readFileSync(join(work, 'a.truth'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  ({ url } = await serve(work, 'serve'));
  // bypassCSP: axe-core is injected by the test; the page's own CSP stays in force otherwise
  ctx = await launch(chromium, join(work, 'profile'), { bypassCSP: true });
});

after(async () => {
  if (ctx) await ctx.close();
  await stopAll();
  removeWork(work);
});

const axe = (page, what) => assertAccessible(page, axeSource, what);

async function open(lang) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${url}/${lang === 'en' ? '?lang=en' : ''}`);
  await page.waitForSelector('#about-body .about-breach', { timeout: 15000 });
  return page;
}

async function search(page, fields) {
  await page.click('#clear');
  for (const [k, v] of Object.entries(fields)) await page.fill(`#f-${k}`, v);
  await page.click('#submit');
  await page.waitForSelector('#result[aria-busy="false"][data-state]:not([data-state="working"])', { timeout: 30000 });
  return (await page.locator('#result').innerText()).replace(/[\u00a0\u202f]/g, ' ');
}

const nirOf = (p) => p.nir13;
const found = (p) => p.nir13 && p.nir_key_states.valid > 0 && p.nir_key_states.wrong === 0 && !p.hard_cases.length;

for (const lang of ['fr', 'en']) {
  test(`${lang}: who answers, before the form`, async () => {
    const page = await open(lang);
    const about = await page.locator('#about').innerText();
    assert.match(about, new RegExp(CONTROLLER));
    assert.match(about, new RegExp(DPO.replace('.', '\\.')));
    assert.ok(about.includes(TITLE[lang]), `the title in ${lang}`);
    assert.ok(!about.includes(TITLE[lang === 'fr' ? 'en' : 'fr']), 'not the other language\'s title');
    assert.ok(about.includes(t('legal_heading', lang)));
    const before = await page.evaluate(() => {
      const a = document.getElementById('about');
      const f = document.getElementById('check-form');
      return Boolean(a.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    assert.ok(before, 'the controller and the title come before the form');
    assert.equal(await page.locator('#submit').innerText(), t('submit', lang));
    await axe(page, `the form (${lang})`);
    await page.screenshot({ path: join(ARTIFACTS, `words-form-${lang}-360.png`), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test(`${lang}: a neutral not-found with the DPO contact`, async () => {
    const page = await open(lang);
    const p = truth.find(found);
    const absent = `${p.nir13.slice(0, 7)}${String((+p.nir13.slice(7, 10) + 500) % 1000).padStart(3, '0')}000`;
    assert.ok(!truth.some((q) => q.nir13 === absent));
    const text = await search(page, { nir: absent });
    assert.equal(await page.getAttribute('#result', 'data-state'), 'not-found');
    assert.ok(text.includes(t('not_found', lang)), 'says nothing was found, in plain words');
    assert.ok(text.includes(t('not_found_notice', lang)), 'says what "not found" does not mean');
    assert.ok(text.includes(DPO), 'gives the DPO contact');
    const bg = await page.$eval('.summary.not-found', (e) => getComputedStyle(e).backgroundColor);
    const border = await page.$eval('.summary.not-found', (e) => getComputedStyle(e).borderLeftColor);
    for (const c of [bg, border]) {
      const [r, g, b] = c.match(/\d+/g).map(Number);
      assert.ok(!(g > r + 20 && g > b + 10), `not green (${c})`);
    }
    await axe(page, `not found (${lang})`);
    await page.screenshot({ path: join(ARTIFACTS, `words-not-found-${lang}-360.png`), fullPage: true });
    await page.close();
  });

  test(`${lang}: a shared identifier says so and invites a search with the NIR`, async () => {
    const page = await open(lang);
    const p = truth.find((q) => q.emails.length && q.shared_with.email.length);
    assert.ok(p, 'a patient with a shared email');
    const text = await search(page, { email: p.emails[0] });
    assert.equal(await page.getAttribute('#result', 'data-state'), 'found');
    assert.ok(text.includes(t('shared', lang, { kind: KIND_LABELS.email[lang] })), 'the shared-identifier sentence');
    await axe(page, `shared identifier (${lang})`);
    await page.screenshot({ path: join(ARTIFACTS, `words-shared-${lang}-360.png`), fullPage: true });
    await page.close();
  });

  test(`${lang}: the blackmail advice on a breach with medical categories`, async () => {
    assert.ok(truth.some((q) => q.categories.length), 'the leak holds medical categories');
    const page = await open(lang);
    // someone without any medical category of their own: the advice follows the breach
    const p = truth.find((q) => found(q) && !q.categories.length);
    const text = await search(page, { nir: nirOf(p) });
    assert.equal(await page.getAttribute('#result', 'data-state'), 'found');
    assert.equal(await page.locator('.advice li[data-advice="blackmail"]').count(), 1);
    assert.ok(text.includes(TITLE[lang]), 'the title in the page\'s language');
    assert.ok(text.includes(t(lang === 'fr' ? 'found_summary_1_1' : 'found_summary_1_1', lang)));
    await axe(page, `found (${lang})`);
    await page.screenshot({ path: join(ARTIFACTS, `words-found-${lang}-360.png`), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
