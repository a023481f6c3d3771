// Aggregation of decrypted payloads into one result per breach found, the
// same rules as src/report (bc_report_add): a shared token contributes only
// its class bits; rows max, period min..max, labs as a set (8 at most, then
// more_sources).
import { SOURCE_NONE } from './index.js';

export const SHARED_BIT = 31;
export const MORE_SOURCES_BIT = 30;
export const CLASSES_MASK = 0x00000fff | 0x000f1000; // bits 0-12, 16-19
export const MAX_SOURCES = 8;
export const KIND_NAMES = { 1: 'nir', 2: 'namedob', 3: 'email', 4: 'phone', 5: 'verified' };

const bit = (b) => (2 ** b) >>> 0;

function addSource(h, breach, s) {
  const n = Array.isArray(breach.sources) ? breach.sources.length : 0;
  if (s === SOURCE_NONE || s >= n || h.sources.includes(s)) return;
  if (h.sources.length === MAX_SOURCES) { h.flags = (h.flags | bit(MORE_SOURCES_BIT)) >>> 0; return; }
  h.sources.push(s);
  h.sources.sort((a, b) => a - b);
}

// hits: Map breach id -> hit. breach: catalogue entry from /v1/config. p: parsed payload.
export function addPayload(hits, breach, p) {
  let h = hits.get(breach.id);
  if (!h) {
    h = { breach, matched: [], shared: [], flags: 0, rows: 0, firstMonth: 0, lastMonth: 0, sources: [] };
    hits.set(breach.id, h);
  }
  const kind = KIND_NAMES[p.kind];
  if (!h.matched.includes(kind)) h.matched.push(kind);
  if ((p.flags >>> SHARED_BIT) & 1) {
    if (!h.shared.includes(kind)) h.shared.push(kind);
    h.flags = (h.flags | (p.flags & CLASSES_MASK)) >>> 0;
    return h;
  }
  h.flags = (h.flags | (p.flags & (CLASSES_MASK | bit(MORE_SOURCES_BIT)))) >>> 0;
  if (p.rows > h.rows) h.rows = p.rows;
  if (p.firstMonth && (!h.firstMonth || p.firstMonth < h.firstMonth)) h.firstMonth = p.firstMonth;
  if (p.lastMonth > h.lastMonth) h.lastMonth = p.lastMonth;
  addSource(h, breach, p.sourceA);
  addSource(h, breach, p.sourceB);
  return h;
}

// Results in catalogue order (ascending breach id).
export function sortedHits(hits) {
  return [...hits].sort((a, b) => a.breach.id - b.breach.id);
}
