// The check page: form, language switch, running the private check and
// showing the result. All text goes through textContent (never innerHTML),
// no inline script or style (the server sends a strict CSP), no cookies or
// storage: the language choice lives in the URL (?lang=en).
import { runCheck, buildTokens, CheckError } from './check.js';
import { canonClaim, takeClaimFragment } from './claim.js';
import { verifyInputs, startVerification, finishVerification } from './verify.js';
import {
  normalizeNir, normalizeLastName, normalizeFirstName, normalizeDob, normalizeEmail, normalizePhone,
} from './normalize.js';
import { t, retryIn, CLASS_LABELS, KIND_LABELS, ADVICE, CNIL_COMPLAINT_URL } from './texts.js';
import { classNames, monthOf } from './index.js';
import { CLASS_BITS } from './vocab.js';
import { sortedHits } from './report.js';

const BIT_OF = (c) => (2 ** CLASS_BITS[c]) >>> 0;
// A letter's code in the address (#claim=CODE, the QR code of the letters,
// DESIGN.md §10) leaves the address bar and the history before anything else.
const claimFromUrl = takeClaimFragment();

const FIELDS = ['claim', 'nir', 'birthName', 'usageName', 'firstName', 'dob', 'email', 'phone'];
const SINGLE = {
  nir: normalizeNir, birthName: normalizeLastName, usageName: normalizeLastName,
  firstName: normalizeFirstName, dob: (s) => normalizeDob(s), email: normalizeEmail, phone: normalizePhone,
  claim: (s) => { const c = canonClaim(s); return c.ok ? c : { ok: false, reason: c.error }; },
};
const ERR_PREFIX = {
  nir: 'nir', birthName: 'name', usageName: 'name', firstName: 'name', dob: 'dob', email: 'email', phone: 'phone',
  claim: 'claim',
};

const $ = (id) => document.getElementById(id);
let lang = 'fr';
const fieldErrors = {}; // field -> reason
let formError = null;
let shown = null; // { kind: 'result' | 'error', value }
// What this deployment is (from /v1/config): { minReal, bucketsHost } or null
// before it is known. The privacy section states it (#14 item 9, #15).
let deployment = null;
// The catalogue of breaches (/v1/config), shown before the form (#17): who
// runs this page and whom to ask. null until loaded, false if it failed.
let catalogue = null;

function langFromUrl() {
  const l = new URLSearchParams(window.location.search).get('lang');
  return l === 'en' ? 'en' : 'fr';
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

// ------------------------------------------------------------ language

function applyLang() {
  document.documentElement.lang = lang;
  for (const n of document.querySelectorAll('[data-t]')) n.textContent = t(n.dataset.t, lang);
  for (const n of document.querySelectorAll('[data-t-label]')) n.setAttribute('aria-label', t(n.dataset.tLabel, lang));
  const sw = $('lang-switch');
  const other = lang === 'fr' ? 'en' : 'fr';
  sw.setAttribute('href', `?lang=${other}`);
  sw.setAttribute('hreflang', other);
  sw.setAttribute('lang', other);
  document.title = t('title', lang);
  renderPrivacy();
  renderAbout();
  for (const f of FIELDS) showFieldError(f, fieldErrors[f]);
  showFormError(formError);
  if (shown?.kind === 'result') renderResult(shown.value);
  else if (shown?.kind === 'error') renderError(shown.value);
}

function switchLang(ev) {
  ev.preventDefault();
  lang = lang === 'fr' ? 'en' : 'fr';
  const url = new URL(window.location.href);
  if (lang === 'fr') url.searchParams.delete('lang'); else url.searchParams.set('lang', lang);
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  applyLang();
}

// ------------------------------------------------------------ deployment

function renderPrivacy() {
  const n = deployment?.minReal;
  const mix = Number.isInteger(n) ? t('privacy_mix_n', lang, { n: new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB').format(n) }) : '';
  $('privacy-leaks').textContent = t('privacy_leaks', lang, { mix });
  let host = 'privacy_host_unknown';
  if (deployment) host = deployment.bucketsHost ? 'privacy_host_separate' : 'privacy_host_same';
  $('privacy-host').textContent = t(host, lang, { host: deployment?.bucketsHost ?? '' });
}

// From a /v1/config: the index's min_real_entries and where buckets come
// from (buckets_url empty: this server, the key holder).
function learnDeployment(config) {
  let bucketsHost = null;
  const u = typeof config?.buckets_url === 'string' ? config.buckets_url.trim() : '';
  if (u) {
    try { bucketsHost = new URL(u, window.location.href).host; } catch { bucketsHost = u; }
  }
  deployment = {
    minReal: Number.isInteger(config?.min_real_entries) ? config.min_real_entries : null,
    bucketsHost,
  };
  if (Array.isArray(config?.breaches)) catalogue = config.breaches;
  renderPrivacy();
  renderAbout();
}

// Before the form: each breach's title (in the page's language), its
// controller and data-protection officer, and where to complain (#17).
function renderAbout() {
  const body = $('about-body');
  if (!body) return;
  if (!catalogue) {
    body.replaceChildren(el('p', {}, t(catalogue === false ? 'about_unknown' : 'about_loading', lang)));
    return;
  }
  body.replaceChildren(...catalogue.map((b) => el('div', { class: 'about-breach', 'data-breach': b.name },
    el('h3', {}, breachTitle(b)),
    breachDescription(b) ? el('p', {}, breachDescription(b)) : null,
    contacts(b))));
}

// Once at load: /v1/config carries nothing of the person (every visitor
// makes the same request), and lets the privacy section say what is true
// here. On failure the general text stays.
async function loadDeployment() {
  try {
    const res = await fetch('/v1/config', { credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store' });
    if (res.ok) learnDeployment(await res.json());
    else { catalogue = false; renderAbout(); }
  } catch { catalogue = false; renderAbout(); }
}

// ------------------------------------------------------------ validation

function errorText(field, reason) {
  if (reason === 'need_namedob') return t('err_need_namedob', lang);
  return t(`err_${ERR_PREFIX[field]}_${reason}`, lang);
}

function showFieldError(field, reason) {
  const input = $(`f-${field}`);
  const p = $(`f-${field}-err`);
  if (reason) {
    p.textContent = errorText(field, reason);
    p.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  } else {
    p.textContent = '';
    p.hidden = true;
    input.removeAttribute('aria-invalid');
  }
}

function setFieldError(field, reason) {
  if (reason) fieldErrors[field] = reason; else delete fieldErrors[field];
  showFieldError(field, reason);
}

function showFormError(key) {
  const p = $('form-err');
  p.textContent = key ? t(key, lang) : '';
  p.hidden = !key;
}

function validateOne(field) {
  const v = $(`f-${field}`).value.trim();
  if (!v) { if (fieldErrors[field] !== 'need_namedob') setFieldError(field, null); return; }
  const r = SINGLE[field](v);
  setFieldError(field, r.ok ? null : r.reason);
}

function values() {
  return Object.fromEntries(FIELDS.map((f) => [f, $(`f-${f}`).value]));
}

// ------------------------------------------------------------ results

function fmtMonth(n) {
  const m = monthOf(n);
  if (!m) return '';
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(Date.UTC(m.year, m.month - 1, 1));
}

function fmtDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '');
  if (!m) return s ?? '';
  const s2 = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return lang === 'fr' && +m[3] === 1 ? s2.replace(/^1 /, '1er ') : s2;
}

const colon = () => (lang === 'fr' ? '\u00a0: ' : ': ');
const label = (map, k) => (map[k] ? map[k][lang] : k);
// Title and description in the page's language: the English ones when the
// operator gave them (ingest --title-en), else the default ones.
const breachTitle = (b) => (lang === 'en' && b.title_en) || b.title || b.name || '?';
const breachDescription = (b) => (lang === 'en' && b.description_en) || b.description || '';
// Medical categories anywhere in the breach (the catalogue's data_classes):
// the blackmail advice is shown on every found result of such a breach,
// whatever this person's record holds (#17).
const MEDICAL_MASK = BIT_OF('medical_comment') | BIT_OF('pregnancy') | BIT_OF('hiv') | BIT_OF('hepatitis') | BIT_OF('other_medical');
function breachMask(b) {
  let m = 0;
  for (const c of Array.isArray(b.data_classes) ? b.data_classes : []) if (c in CLASS_BITS) m |= BIT_OF(c);
  return m >>> 0;
}
const isHttp = (s) => /^https?:\/\/[^\s]+$/i.test(s ?? '');
const isEmail = (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s ?? '');

function contactValue(s) {
  if (!s) return t('not_given', lang);
  if (isHttp(s)) return el('a', { href: s, rel: 'noopener noreferrer' }, s);
  if (isEmail(s)) return el('a', { href: `mailto:${s}` }, s);
  return s;
}

function contacts(b) {
  return dl([
    [t('controller', lang), b.controller || t('not_given', lang)],
    [t('dpo', lang), contactValue(b.dpo_contact)],
    [t('complaint', lang), contactValue(b.complaint_url || CNIL_COMPLAINT_URL)],
  ]);
}

function dl(rows) {
  return el('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function renderHit(h) {
  const b = h.breach;
  const classes = classNames(h.flags);
  const rows = [];
  if (h.rows) rows.push([t('records', lang), String(h.rows)]);
  if (h.firstMonth || h.lastMonth) {
    const a = fmtMonth(h.firstMonth || h.lastMonth);
    const z = fmtMonth(h.lastMonth || h.firstMonth);
    rows.push([t('period', lang), a === z ? a : t('period_range', lang, { a, b: z })]);
  }
  if (h.sources.length) {
    const more = (h.flags >>> 30) & 1 ? t('labs_more', lang) : '';
    rows.push([t('labs', lang), h.sources.map((i) => b.sources[i]).join(', ') + more]);
  }
  const adviceFlags = (h.flags | (breachMask(b) & MEDICAL_MASK)) >>> 0;
  return el('article', { class: 'hit', 'data-breach': b.name },
    el('h3', {}, breachTitle(b), b.breach_date ? el('span', { class: 'date' }, ` (${t('breach_date', lang)}${colon()}${fmtDate(b.breach_date)})`) : null),
    breachDescription(b) ? el('p', { class: 'description' }, breachDescription(b)) : null,
    el('p', { class: 'matched' }, `${t('matched', lang)}${colon()}${h.matched.map((k) => label(KIND_LABELS, k)).join(', ')}.`),
    el('h4', {}, t('exposed', lang)),
    el('ul', { class: 'classes' }, classes.map((c) => el('li', { 'data-class': c }, label(CLASS_LABELS, c)))),
    h.shared.map((k) => el('p', { class: 'note' }, t('shared', lang, { kind: label(KIND_LABELS, k) }))),
    rows.length ? dl(rows) : null,
    b.is_sensitive && !rows.length ? el('p', { class: 'note' }, t('tier', lang)) : null,
    el('h4', {}, t('what_to_do', lang)),
    el('ul', { class: 'advice' }, ADVICE.filter((a) => !a.mask || (adviceFlags & a.mask))
      .map((a) => el('li', { 'data-advice': a.id }, a[lang]))),
    contacts(b),
    // a proof-tier hit (letter's code, verified email, DESIGN.md §6): the
    // person has already proved, so "only shown with the code..." is not said
    h.matched.some((k) => k === 'claim' || k === 'verified') ? null
      : el('p', { class: 'medical' }, t('medical', lang)));
}

function renderResult(r) {
  const body = $('result-body');
  const region = $('result');
  const hits = sortedHits(r.hits);
  region.dataset.state = hits.length ? 'found' : 'not-found';
  const parts = [];
  if (hits.length) {
    parts.push(el('p', { class: 'summary found' }, t(`found_summary_${hits.length > 1 ? 'n' : '1'}_${r.config.breaches.length > 1 ? 'm' : '1'}`, lang, { n: hits.length, m: r.config.breaches.length })));
    parts.push(el('p', { class: 'checked' }, `${t('ids_checked', lang)}${colon()}${r.used.map((k) => label(KIND_LABELS, k)).join(', ')}.`));
    parts.push(hits.map(renderHit));
  } else {
    // neutral (#17): what was searched, what "not found" does not mean,
    // whom to ask, and the proof paths of breaches that show nothing publicly.
    // When nothing searched is public, "not found" says nothing: say that,
    // not "we did not find you" (as the CLI report does, report.c).
    const m = r.config.breaches.length;
    const allPrivate = m > 0 && r.config.breaches.every((b) => b.public_tier === 'none');
    parts.push(el('p', { class: 'summary not-found' }, allPrivate ? t(m > 1 ? 'not_found_private_m' : 'not_found_private', lang)
      : m > 1 ? t('not_found_m', lang, { m }) : t('not_found', lang)));
    parts.push(el('p', {}, `${t('ids_checked', lang)}${colon()}${r.used.map((k) => label(KIND_LABELS, k)).join(', ')}.`));
    parts.push(el('p', {}, `${t('breaches_checked', lang)} (${m})${colon()}`));
    parts.push(el('ul', { class: 'breaches' }, r.config.breaches.map((b) =>
      el('li', {}, breachTitle(b) + (b.breach_date ? ` (${fmtDate(b.breach_date)})` : '')))));
    if (!allPrivate) parts.push(el('p', { class: 'note' }, t('not_found_notice', lang)));
    for (const b of r.config.breaches) {
      if (b.public_tier === 'none' && m > 1) parts.push(el('p', { class: 'note proof-paths' }, t('not_found_proof', lang, { title: breachTitle(b) })));
    }
    parts.push(r.config.breaches.map((b) => el('div', { class: 'contacts', 'data-breach': b.name },
      m > 1 ? el('h3', {}, breachTitle(b)) : null, contacts(b))));
  }
  if (r.bucketsHost) parts.push(el('p', { class: 'small' }, t('buckets_from', lang, { host: r.bucketsHost })));
  body.replaceChildren(...parts.flat());
}

function renderError(e) {
  const region = $('result');
  region.dataset.state = 'error';
  const msgs = [];
  if (e.code === 'rate_limited') {
    msgs.push(t('err_rate_limited', lang));
    msgs.push(retryIn(e.retryAfter, lang));
  } else if (e.code === 'server') {
    msgs.push(t('err_server', lang, { status: [e.status, e.serverCode].filter(Boolean).join(', ') }));
  } else {
    msgs.push(t(`err_${e.code}`, lang));
  }
  $('result-body').replaceChildren(el('div', { class: 'alert', role: 'alert', 'data-error': e.code },
    msgs.map((m) => el('p', {}, m))));
}

// ------------------------------------------------------------ submit

async function onSubmit(ev) {
  ev.preventDefault();
  const v = values();
  const { errors } = buildTokens(v);
  for (const f of FIELDS) setFieldError(f, errors[f] ?? null);
  formError = errors._form ? 'err_nothing' : (Object.keys(errors).length ? 'err_form_summary' : null);
  showFormError(formError);
  if (Object.keys(errors).length) {
    const first = FIELDS.find((f) => errors[f]);
    (first ? $(`f-${first}`) : $('f-nir')).focus();
    return;
  }
  const button = $('submit');
  const region = $('result');
  button.disabled = true;
  region.setAttribute('aria-busy', 'true');
  region.dataset.state = 'working';
  $('result-body').replaceChildren(el('p', { class: 'working' }, t('working', lang)));
  try {
    const r = await runCheck(v, { base: '' });
    learnDeployment(r.config);
    const bb = r.config.buckets_url ? new URL(r.config.buckets_url, window.location.href) : null;
    r.bucketsHost = bb && bb.origin !== window.location.origin ? bb.host : null;
    shown = { kind: 'result', value: r };
    renderResult(r);
  } catch (e) {
    const err = e instanceof CheckError ? e : new CheckError('server', { status: 0, serverCode: 'client' });
    shown = { kind: 'error', value: err };
    renderError(err);
  } finally {
    button.disabled = false;
    region.setAttribute('aria-busy', 'false');
    region.focus();
  }
}

// ------------------------------------------------------------ email verification (DESIGN §6)

let verification = null; // { email, nir13, id } between "send" and "see my record"

function showVerifyError(field, key) {
  const p = $(`f-${field}-err`);
  p.textContent = key ? t(key, lang) : '';
  p.hidden = !key;
  $(`f-${field}`).setAttribute('aria-invalid', key ? 'true' : 'false');
}

function verifyErrorKey(e) {
  return ['code_invalid', 'code_expired', 'too_many_tries', 'mail_failed', 'not_implemented'].includes(e.code)
    ? `err_${e.code}` : null;
}

async function onVerifySend(ev) {
  ev.preventDefault();
  showVerifyError('vemail', null);
  showVerifyError('vnir', null);
  let inputs;
  try {
    inputs = verifyInputs($('f-vemail').value, $('f-vnir').value);
  } catch (e) {
    if (e.errors?.vemail) showVerifyError('vemail', `err_vemail_${e.errors.vemail}`);
    if (e.errors?.vnir) showVerifyError('vnir', 'err_vnir');
    $(e.errors?.vemail ? 'f-vemail' : 'f-vnir').focus();
    return;
  }
  const button = $('verify-send');
  button.disabled = true;
  $('verify-status').textContent = t('verify_sending', lang);
  try {
    const id = await startVerification(inputs.email, { base: '' });
    verification = { ...inputs, id };
    $('verify-code-field').hidden = false;
    $('verify-status').textContent = t('verify_sent', lang);
    $('f-vcode').focus();
  } catch (e) {
    const key = verifyErrorKey(e);
    $('verify-status').textContent = '';
    if (e.code === 'rate_limited') {
      // the code's own limits (per connection, per address): said at the
      // form, not as "too many searches" in the result box
      showVerifyError('vemail', 'err_verify_rate_limited');
      $('f-vemail-err').textContent += ` ${retryIn(e.retryAfter, lang)}`;
    } else if (key) showVerifyError('vemail', key);
    else renderError(e instanceof CheckError ? e : new CheckError('server', { status: 0, serverCode: 'client' }));
  } finally {
    button.disabled = false;
  }
}

async function onVerifyGo() {
  showVerifyError('vcode', null);
  if (!verification) return;
  const region = $('result');
  region.setAttribute('aria-busy', 'true');
  $('verify-go').disabled = true;
  try {
    const r = await finishVerification({ ...verification, code: $('f-vcode').value }, { base: '' });
    verification = null;
    $('f-vcode').value = '';
    $('f-vnir').value = '';
    $('verify-code-field').hidden = true;
    $('verify-status').textContent = '';
    if (r.hits.length) {
      shown = { kind: 'result', value: r };
      renderResult(r);
    } else {
      shown = null;
      region.dataset.state = 'not-found';
      $('result-body').replaceChildren(el('p', { class: 'summary not-found', 'data-verify': 'none' }, t('verify_none', lang)));
    }
    region.focus();
  } catch (e) {
    const key = e.code === 'input' ? 'err_vcode' : verifyErrorKey(e);
    if (key) {
      showVerifyError('vcode', key);
      if (e.code !== 'input' && e.code !== 'code_invalid') {
        verification = null;
        $('verify-code-field').hidden = true;
      }
    } else {
      renderError(e instanceof CheckError ? e : new CheckError('server', { status: 0, serverCode: 'client' }));
    }
  } finally {
    $('verify-go').disabled = false;
    region.setAttribute('aria-busy', 'false');
  }
}

function onReset() {
  for (const f of FIELDS) setFieldError(f, null);
  formError = null;
  showFormError(null);
  shown = null;
  $('result-body').replaceChildren();
  delete $('result').dataset.state;
}

function init() {
  lang = langFromUrl();
  applyLang();
  $('lang-switch').addEventListener('click', switchLang);
  $('check-form').addEventListener('submit', onSubmit);
  // The button is disabled in the HTML and the inputs carry no name: before
  // this point (script loading, blocked or off) Enter or a click cannot send
  // the fields anywhere (#14 item 4). Ready now.
  $('submit').disabled = false;
  $('verify-form').addEventListener('submit', onVerifySend);
  $('verify-go').addEventListener('click', onVerifyGo);
  $('verify-send').disabled = false;
  loadDeployment();
  $('check-form').addEventListener('reset', onReset);
  for (const f of FIELDS) {
    const input = $(`f-${f}`);
    input.addEventListener('change', () => validateOne(f));
    input.addEventListener('input', () => { if (fieldErrors[f]) validateOne(f); });
  }
  if (claimFromUrl) {
    $('f-claim').value = claimFromUrl;
    validateOne('claim');
    $('f-nir').focus();
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
