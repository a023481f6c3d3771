// Aggregation of decrypted payloads into one result per breach found, the
// same rules as src/report (bc_report_add): a shared token contributes only
// its class bits; rows max, period min..max, labs as a set (8 at most, then
// more_sources).
import { SOURCE_NONE, SHARED_BIT, MORE_SOURCES_BIT, CLASSES_MASK, KIND_NAMES } from './vocab.js';

export { SHARED_BIT, MORE_SOURCES_BIT, CLASSES_MASK, KIND_NAMES };
export const MAX_SOURCES = 8;

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
