// The rules table of docs/LINT.md, from src/lint/rules.ts as it is now (compiled with tsc into a
// temporary directory, as the benchmarks do).
//
//   node scripts/gen-lint-rules-table.mjs           print the table
//   node scripts/gen-lint-rules-table.mjs --write   replace it in docs/LINT.md, between the
//                                                   `<!-- rules:start -->` and `<!-- rules:end -->` markers
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSrc } from '../bench/compile-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs/LINT.md');

/**
 * Whether a rule's danger depends on the table's size: a rule object may say so itself
 * (`sizeSensitive`); otherwise the rules known to set `Finding.table` (lock held while the table is
 * scanned, rewritten or indexed).
 */
const SIZE_SENSITIVE = new Set([
  'require-concurrent-index', 'volatile-default', 'set-not-null', 'constraint-not-valid', 'column-type-change',
  'unique-constraint-without-index', 'vacuum-full-cluster', 'unbounded-dml', 'drop-index-not-concurrently',
  'reindex-not-concurrently', 'set-logged-unlogged', 'exclusion-constraint',
]);

const work = await mkdtemp(join(tmpdir(), 'dbm-lint-rules-'));
try {
  const load = await compileSrc(work, ['src/lint/rules.ts']);
  const { RULES, MISSING_DOWN, PARSE_ERROR } = await load('lint/rules.js');
  const firstSentence = (s) => s.replace(/\s+/g, ' ').match(/^.*?[.!?](\s|$)/)?.[0].trim() ?? s;
  const cell = (s) => s.replace(/\|/g, '\\|');
  const rows = [...RULES, { ...PARSE_ERROR }, { ...MISSING_DOWN }].map((r) => {
    const size = typeof r.sizeSensitive === 'boolean' ? r.sizeSensitive : SIZE_SENSITIVE.has(r.id);
    return `| \`${r.id}\` | ${r.severity} | ${cell(firstSentence(r.why))} | ${size ? 'yes' : 'no'} |`;
  });
  const table = ['| rule | severity | what it catches | size-sensitive |', '| --- | --- | --- | --- |', ...rows].join('\n');
  if (process.argv.includes('--write')) {
    const doc = await readFile(DOC, 'utf8');
    const re = /(<!-- rules:start -->)[\s\S]*?(<!-- rules:end -->)/;
    if (!re.test(doc)) throw new Error(`${DOC} has no <!-- rules:start --> … <!-- rules:end --> markers`);
    await writeFile(DOC, doc.replace(re, (_, start, end) => `${start}\n${table}\n${end}`));
    console.log(`wrote ${RULES.length + 2} rules into docs/LINT.md`);
  } else {
    console.log(table);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
