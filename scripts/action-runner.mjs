// Run the bundled action the way a GitHub runner does: every input as an INPUT_* variable (name
// upper-cased, dashes kept: `INPUT_DRY-RUN`), action.yml defaults for inputs not given, and
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. Shared by `npm start` and the end-to-end tests.
// Plain JS so `npm start` needs no build step.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundle to run: `DB_MIGRATE_ACTION` (a private build), else the committed dist/index.js. */
export const ACTION_BUNDLE = process.env.DB_MIGRATE_ACTION ?? join(ROOT, 'dist/index.js');

/**
 * Input defaults of action.yml. A line-based reader for our own file (two-space input ids,
 * `default: '...'` in single quotes), so no YAML package is needed.
 * @returns {Record<string, string>}
 */
export function actionDefaults(actionYml = join(ROOT, 'action.yml')) {
  const text = readFileSync(actionYml, 'utf8');
  const section = text.slice(text.indexOf('\ninputs:\n'), text.indexOf('\noutputs:\n'));
  const out = {};
  let current;
  for (const line of section.split('\n')) {
    const id = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (id) current = id[1];
    const def = /^ {4}default:\s*'(.*)'\s*$/.exec(line);
    if (def && current) out[current] = def[1].replace(/''/g, "'");
  }
  return out;
}

/** The runner's variable name for an input. */
export function inputVariable(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Environment a runner gives the action: defaults (with `${{ github.token }}` evaluated to
 * `github.token`), then the step's `with:` inputs, then the runner's GITHUB_* variables.
 * @param {Record<string, string>} inputs
 * @param {{ token?: string, workspace: string, runnerTemp: string, output: string, summary: string, env?: Record<string, string|undefined> }} o
 */
export function runnerEnv(inputs, o) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: o.workspace,
    RUNNER_TEMP: o.runnerTemp,
    GITHUB_OUTPUT: o.output,
    GITHUB_STEP_SUMMARY: o.summary,
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '4242',
    GITHUB_REPOSITORY: 'example/app',
    GITHUB_SERVER_URL: 'https://github.com',
  };
  for (const [name, value] of Object.entries(actionDefaults())) {
    env[inputVariable(name)] = value.replace(/\$\{\{\s*github\.token\s*\}\}/g, o.token ?? '');
  }
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return { ...env, ...o.env };
}

/**
 * Parse a GITHUB_OUTPUT file: `name<<DELIMITER` heredocs (what @actions/core writes) and `name=value` lines.
 * @returns {Record<string, string>}
 */
export function parseOutputFile(text) {
  const out = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: heredoc of ${name} has no closing ${delimiter}`);
      out[name] = value.join('\n');
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(lines[i]);
    if (kv) out[kv[1]] = kv[2];
  }
  return out;
}

/**
 * The files a runner gives one step: an empty GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in a fresh
 * RUNNER_TEMP, the runner's environment for `inputs`, and `read()` for what the step wrote.
 * Shared by {@link runAction} and the tests that start the action themselves (to signal it).
 * @param {Record<string, string>} inputs the step's `with:`
 * @param {{ cwd: string, token?: string, env?: Record<string, string|undefined> }} opts
 */
export async function stepFiles(inputs, opts) {
  const tmp = await mkdtemp(join(tmpdir(), 'dbm-runner-'));
  const output = join(tmp, 'output');
  const summary = join(tmp, 'summary.md');
  await writeFile(output, '');
  await writeFile(summary, '');
  const env = runnerEnv(inputs, { token: opts.token, workspace: opts.cwd, runnerTemp: tmp, output, summary, env: opts.env });
  return {
    env,
    runnerTemp: tmp,
    async read() {
      const outputFile = await readFile(output, 'utf8');
      return { outputs: parseOutputFile(outputFile), outputFile, summary: await readFile(summary, 'utf8') };
    },
    cleanup: () => rm(tmp, { recursive: true, force: true }),
  };
}

/**
 * Run the bundle once as a workflow step.
 * @param {Record<string, string>} inputs the step's `with:`
 * @param {{ cwd: string, bundle?: string, node?: string, token?: string, env?: Record<string, string|undefined> }} opts
 *   `node`: the Node executable that runs the bundle (default: this one's; action-node24.test.ts passes Node 24, as a runner's node24)
 * @returns {Promise<{ code: number, stdout: string, stderr: string, outputs: Record<string,string>, outputFile: string, summary: string }>}
 */
export async function runAction(inputs, opts) {
  const files = await stepFiles(inputs, opts);
  try {
    const { code, stdout, stderr } = await spawnNode(opts.node ?? process.execPath, opts.bundle ?? ACTION_BUNDLE, opts.cwd, files.env);
    return { code, stdout, stderr, ...(await files.read()) };
  } finally {
    await files.cleanup();
  }
}

function spawnNode(node, bundle, cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bundle], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
