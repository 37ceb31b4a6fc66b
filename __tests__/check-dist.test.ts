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
