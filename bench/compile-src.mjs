// Benchmarks measure the current src/, not the committed bundle: compile the entry points (and
// what they import) with tsc into `work/build`, as ESM, with node_modules reachable from there.
import { execFileSync } from 'node:child_process';
import { writeFile, symlink } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @param {string} work a temporary directory of the benchmark's
 * @param {string[]} entries source files relative to the repository, e.g. `src/lint/index.ts`
 * @param {string} [root] the checkout whose src/ to compile (default: this one), e.g. another worktree
 * @returns {(path: string) => Promise<any>} imports a compiled module by its path under src/ with `.js`, e.g. `lint/index.js`
 */
export async function compileSrc(work, entries, root = ROOT) {
  const out = join(work, 'build');
  execFileSync(
    join(ROOT, 'node_modules/.bin/tsc'),
    [...entries, '--outDir', out, '--rootDir', 'src', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node'],
    { cwd: root, stdio: 'inherit' },
  );
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'));
  return (path) => import(pathToFileURL(join(out, path)).href);
}
