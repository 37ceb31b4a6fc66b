// The schema diff of `verify` and the drift check (src/safety/diff.ts) on large dumps, against the
// implementation it replaced (an LCS table), in the same run. A benchmark, not a test: it prints
// the figures and exits 0 whenever it ran.
//
//   node bench/diff.mjs [--runs N] [--ref REV]
//
// Each measurement runs in a fresh Node process, so its peak memory (maxRSS) is its own: the
// process builds two dump-like texts, then times one `unifiedDiff` call. Time is the median of
// --runs (default 3; the reference runs once, it takes seconds); memory is the largest peak. The
// reference is src/safety/diff.ts at --ref (default 39d4003, the last commit with the LCS table),
// compiled from `git archive`; cases it cannot finish (a table of N×M cells) are not run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileSrc } from './compile-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argOf = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const RUNS = Number(argOf('runs', 3));
const REF = argOf('ref', '39d4003');

// Lines as pg_dump writes them: many repeated lines (`);`, blank, column types), the case that
// gives a line diff many equally good alignments to choose from.
const GENERATE = `
function dump(n, seed) {
  const out = [];
  for (let i = 0; out.length < n; i++) {
    out.push('CREATE TABLE public.t' + i + ' (', '    id bigint NOT NULL,', '    name_' + (i % 7) + ' text,',
      '    created_at timestamp with time zone DEFAULT now() NOT NULL', ');', '',
      'ALTER TABLE ONLY public.t' + i + ' ADD CONSTRAINT t' + i + '_pkey PRIMARY KEY (id);', '');
  }
  return out.slice(0, n);
}
const CASES = {
  // One column changed near the top, one near the bottom, a line added before the end.
  ends: (n) => { const a = dump(n); const b = [...a]; b[3] = '    name_0 varchar(40),'; b[n - 6] = '    name_x text,'; b.splice(n - 3, 0, '    extra integer,'); return [a, b]; },
  // One line in 25 changed: 4% of the dump, about 1600 changed lines at 20 000.
  scattered: (n) => { const a = dump(n); return [a, a.map((l, i) => (i % 25 === 12 ? l + ' -- changed' : l))]; },
  // Nothing in common: the worst case for any line diff.
  disjoint: (n) => [Array.from({ length: n }, (_, i) => 'a ' + i), Array.from({ length: n }, (_, i) => 'b ' + i)],
  // A small dump against a huge unrelated one.
  lopsided: (n) => [Array.from({ length: 100 }, (_, i) => 'a ' + i), Array.from({ length: n }, (_, i) => 'b ' + i)],
};
`;

function measure(modulePath, kase, n) {
  const code = `${GENERATE}
const { unifiedDiff } = await import(${JSON.stringify(pathToFileURL(modulePath).href)});
const [a, b] = CASES[${JSON.stringify(kase)}](${n});
const [x, y] = [a.join('\\n') + '\\n', b.join('\\n') + '\\n'];
const before = process.memoryUsage().rss;
const t = process.hrtime.bigint();
const out = unifiedDiff(x, y, { from: 'a', to: 'b' });
const ms = Number(process.hrtime.bigint() - t) / 1e6;
const lines = out.split('\\n').length - 1;
const fallback = out.includes('too many to list');
const sha = (await import('node:crypto')).createHash('sha1').update(out).digest('hex');
console.log(JSON.stringify({ ms, peakMb: process.resourceUsage().maxRSS / 1024, beforeMb: before / 2 ** 20, lines, fallback, sha }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return { error: (r.stderr || r.signal || `exit ${r.status}`).toString().split('\n').find((l) => /Error|heap/i.test(l)) ?? 'failed' };
  return JSON.parse(r.stdout);
}

function series(modulePath, kase, n, runs) {
  const xs = Array.from({ length: runs }, () => measure(modulePath, kase, n));
  const bad = xs.find((x) => x.error);
  if (bad) return bad;
  const ms = xs.map((x) => x.ms).sort((p, q) => p - q)[Math.floor(runs / 2)];
  return { ...xs[0], ms, peakMb: Math.max(...xs.map((x) => x.peakMb)) };
}

const work = await mkdtemp(join(tmpdir(), 'dbm-bench-diff-'));
try {
  const cur = await compileSrc(join(work, 'cur'), ['src/safety/diff.ts']).then(() => join(work, 'cur/build/safety/diff.js'));
  // The reference, from git, compiled the same way (its diff.ts imports nothing).
  const refRoot = join(work, 'ref-src');
  await mkdir(refRoot, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${REF} src/safety/diff.ts | tar -x -C "${refRoot}"`]);
  await symlink(join(ROOT, 'node_modules'), join(refRoot, 'node_modules'));
  // As in the repository: NodeNext compiles to ESM only under a package of type module.
  await writeFile(join(refRoot, 'package.json'), '{"type":"module"}\n');
  await mkdir(join(work, 'ref'), { recursive: true });
  await compileSrc(join(work, 'ref'), ['src/safety/diff.ts'], refRoot);
  const ref = join(work, 'ref/build/safety/diff.js');

  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0].model}); reference: src/safety/diff.ts at ${REF}`);
  const cases = [
    ['ends', 10_000, true],
    ['ends', 20_000, true],
    ['scattered', 20_000, true],
    ['disjoint', 20_000, true],
    ['disjoint', 200_000, false],
    ['lopsided', 200_000, false],
  ];
  const rows = [];
  for (const [kase, n, withRef] of cases) {
    const now = series(cur, kase, n, RUNS);
    const old = withRef ? series(ref, kase, n, 1) : null;
    rows.push([kase, n, now, old]);
  }
  const fmt = (m) => (m === null ? 'not run (N×M table)' : m.error ? `failed: ${m.error}` : `${m.ms.toFixed(0).padStart(6)} ms ${m.peakMb.toFixed(0).padStart(5)} MB`);
  const what = (m) => (m.error ? '' : m.fallback ? 'fallback sentence' : `${m.lines} lines`);
  const header = ['case', 'lines', 'Myers (npm diff), time / peak RSS', 'output', `LCS table (${REF}), time / peak RSS`, 'same text'];
  const same = (now, old) => (old === null || old.error || now.error ? '' : old.sha === now.sha ? 'yes' : 'no');
  const table = rows.map(([k, n, now, old]) => [k, String(n), fmt(now), what(now), fmt(old), same(now, old)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) console.log(line(r));
  console.log('peak RSS is the whole process (Node itself is about 45 MB); the inputs of the 200 000-line cases add about 30 MB.');
} finally {
  await rm(work, { recursive: true, force: true });
}
