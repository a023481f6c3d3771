// Build the page into an output directory: app.js bundled by esbuild (all
// npm code inlined; nothing fetched from elsewhere at run time), index.html
// and style.css copied.
// usage: node build.mjs OUTDIR [--public-key=B64URL] [--verified-public-key=B64URL]
// The keys (pkS, pkV: 32 bytes, base64url, as index.json's public_key and
// verified_public_key) are pinned into the bundle: the page then refuses an
// evaluator with other keys (docs/page.md). Empty = not pinned.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUTDIR [--public-key=B64URL] [--verified-public-key=B64URL]');
  process.exit(2);
}
const pins = { 'public-key': '', 'verified-public-key': '' };
for (const a of process.argv.slice(3)) {
  const m = /^--(public-key|verified-public-key)=(.*)$/.exec(a);
  if (!m) {
    console.error(`build.mjs: unknown argument ${a}`);
    process.exit(2);
  }
  const v = m[2].trim();
  // 32 bytes in base64url without padding: 43 characters, the last one carrying 4 bits (16 letters possible)
  if (v && !/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(v)) {
    console.error(`build.mjs: --${m[1]} must be 32 bytes in base64url without padding (43 characters), as in index.json`);
    process.exit(2);
  }
  pins[m[1]] = v;
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'app.js')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2020'],
  minify: true,
  legalComments: 'eof',
  define: {
    BC_PINNED_PUBLIC_KEY: JSON.stringify(pins['public-key']),
    BC_PINNED_VERIFIED_PUBLIC_KEY: JSON.stringify(pins['verified-public-key']),
  },
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(out, f));
