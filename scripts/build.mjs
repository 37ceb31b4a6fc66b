// Bundle the action and the CLI with ncc, then put the parser's .wasm beside each bundle.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ncc = join(dirname(require.resolve('@vercel/ncc/package.json')), 'dist/ncc/cli.js');
const wasm = join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm');

// DIST_DIR lets a second checkout or a benchmark build elsewhere without touching the committed dist/.
const dist = process.env.DIST_DIR ?? 'dist';
const entries = [
  { src: 'src/index.ts', out: dist },
  { src: 'src/cli/index.ts', out: join(dist, 'cli') },
];

rmSync(dist, { recursive: true, force: true });
for (const { src, out } of entries) {
  execFileSync(process.execPath, [ncc, 'build', src, '-o', out, '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
  copyFileSync(wasm, join(out, 'libpg-query.wasm'));
}

// The CLI is an npm `bin`: it needs a shebang and the executable bit.
const cli = join(dist, 'cli/index.js');
const text = readFileSync(cli, 'utf8');
if (!text.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${text}`);
chmodSync(cli, 0o755);
