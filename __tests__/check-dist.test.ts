import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runProcess, ROOT } from './helpers/cli.js';

const fresh = mkdtempSync(join(tmpdir(), 'dbm-dist-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

describe('committed dist/', () => {
  it('is byte-identical to a fresh build of src/ (run `npm run build` and commit dist/)', async () => {
    const build = await runProcess(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, env: { DIST_DIR: fresh } });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const committed = join(ROOT, 'dist');
    expect(listFiles(committed)).toEqual(listFiles(fresh));
    const stale = listFiles(fresh).filter((f) => !readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))));
    expect(stale).toEqual([]);
  }, 180_000);
});

describe('licenses shipped with the bundles', () => {
  // Package names as licenses.txt lists them: a line of its own followed by the SPDX id.
  const listed = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:^|\n\n)(\S+)\n([A-Za-z0-9.+-]+)\n/g)].map((m) => `${m[1]} ${m[2]}`);

  it('dist/cli/licenses.txt names every third-party package the CLI bundles, with its license', () => {
    const cli = listed('dist/cli/licenses.txt');
    for (const p of ['pg MIT', 'pg-protocol MIT', 'diff BSD-3-Clause', 'dotenv BSD-2-Clause', 'libpg-query MIT']) expect(cli).toContain(p);
    // The CLI loads neither the Actions toolkit nor Octokit.
    expect(cli.filter((p) => p.startsWith('@actions/') || p.startsWith('@octokit/'))).toEqual([]);
  });

  it('dist/licenses.txt (the action) adds the Actions toolkit and Octokit', () => {
    const action = listed('dist/licenses.txt');
    for (const p of ['@actions/core MIT', '@octokit/core MIT', 'before-after-hook Apache-2.0', 'pg MIT', 'diff BSD-3-Clause']) expect(action).toContain(p);
  });
});
