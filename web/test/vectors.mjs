// Locating and reading the test vectors (env BC_VECTORS, else tests/vectors of
// this repository; their sources are in tests/vectors/SOURCES.md).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const vectorsDir = process.env.BC_VECTORS || resolve(here, '..', '..', 'tests', 'vectors');

export function readVector(name) {
  return readFileSync(join(vectorsDir, name), 'utf8');
}

export const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
export const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');

// C-style escapes of normalize.tsv: \t, \uXXXX, \\.
export function unescape(s) {
  return s.replace(/\\(t|n|\\|u[0-9a-fA-F]{4})/g, (_, e) =>
    e === 't' ? '\t' : e === 'n' ? '\n' : e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16)));
}
