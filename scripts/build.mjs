// Bundle the action, the CLI and the library entry with ncc, put the parser's .wasm beside the
// bundles that can load it, and emit the library's type declarations.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

const require = createRequire(import.meta.url);
const ncc = join(dirname(require.resolve('@vercel/ncc/package.json')), 'dist/ncc/cli.js');
const wasm = join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm');
const tsc = require.resolve('typescript/bin/tsc');

// DIST_DIR lets a second checkout or a benchmark build elsewhere without touching the committed dist/.
const dist = process.env.DIST_DIR ?? 'dist';
const entries = [
  { src: 'src/index.ts', out: dist, parser: true },
  { src: 'src/cli/index.ts', out: join(dist, 'cli'), parser: true },
  // What `import … from 'db-migrate-action'` loads (package.json main/exports): no parser, no @actions/*.
  { src: 'src/lib.ts', out: join(dist, 'lib'), parser: false },
];

rmSync(dist, { recursive: true, force: true });
const statsDir = mkdtempSync(join(tmpdir(), 'dbm-stats-'));
for (const [i, { src, out, parser }] of entries.entries()) {
  const stats = join(statsDir, `${i}.json`);
  execFileSync(process.execPath, [ncc, 'build', src, '-o', out, '--stats-out', stats, '--quiet'], { stdio: 'inherit' });
  if (parser) copyFileSync(wasm, join(out, 'libpg-query.wasm'));
  const licenses = licensesOf(JSON.parse(readFileSync(stats, 'utf8')));
  if (licenses !== '') writeFileSync(join(out, 'licenses.txt'), licenses);
}
rmSync(statsDir, { recursive: true, force: true });

// The library's declarations: tsc emits them for src/lib.ts and everything it imports into a temp
// dir; only lib.d.ts (as index.d.ts) and the declarations it references are copied, with their
// paths relative to src/ kept, so the relative imports between them still resolve.
const types = mkdtempSync(join(tmpdir(), 'dbm-types-'));
try {
  execFileSync(
    process.execPath,
    [tsc, 'src/lib.ts', '--declaration', '--emitDeclarationOnly', '--rootDir', 'src', '--outDir', types,
      '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node'],
    { stdio: 'inherit' },
  );
  const todo = ['lib.d.ts'];
  const seen = new Set();
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(types, file), 'utf8');
    const target = join(dist, 'lib', file === 'lib.d.ts' ? 'index.d.ts' : file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    for (const m of text.matchAll(/(?:from\s+|import\()['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      const dep = posix.join(posix.dirname(file), `${m[1]}.d.ts`);
      if (!existsSync(join(types, dep))) throw new Error(`${file} references ${m[1]}.js, which has no declaration`);
      todo.push(dep);
    }
  }
} finally {
  rmSync(types, { recursive: true, force: true });
}

// The CLI is an npm `bin`, so it needs a launcher and the executable bit. Not `#!/usr/bin/env node`:
// Node reads `--env-file` anywhere on its command line, even after the script, and exits 9 on a
// missing file before our code runs, while dbmate skips a missing env file. Only `node -- script`
// stops that, and a shebang cannot say it portably (`env -S` is missing from busybox, so Alpine).
// So a shell runs line 2 as `exec node -- file args`; Node skips the `#!` line and reads line 2 as
// a string expression followed by a `//` comment, valid in an ES module before its imports.
const LAUNCHER = '#!/bin/sh\n":" //; exec node -- "$0" "$@"\n';
const cli = join(dist, 'cli/index.js');
const text = readFileSync(cli, 'utf8');
if (text.startsWith('#!')) throw new Error(`${cli} starts with a shebang of its own: src/cli/index.ts must not have one, the build adds the launcher`);
writeFileSync(cli, `${LAUNCHER}${text}`);
chmodSync(cli, 0o755);

/**
 * The license of every package the bundle holds, in ncc's `--license` layout (name, SPDX id,
 * text). Ours, not ncc's: its license plugin listed 2 of the 20 packages in the CLI bundle (pg,
 * diff and dotenv were missing), and the MIT and BSD licenses ask that their notice travel with
 * every copy. The packages come from webpack's stats: every module path under node_modules.
 */
function licensesOf(stats) {
  // Package directory → name; nested copies (node_modules/a/node_modules/b) are packages of their own.
  const dirs = new Map();
  const walk = (modules) => {
    for (const m of modules ?? []) {
      const at = /^(?:\.\/)?((?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(String(m.name ?? ''));
      if (at && at[2] !== '@vercel/ncc') dirs.set(at[1], at[2]);
      walk(m.modules);
    }
  };
  walk(stats.modules);
  return [...dirs].sort(([a, x], [b, y]) => x.localeCompare(y) || a.localeCompare(b)).map(([dir, name]) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const license = pkg.license ?? 'UNKNOWN';
    // A few packages (pg-types) ship no license file: say what they declare and where they come from.
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `${name}@${pkg.version} ships no license file; its package.json declares ${license}${repo ? ` (source: ${repo})` : ''}.`;
    return `${name}\n${license}\n${text}\n`;
  }).join('\n');
}
