// Lint accuracy: our lint and squawk on the labelled corpus (bench/lint-corpus.mjs), in the same
// run, with precision and recall for both. A benchmark, not a test: it prints the figures and
// exits 0 whenever it ran (1 only when something broke).
//
//   node bench/lint-accuracy.mjs [--write FILE] [--squawk PATH] [--src DIR] [--only id,id]
//
//   --write FILE   also write every snippet's verdicts and findings as JSON
//   --squawk PATH  the squawk binary (default: $SQUAWK_BIN, then node_modules/@squawk-cli/linux-x64/bin/squawk)
//   --src DIR      lint the src/ of another checkout (e.g. a worktree of a branch not merged yet)
//   --only LIST    only these snippet ids (for looking at one case)
//
// What counts as "flagged": a snippet is flagged by a tool when the tool reports at least one
// finding in an up section of the snippet's files
//   - ours: severity `error` or `warning`, not suppressed (`info` does not count). Findings of a
//     down section (e.g. `missing-down`) are not judged: the labels are about applying the migration.
//     Two rows: offline (no sizes), and with the snippet's `sizes` through `judgeBySize`
//     (src/lint/sizes.ts) when that function exists — detected at run time, and said when missing.
//   - squawk: any violation, on each file's up-section SQL alone (squawk does not know dbmate's
//     markers and would lint the down section too), with `--assume-in-transaction` for
//     transactional sections and `--pg-version`. Two rows: strict (every rule), and filtered,
//     without the rules that judge style or session settings rather than what the statement does
//     (STYLE_RULES below): a reviewer would not call a migration dangerous for using `int`.
// A squawk run per file is how squawk lints a migrations directory: it does not know the plan.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSrc } from './compile-src.mjs';
import { CORPUS, DEFAULT_PG_VERSION } from './lint-corpus.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** squawk rules about style or session settings, not about what the statement does to a live table. */
export const STYLE_RULES = new Set([
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-big-int',
  'prefer-identity',
  'prefer-text-field',
  'prefer-timestamp-tz',
  'prefer-timestamptz',
  'ban-char-field',
  'prefer-robust-stmts',
  // asks for BEFORE/AFTER on ADD VALUE so the enum's sort order is deliberate: a design rule.
  'require-enum-value-ordering',
  // db-migrate's runner sets lock_timeout for every migration; a statement_timeout is a policy of the
  // deploy, not a property of the statement.
  'require-lock-timeout',
  'require-statement-timeout',
  'require-timeout-settings',
]);

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const WRITE = opt('write');
const SRC = opt('src') ? resolve(opt('src')) : ROOT;
const ONLY = opt('only')?.split(',');

function findSquawk() {
  const candidates = [opt('squawk'), process.env.SQUAWK_BIN, join(ROOT, `node_modules/@squawk-cli/${process.platform}-${process.arch}/bin/squawk`)];
  return candidates.find((c) => c && existsSync(c));
}

const corpus = ONLY ? CORPUS.filter((s) => ONLY.includes(s.id)) : CORPUS;
const work = await mkdtemp(join(tmpdir(), 'dbm-bench-lint-accuracy-'));
try {
  const entries = ['src/lint/index.ts', ...(existsSync(join(SRC, 'src/lint/sizes.ts')) ? ['src/lint/sizes.ts'] : [])];
  const load = await compileSrc(work, entries, SRC);
  const lint = await load('lint/index.js');
  const sizesMod = entries.length > 1 ? await load('lint/sizes.js') : {};
  const judgeBySize = typeof sizesMod.judgeBySize === 'function' ? sizesMod.judgeBySize : undefined;
  const largeTable = sizesMod.DEFAULT_LARGE_TABLE;
  const squawk = findSquawk();
  const squawkVersion = squawk ? execFileSync(squawk, ['--version'], { encoding: 'utf8' }).trim() : undefined;

  // Lay out every snippet's files: the dbmate file for us, its up SQL alone for squawk.
  const results = [];
  for (const [si, s] of corpus.entries()) {
    const dir = join(work, 'migrations', s.id);
    const sqDir = join(work, 'squawk', s.id);
    await mkdir(dir, { recursive: true });
    await mkdir(sqDir, { recursive: true });
    const files = [];
    for (const [fi, f] of s.files.entries()) {
      const tx = f.tx !== false;
      const head = `-- migrate:up${tx ? '' : ' transaction:false'}\n`;
      const up = `${f.up.trim()}\n`;
      const downMarker = `\n-- migrate:down${tx ? '' : ' transaction:false'}\n`;
      const text = `${head}${up}${downMarker}${f.down ? `${f.down.trim()}\n` : ''}`;
      const name = `${String(20250101000000 + si * 10 + fi)}_${s.id.replace(/-/g, '_')}_${fi + 1}.sql`;
      const absPath = join(dir, name);
      await writeFile(absPath, text);
      const sqPath = join(sqDir, name);
      await writeFile(sqPath, up);
      const downLine = (head + up).split('\n').length + 1; // 1-based line of `-- migrate:down`
      files.push({ displayPath: `db/migrations/${name}`, absPath, sqPath, tx, downLine });
    }
    results.push({ snippet: s, files });
  }

  // Ours: one lintFiles call per snippet (its files are one plan).
  const t0 = Date.now();
  for (const r of results) {
    const { snippet: s, files } = r;
    const pgVersion = s.pgVersion ?? DEFAULT_PG_VERSION;
    const findings = await lint.lintFiles(
      files.map((f) => ({ displayPath: f.displayPath, absPath: f.absPath })),
      { pgVersion },
    );
    const byPath = new Map(files.map((f) => [f.displayPath, f]));
    const inUp = (f) => (f.direction ? f.direction === 'up' : f.line < (byPath.get(f.file)?.downLine ?? Infinity));
    const counts = (f) => inUp(f) && (f.severity === 'error' || f.severity === 'warning') && !f.suppressed;
    r.ours = { findings, flagged: findings.filter(counts) };
    if (judgeBySize && s.sizes) {
      const judged = judgeBySize(findings, new Map(Object.entries(s.sizes)), largeTable);
      r.oursSized = { findings: judged, flagged: judged.filter(counts) };
    } else {
      r.oursSized = r.ours;
    }
  }
  const oursMs = Date.now() - t0;

  // squawk: one process per (transaction mode, pg version), over every file of that kind.
  let squawkMs = 0;
  if (squawk) {
    const groups = new Map();
    for (const r of results)
      for (const f of r.files) {
        const key = `${f.tx}|${r.snippet.pgVersion ?? DEFAULT_PG_VERSION}`;
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
    const violations = new Map();
    const t1 = Date.now();
    for (const [key, files] of groups) {
      const [tx, pgv] = key.split('|');
      const args = ['--reporter', 'json', `--pg-version=${pgv}.0`, ...(tx === 'true' ? ['--assume-in-transaction'] : []), ...files.map((f) => f.sqPath)];
      const p = spawnSync(squawk, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (p.status !== 0 && p.status !== 1) throw new Error(`squawk exited ${p.status}: ${p.stderr}`);
      const out = p.stdout.trim() ? JSON.parse(p.stdout) : [];
      for (const v of out) violations.set(v.file, [...(violations.get(v.file) ?? []), v]);
    }
    squawkMs = Date.now() - t1;
    for (const r of results) {
      const all = r.files.flatMap((f) => violations.get(f.sqPath) ?? []);
      r.squawk = { findings: all, flagged: all, filtered: all.filter((v) => !STYLE_RULES.has(v.rule_name)) };
    }
  }

  // Figures.
  const score = (pick) => {
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const r of results) {
      const flagged = pick(r).length > 0;
      const dangerous = r.snippet.label === 'dangerous';
      c[dangerous ? (flagged ? 'tp' : 'fn') : flagged ? 'fp' : 'tn']++;
    }
    const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
    const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { ...c, precision, recall, f1 };
  };
  const rows = [['ours, offline (no sizes)', score((r) => r.ours.flagged)]];
  if (judgeBySize) rows.push(['ours, with sizes (judgeBySize)', score((r) => r.oursSized.flagged)]);
  if (squawk) {
    rows.push([`squawk ${squawkVersion.replace(/^squawk /, '')}, filtered`, score((r) => r.squawk.filtered)]);
    rows.push([`squawk ${squawkVersion.replace(/^squawk /, '')}, strict`, score((r) => r.squawk.flagged)]);
  }

  const dangerous = results.filter((r) => r.snippet.label === 'dangerous').length;
  const by = (k) => results.reduce((m, r) => m.set(r.snippet[k] ?? '-', (m.get(r.snippet[k] ?? '-') ?? 0) + 1), new Map());
  console.log(`Lint accuracy on ${results.length} labelled snippets (${dangerous} dangerous, ${results.length - dangerous} safe), PostgreSQL ${DEFAULT_PG_VERSION} unless a snippet says otherwise`);
  console.log(`  tables: ${[...by('table')].map(([k, v]) => `${k} ${v}`).join(', ')}; existing sizes: ${[...by('size')].filter(([k]) => k !== '-').map(([k, v]) => `${k} ${v}`).join(', ')}; with catalog sizes: ${results.filter((r) => r.snippet.sizes).length}; plans of 2+ files: ${results.filter((r) => r.files.length > 1).length}`);
  console.log(`  ours: ${SRC === ROOT ? 'src/' : `${SRC}/src/`} compiled with tsc (${oursMs} ms to lint)`);
  console.log(judgeBySize ? `  sizes: judgeBySize from src/lint/sizes.ts, large = ${JSON.stringify(largeTable)}` : `  sizes: src/lint/sizes.ts exports no judgeBySize yet: the "with sizes" row is missing (offline only)`);
  console.log(squawk ? `  squawk: ${squawk} (${squawkVersion}, ${squawkMs} ms); filtered drops: ${[...STYLE_RULES].join(', ')}` : '  squawk: not found (npm install --no-save @squawk-cli/linux-x64@2.66.0, or --squawk PATH / $SQUAWK_BIN): its rows are missing');
  console.log('');
  const pct = (x) => `${(100 * x).toFixed(1)}%`.padStart(7);
  console.log(`  ${'tool'.padEnd(34)} ${'TP'.padStart(4)} ${'FP'.padStart(4)} ${'FN'.padStart(4)} ${'TN'.padStart(4)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(7)}`);
  for (const [name, s] of rows)
    console.log(`  ${name.padEnd(34)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)} ${String(s.tn).padStart(4)} ${pct(s.precision).padStart(9)} ${pct(s.recall)} ${pct(s.f1)}`);

  // Disagreements: where a tool's verdict differs from the label, or the tools differ.
  const rulesOf = (fs, key) => [...new Set(fs.map((f) => f[key]))].join(',') || '-';
  const verdict = (fs) => (fs.length ? 'flag' : 'pass');
  console.log('');
  console.log(`  Snippets where a tool is wrong or the tools disagree (ours = ${judgeBySize ? 'with sizes' : 'offline'}; squawk = filtered; rules that fired in brackets):`);
  console.log(`  ${'id'.padEnd(44)} ${'label'.padEnd(9)} ${'ours'.padEnd(4)} ${'squawk'.padEnd(6)}`);
  for (const r of results) {
    const o = r.oursSized.flagged;
    const q = r.squawk?.filtered ?? [];
    const want = r.snippet.label === 'dangerous';
    if (o.length > 0 === want && (!squawk || q.length > 0 === want)) continue;
    const mark = (fs) => (fs.length > 0 === want ? ' ' : '✗');
    console.log(`  ${r.snippet.id.padEnd(44)} ${r.snippet.label.padEnd(9)} ${mark(o)}${verdict(o)} ${squawk ? `${mark(q)}${verdict(q)}` : '-'}  [ours: ${rulesOf(o, 'rule')}${squawk ? `; squawk: ${rulesOf(q, 'rule_name')}` : ''}]`);
  }
  console.log('');
  console.log('  (✗ = that tool disagrees with the label.) Rerun: npm run bench:lint-accuracy');

  if (WRITE) {
    const json = {
      corpus: { snippets: results.length, dangerous, safe: results.length - dangerous, defaultPgVersion: DEFAULT_PG_VERSION },
      ours: { src: SRC, judgeBySize: !!judgeBySize, largeTable },
      squawk: squawk ? { path: squawk, version: squawkVersion, styleRules: [...STYLE_RULES] } : null,
      scores: Object.fromEntries(rows),
      snippets: results.map((r) => ({
        id: r.snippet.id,
        label: r.snippet.label,
        table: r.snippet.table,
        size: r.snippet.size,
        reason: r.snippet.reason,
        ours: { flagged: r.ours.flagged.length > 0, findings: r.ours.findings.map(({ why, fix, ...f }) => f) },
        oursSized: { flagged: r.oursSized.flagged.length > 0, findings: r.oursSized.findings.map(({ why, fix, ...f }) => f) },
        squawk: r.squawk && {
          flagged: r.squawk.flagged.length > 0,
          filteredFlagged: r.squawk.filtered.length > 0,
          findings: r.squawk.findings.map((v) => ({ rule: v.rule_name, level: v.level, line: v.line + 1, message: v.message })),
        },
      })),
    };
    await writeFile(WRITE, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`  wrote ${WRITE}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
