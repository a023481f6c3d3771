// Write docs/texts.md: every message a victim can read on the page and in
// `breachcheck check`, in French and English, in one place for the
// controller's lawyer (issue 17). The page's texts come from web/src/texts.js
// and web/src/vocab.js (the command line prints the same sentences: the
// page's test texts.test.mjs checks them against src/report/report.c); the
// command line's own messages are listed below by hand.
//   node tools/texts/texts_md.mjs > docs/texts.md
//   node tools/texts/texts_md.mjs --check docs/texts.md   (exit 1 if it differs)
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const texts = await import(pathToFileURL(join(root, 'web', 'src', 'texts.js')).href);
const { textKeys, textEntry, ADVICE, CLASS_LABELS, KIND_LABELS } = texts;

// Where each page text is shown, by key prefix or key.
const WHERE = [
  [/^(title|intro|lang_switch|skip|about_|legal)/, 'Page: top, and "who answers" before the form'],
  [/^(form_|claim_|nir_|birth_|usage_|first_|dob_|email_|phone_|submit|clear|working|result_heading)/, 'Page: the form'],
  [/^err_(claim|nir|name|dob|email|phone|need|nothing|form)/, 'Page: errors in the form'],
  [/^err_/, 'Page: errors after a search'],
  [/^(found_|breach_date|matched|exposed|records|period|labs|tier|shared|what_to_do|controller|dpo|complaint|not_given|medical)/, 'Page and command line: a found result'],
  [/^(not_found|ids_checked|breaches_checked|buckets_from)/, 'Page and command line: not found'],
  [/^privacy/, 'Page: how your privacy is protected'],
  [/.*/, 'Page: other'],
];

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const out = [];
out.push('# Every message a victim can read');
out.push('');
out.push('<!-- Written by tools/texts/texts_md.mjs from web/src/texts.js and web/src/vocab.js:');
out.push('     edit those, then run `node tools/texts/texts_md.mjs > docs/texts.md`. The test');
out.push('     web/texts-doc fails when this file is not up to date. -->');
out.push('');
out.push('For the controller\'s lawyer and DPO: what the check page and `breachcheck check`');
out.push('tell a person, in French and in English, in one place. The command line prints');
out.push('the same sentences as the page for the results (advice, the medical sentence, the');
out.push('sensitive-breach sentence, the shared-identifier sentence, not found); its golden');
out.push('outputs are in tests/report/golden/.');
out.push('');
out.push('Rules these texts follow (issue 17):');
out.push('');
out.push('- Plain language, in the spirit of FALC: short sentences, one idea each, the action');
out.push('  first; no internal terms (no "data class", "token", "bucket" for a victim).');
out.push('- *Rechercher* / *consulter* (search) for looking someone up; *vérifier* only for the');
out.push('  proof by email (the verification code). "Checked" is not used for a search in English.');
out.push('- "Not found" is neutral (not green): it says what was searched, what it does not');
out.push('  mean, and whom to ask (the data-protection officer).');
out.push('- The blackmail advice is on every found result of a breach that holds medical');
out.push('  categories, whatever the person\'s own record holds.');
out.push('- Dates read the same on the page and in the command line: "23 février 2021",');
out.push('  "1er juin 2019" / "23 February 2021"; months "février 2021" / "February 2021".');
out.push('- `{x}` marks a value filled in when shown (a number, a title, a kind of identifier).');
out.push('');

const groups = new Map();
for (const k of textKeys()) {
  const where = WHERE.find(([re]) => re.test(k))[1];
  if (!groups.has(where)) groups.set(where, []);
  groups.get(where).push(k);
}
for (const [where, keys] of groups) {
  out.push(`## ${where}`);
  out.push('');
  out.push('| key | français | English |');
  out.push('|---|---|---|');
  for (const k of keys) {
    const e = textEntry(k);
    out.push(`| \`${k}\` | ${cell(e.fr)} | ${cell(e.en)} |`);
  }
  out.push('');
}
out.push('## Page and command line: advice on a found result');
out.push('');
out.push('| advice | shown when | français | English |');
out.push('|---|---|---|---|');
const WHEN = {
  phishing: 'address, email, phone or doctor exposed',
  identity: 'NIR or date of birth exposed',
  blackmail: 'the breach holds medical categories',
  permanent: 'always',
  rights: 'always',
};
for (const a of ADVICE) out.push(`| \`${a.id}\` | ${WHEN[a.id] ?? ''} | ${cell(a.fr)} | ${cell(a.en)} |`);
out.push('');
out.push('## Page and command line: names of the data and of the identifiers');
out.push('');
out.push('| name | français | English |');
out.push('|---|---|---|');
for (const [k, v] of Object.entries(CLASS_LABELS)) out.push(`| \`${k}\` | ${cell(v.fr)} | ${cell(v.en)} |`);
for (const [k, v] of Object.entries(KIND_LABELS)) out.push(`| identifier \`${k}\` | ${cell(v.fr)} | ${cell(v.en)} |`);
out.push('');
out.push(readFileSync(join(root, 'tools', 'texts', 'cli.md'), 'utf8').trimEnd());
out.push('');

const doc = out.join('\n');
if (process.argv[2] === '--check') {
  const have = readFileSync(process.argv[3], 'utf8');
  if (have !== doc) {
    const a = have.split('\n');
    const b = doc.split('\n');
    const i = a.findIndex((l, n) => l !== b[n]);
    console.error(`${process.argv[3]} is not up to date (line ${i + 1}): run node tools/texts/texts_md.mjs > docs/texts.md`);
    process.exit(1);
  }
} else {
  process.stdout.write(doc);
}
