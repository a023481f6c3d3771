// The deployment test's browser part (tests/deploy/deploy.sh): the page from
// nginx, through HAProxy, finds a ground-truth person with the evaluators
// behind HAProxy and the buckets from the nginx bucket host.
// usage: node page.mjs FRONT_URL BUCKETS_URL NIR13 ARTIFACTS_DIR
// Exit 0 found as expected, 1 failure, 77 chromium or playwright missing.
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.BC_SOURCE || resolve(here, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const [front, buckets, nir13, artifacts] = process.argv.slice(2);

function skip(why) { console.log(`SKIP: ${why}`); process.exit(77); }
if (Number(process.versions.node.split('.')[0]) < 20) skip('playwright-core needs Node.js 20');
if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} not installed`);
let pwPath;
try { pwPath = createRequire(join(SOURCE, 'web', 'package.json')).resolve('playwright-core'); } catch { skip('web/node_modules missing'); }
const pw = await import(pathToFileURL(pwPath).href);
const chromium = pw.chromium ?? pw.default.chromium;
const { nirKey } = await import(pathToFileURL(join(SOURCE, 'web', 'src', 'normalize.js')).href);

const profile = mkdtempSync(join(tmpdir(), 'bc-deploy-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let ok = false;
try {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const reqs = [];
  page.on('request', (r) => reqs.push(r.url()));
  await page.goto(`${front}/`);
  await page.waitForFunction(() => /servies par|served by/.test(document.getElementById('privacy-host').textContent), null, { timeout: 10000 });
  const host = await page.textContent('#privacy-host');
  if (!host.includes(new URL(buckets).host)) throw new Error(`privacy text does not name the bucket host: ${host}`);
  const key = String(nirKey(nir13)).padStart(2, '0');
  await page.fill('#f-nir', `${nir13}${key}`);
  reqs.length = 0;
  await page.click('#submit');
  await page.waitForSelector('#result[aria-busy="false"][data-state]:not([data-state="working"])', { timeout: 30000 });
  const state = await page.getAttribute('#result', 'data-state');
  await page.screenshot({ path: join(artifacts, 'deploy-found.png'), fullPage: true });
  writeFileSync(join(artifacts, 'deploy-requests.json'), JSON.stringify(reqs, null, 1));
  if (state !== 'found') throw new Error(`result: ${state}: ${await page.textContent('#result')}`);
  const toBuckets = reqs.filter((u) => u.startsWith(buckets));
  const toFront = reqs.filter((u) => u.startsWith(front)).map((u) => new URL(u).pathname);
  if (toBuckets.length !== 7) throw new Error(`expected index.json and 6 buckets from the bucket host, got ${toBuckets.length}`);
  if (JSON.stringify(toFront) !== JSON.stringify(['/v1/config', '/v1/evaluate'])) throw new Error(`to the front: ${toFront}`);
  if (errors.length) throw new Error(`page errors: ${errors}`);
  ok = true;
  console.log('page: found through HAProxy, 7 reads from the bucket host, none from the evaluators');
} catch (e) {
  console.log(`FAIL: page: ${e.message}`);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
