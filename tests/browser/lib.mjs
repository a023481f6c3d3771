// What the browser tests (page, words, verify, report .test.mjs) share: the
// paths of the build, the reasons to skip (exit 77: meson's "skipped"),
// Debian's chromium launched as the house rules say (headless, no sandbox,
// no GPU, no background traffic, a fresh --user-data-dir), `breachcheck
// serve` started on a free loopback port and stopped, and axe-core's
// WCAG 2.1 A/AA audit of a page.
//
// Env: BC_BUILD (build root: breachcheck, bc-genleak, web/), BC_SOURCE
// (source root), BC_ARTIFACTS (screenshots and request logs; default
// BC_BUILD/tests/browser/artifacts), BC_KEEP (keep the work directory).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE = process.env.BC_SOURCE || resolve(here, '..', '..');
export const BUILD = process.env.BC_BUILD || join(SOURCE, 'build');
export const ARTIFACTS = process.env.BC_ARTIFACTS || join(BUILD, 'tests', 'browser', 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';
export const WEB = join(BUILD, 'web');
export const BIN = join(BUILD, 'breachcheck');
export const GENLEAK = join(BUILD, 'bc-genleak');

// The flags of the house rules (STYLE.md), plus no QUIC: every request of a
// test goes to 127.0.0.1 over TCP, where the test can see it.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

// Skip (exit 77) unless Node.js 20+, chromium, playwright-core (and axe-core
// if axe), the built page (if page) and the built programs are there.
// Returns { chromium: playwright's launcher, axeSource: axe-core's source
// or null }.
export async function requireBrowser({ page = true, axe = false } = {}) {
  if (Number(process.versions.node.split('.')[0]) < 20)
    skip(`playwright-core needs Node.js 20 or later (this is ${process.versions.node})`);
  if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} not installed (scripts/deps.sh test)`);
  const webRequire = createRequire(join(SOURCE, 'web', 'package.json'));
  let pwPath, axePath;
  try {
    pwPath = webRequire.resolve('playwright-core');
    if (axe) axePath = webRequire.resolve('axe-core');
  } catch { skip('web/node_modules missing (npm ci in web/)'); }
  if (page && !existsSync(join(WEB, 'app.js'))) skip(`the page is not built (${WEB}/app.js)`);
  for (const b of [BIN, GENLEAK]) if (!existsSync(b)) skip(`${b} not built`);
  const pw = await import(pathToFileURL(pwPath).href);
  return { chromium: pw.chromium ?? pw.default.chromium, axeSource: axe ? readFileSync(axePath, 'utf8') : null };
}

// A fresh work directory under the system's temporary one (prefix: its
// name's start); also makes ARTIFACTS. Remove it with removeWork().
export function makeWork(prefix) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeWork(work) {
  if (!process.env.BC_KEEP) rmSync(work, { recursive: true, force: true });
}

// A function running cmd with args in work; returns its stdout (a string),
// throws if it fails.
export function runner(work) {
  return (cmd, args, opts = {}) =>
    execFileSync(cmd, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}

// Chromium with a fresh profile in userDataDir (which must not exist yet),
// headless with the house flags; options: playwright's (bypassCSP,
// javaScriptEnabled...). Returns the persistent context (close it).
export function launch(chromium, userDataDir, options = {}) {
  assert.ok(!existsSync(userDataDir), `${userDataDir}: a fresh profile directory`);
  return chromium.launchPersistentContext(userDataDir, {
    ...options, executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
  });
}

const servers = [];

// Start `breachcheck serve` on the index work/idx with the key work/key, the
// page (WEB), no metrics listener and the log work/<name>.log, on a free
// loopback port, with the extra arguments. Resolves { url, proc, log } once
// it listens; rejects if it exits first or does not listen within 15 s.
export function serve(work, name, extra = []) {
  const log = join(work, `${name}.log`);
  const proc = spawn(BIN, ['serve', '--index', join(work, 'idx'), '--key', join(work, 'key'),
    '--listen', '127.0.0.1:0', '--metrics-listen', 'none', '--web', WEB, '--log', log, ...extra],
  { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`serve ${name} did not start: ${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) { clearTimeout(timer); ok({ url: m[1], proc, log }); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`serve ${name} exited ${code}: ${out}`)); });
  });
}

// SIGTERM to a server of serve(); resolves once it has exited.
export function stop(proc) {
  return new Promise((ok) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return ok();
    proc.removeAllListeners('exit');
    proc.on('exit', () => ok());
    proc.kill('SIGTERM');
  });
}

// Stop every server serve() started that still runs.
export async function stopAll() {
  for (const p of servers) await stop(p);
}

// axe-core (axeSource, from requireBrowser({ axe: true })) on the page as it
// is: asserts no WCAG 2.1 A/AA violation; what: the screen, for the message.
// The context needs bypassCSP (the page's policy forbids injected scripts).
export async function assertAccessible(page, axeSource, what) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  assert.deepEqual(res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [],
    `axe-core on ${what}`);
}
