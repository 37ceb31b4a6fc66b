// The input/output reference of docs/DATABASE_MIGRATIONS.md, generated from action.yml so the two
// cannot drift (__tests__/docs.test.ts fails when they differ).
//
//   node scripts/gen-action-reference.mjs            print the reference
//   node scripts/gen-action-reference.mjs --write    replace it in the docs (npm run docs:reference)
//   node scripts/gen-action-reference.mjs --check    exit 1 when the docs are out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_YML = join(ROOT, 'action.yml');
export const DOCS = join(ROOT, 'docs/DATABASE_MIGRATIONS.md');
export const START = '<!-- action-reference:start -->';
export const END = '<!-- action-reference:end -->';

/**
 * Prose for a markdown table cell: one line; outside `code spans`, characters markdown would read
 * as markup (`<ENV>` as an HTML tag, `_`/`*` as emphasis) are escaped; pipes everywhere (GFM tables).
 */
function cell(text) {
  const oneLine = String(text).replace(/\s*\n\s*/g, ' ').trim();
  return oneLine
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*_<>[\]]/g, (c) => `\\${c}`)))
    .join('')
    .replace(/\|/g, '\\|');
}

/** A value in code spans, choosing a fence longer than any backtick run inside it. */
function code(text) {
  const longest = Math.max(0, ...(String(text).match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = String(text).startsWith('`') || String(text).endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * The reference block (markers included) for an action.yml text.
 * @param {string} actionYml
 * @returns {string}
 */
export function renderActionReference(actionYml) {
  const action = parse(actionYml);
  const inputs = Object.entries(action.inputs ?? {});
  const outputs = Object.entries(action.outputs ?? {});
  const lines = [
    START,
    '<!-- Generated from action.yml by scripts/gen-action-reference.mjs (npm run docs:reference). Do not edit by hand. -->',
    '',
    `\`${action.name}\` runs on \`${action.runs?.using}\` (\`${action.runs?.main}\`). Every input is optional; an empty value means its default.`,
    '',
    '#### Inputs',
    '',
    '| Input | Default | Description |',
    '|---|---|---|',
    ...inputs.map(([name, spec]) => {
      const def = spec?.default === undefined || spec.default === '' ? '*(empty)*' : code(spec.default).replace(/\|/g, '\\|');
      const required = spec?.required === true || spec?.required === 'true' ? ' **Required.**' : '';
      return `| \`${name}\` | ${def} | ${cell(spec?.description ?? '')}${required} |`;
    }),
    '',
    '#### Outputs',
    '',
    '| Output | Description |',
    '|---|---|',
    ...outputs.map(([name, spec]) => `| \`${name}\` | ${cell(spec?.description ?? '')} |`),
    '',
    END,
  ];
  return lines.join('\n');
}

/**
 * The document with its reference block replaced.
 * @param {string} doc
 * @param {string} block from {@link renderActionReference}
 */
export function replaceReference(doc, block) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1 || end < start) throw new Error(`the docs need the markers ${START} and ${END}, in that order`);
  return doc.slice(0, start) + block + doc.slice(end + END.length);
}

/**
 * The reference block as it stands in the document (markers included), or undefined.
 * @param {string} doc
 */
export function currentReference(doc) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  return start === -1 || end === -1 || end < start ? undefined : doc.slice(start, end + END.length);
}

function main(argv) {
  const block = renderActionReference(readFileSync(ACTION_YML, 'utf8'));
  if (argv.includes('--write')) {
    const doc = readFileSync(DOCS, 'utf8');
    const next = replaceReference(doc, block);
    if (next !== doc) writeFileSync(DOCS, next);
    console.error(next === doc ? 'docs/DATABASE_MIGRATIONS.md: reference already up to date' : 'docs/DATABASE_MIGRATIONS.md: reference updated from action.yml');
    return 0;
  }
  if (argv.includes('--check')) {
    const ok = currentReference(readFileSync(DOCS, 'utf8')) === block;
    if (!ok) console.error('docs/DATABASE_MIGRATIONS.md: the action reference differs from action.yml; run `npm run docs:reference`');
    return ok ? 0 : 1;
  }
  process.stdout.write(`${block}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
