#!/usr/bin/env node
// Builds data/communes.tsv from the npm package @etalab/decoupage-administratif
// (INSEE Code officiel géographique and populations légales, Licence Ouverte 2.0).
// Usage: node make-communes.js PATH/TO/package/data/communes.json > data/communes.tsv
// Kept: current communes with population >= 2000 (Paris, Lyon and Marseille
// replaced by their municipal arrondissements, which are the birthplaces a NIR
// carries), plus every 8th smaller current commune in code order.
'use strict';
const fs = require('fs');
const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: make-communes.js communes.json\n');
  process.exit(2);
}
const all = JSON.parse(fs.readFileSync(path, 'utf8'));
const withArr = new Set(['75056', '69123', '13055']);
const out = [];
let small = 0;
for (const c of all) {
  if (!c.codesPostaux || c.codesPostaux.length === 0 || !c.population) continue;
  if (!/^(\d\d|2A|2B|97[1-46])$/.test(c.departement)) continue; // the 101 départements only
  if (c.type === 'arrondissement-municipal') {
    out.push(c);
  } else if (c.type === 'commune-actuelle' && !withArr.has(c.code)) {
    if (c.population >= 2000) out.push(c);
    else if (small++ % 8 === 0) out.push(c);
  }
}
out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
const lines = [
  '# communes.tsv - French communes with INSEE code, postcode, département and population.',
  '# Rows: ' + out.length + '. Columns: insee (5 characters, as in a NIR birthplace), name, postcode (the first of the',
  '#   commune\'s postcodes), dept (département code), population (population municipale).',
  '# Source: npm package @etalab/decoupage-administratif 6.0.0, data/communes.json (INSEE Code officiel géographique',
  '#   and populations légales, via Etalab). Made by tools/genleak/make-communes.js: current communes with population',
  '#   >= 2000 (Paris, Lyon, Marseille replaced by their municipal arrondissements), plus every 8th smaller one.\n#   Only the 101 départements (not the overseas collectivities 975, 977, 978, 98x).',
  '# Licence: Licence Ouverte / Open Licence 2.0 (Etalab); attribution: INSEE, via Etalab.',
  'insee\tname\tpostcode\tdept\tpopulation',
];
for (const c of out) {
  lines.push([c.code, c.nom, c.codesPostaux[0], c.departement, c.population].join('\t'));
}
process.stdout.write(lines.join('\n') + '\n');
