// The operator's HTML report (issue 16) of `breachcheck profile --html` on the
// demo leak (bc-genleak --seed 1, 491,839 rows; BC_REPORT_ROWS to change), in
// French and English:
// - self-contained: no script, no external resource;
// - its embedded JSON is `profile --json`'s, byte for byte;
// - no identifier of the generator's ground truth appears in it;
// - in Debian's chromium at 360 px: every chart has its numbers, nothing
//   scrolls sideways, axe-core finds no WCAG 2.1 AA violation; a full-page
//   screenshot is kept in BC_ARTIFACTS (default build/tests/browser/artifacts).
// Exit 77 (skipped) when chromium or web/node_modules is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ARTIFACTS, BIN, GENLEAK, requireBrowser, makeWork, removeWork, launch, assertAccessible,
} from './lib.mjs';

const ROWS = process.env.BC_REPORT_ROWS || '491839';

const { chromium, axeSource } = await requireBrowser({ page: false, axe: true });

const work = makeWork('bc-report-');
const leak = join(work, 'leak.csv');
const truth = join(work, 'truth.jsonl');
execFileSync(GENLEAK, ['--seed', '1', '--rows', ROWS, '--out', leak, '--truth', truth, '--quiet']);

const reports = {};
for (const lang of ['fr', 'en']) {
  const html = join(work, `report.${lang}.html`);
  const json = execFileSync(BIN, ['profile', leak, '--html', html, '--lang', lang, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).toString();
  reports[lang] = { path: html, text: readFileSync(html, 'utf8'), json };
}

function unescapeHtml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

test('self-contained: no script, no external resource', () => {
  for (const { text } of Object.values(reports)) {
    assert.doesNotMatch(text, /<script/i);
    assert.doesNotMatch(text, /\b(src|href)\s*=/i);
    assert.doesNotMatch(text, /url\(|@import|<link|<img|<iframe|<object/i);
    assert.match(text, /<svg/);
  }
});

test('its JSON is profile --json, byte for byte', () => {
  for (const { text, json } of Object.values(reports)) {
    const m = text.match(/<pre id="report-json">([\s\S]*?)<\/pre>/);
    assert.ok(m, 'embedded JSON');
    assert.equal(unescapeHtml(m[1]) + '\n', json);
    const o = JSON.parse(json);
    assert.equal(o.rows, Number(ROWS));
    assert.ok(o.patients > 0);
  }
});

test('no identifier of the input in the report', () => {
  const ids = new Set();
  for (const line of readFileSync(truth, 'utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line);
    if (p.nir13) ids.add(p.nir13);
    for (const e of p.emails) ids.add(e);
    for (const ph of p.phones) {
      ids.add(ph);
      if (ph.startsWith('+33')) ids.add('0' + ph.slice(3));
    }
    if (p.dob) {
      const [y, m, d] = p.dob.split('-');
      ids.add(`${d}/${m}/${y}`);
    }
    for (const n of [p.last_names.birth, p.last_names.usage])
      if (n && n.length >= 4) ids.add(`\u0000${n}`);  // whole upper-case word
  }
  for (const [lang, { text }] of Object.entries(reports)) {
    const words = new Set(text.match(/[A-ZÀ-Ý]{4,}/g));
    for (const id of ids) {
      if (id.startsWith('\u0000')) assert.ok(!words.has(id.slice(1)), `a last name in the ${lang} report`);
      else assert.ok(!text.includes(id), `an identifier in the ${lang} report`);
    }
  }
});

test('in chromium at 360 px: charts with numbers, no sideways scroll, axe-core 0 violations', async () => {
  // bypassCSP: the report's own policy forbids scripts; axe-core is injected by the test
  const ctx = await launch(chromium, join(work, 'profile'), { bypassCSP: true });
  try {
    for (const [lang, { path }] of Object.entries(reports)) {
      for (const width of [360, 1280]) {
        const page = await ctx.newPage();
        await page.setViewportSize({ width, height: 800 });
        const external = [];
        page.on('request', (r) => { if (!r.url().startsWith('file:')) external.push(r.url()); });
        await page.goto(pathToFileURL(path).href);
        assert.deepEqual(external, [], 'no request leaves the file');
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        // every chart: one bar per row, each row with a number
        const charts = await page.$$eval('table', (ts) => ts.map((t) => ({
          rows: t.querySelectorAll('tbody tr').length,
          bars: t.querySelectorAll('tbody td.b svg rect:not(.t)').length,
          numbered: [...t.querySelectorAll('tbody tr')].every((r) => /\d/.test(r.textContent)),
          section: t.closest('section')?.id,
        })));
        const sections = new Set(charts.map((c) => c.section));
        for (const s of ['sources', 'years', 'coverage', 'quality', 'sensitive', 'mapping'])
          assert.ok(sections.has(s), `a table in section ${s}`);
        for (const c of charts) {
          assert.ok(c.rows > 0, `rows in a table of ${c.section}`);
          assert.ok(c.numbered, `numbers in every row of ${c.section}`);
          if (c.section !== 'mapping') assert.equal(c.bars, c.rows, `a bar per row in ${c.section}`);
        }
        assert.equal(charts.find((c) => c.section === 'sources').rows, 27);
        assert.equal(charts.find((c) => c.section === 'coverage').rows, 12);
        assert.ok(await page.$('section#years h3'), 'the busiest years month by month');
        const right = await page.evaluate(() => Math.max(document.documentElement.scrollWidth,
          ...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)));
        assert.ok(right <= width, `nothing wider than the screen at ${width} px (${right})`);
        await assertAccessible(page, axeSource, `the ${lang} report at ${width} px`);
        await page.screenshot({ path: join(ARTIFACTS, `report-${lang}-${width}.png`), fullPage: true });
        await page.close();
      }
    }
  } finally {
    await ctx.close();
    removeWork(work);
  }
});
