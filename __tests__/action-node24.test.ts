import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, runProcess, ROOT } from './helpers/cli.js';
import { annotations } from './helpers/action.js';
import { isOurAction, type Workflow } from './helpers/workflow.js';
import { node24, recordNodeVersion, NODE24_HOOK_TIMEOUT_MS } from './helpers/node24.js';
import { runAction, ACTION_BUNDLE, type ActionRunResult } from '../scripts/action-runner.mjs';

/**
 * The bundled action on the runtime action.yml declares, Node 24, while jest runs on the machine's
 * Node (20 here). action-e2e.test.ts covers the behaviour in depth on jest's Node; this file runs
 * the steps of CI's `action` job (the `uses: ./` steps of ci.yml, then that job's own check of
 * their outputs, so the shell script is tested here before GitHub runs it) and a failing
 * migration, and records which Node ran the bundle each time.
 */
const server = usePostgres();

// db/migrations as it is, like CI's `action` job: it grows with the docs' example app, so the
// expected versions come from the file names.
const EXAMPLE_FILES = readdirSync(join(ROOT, 'db/migrations'))
  .filter((f) => /^\d+.*\.sql$/.test(f))
  .sort();
const EXAMPLE = Object.fromEntries(EXAMPLE_FILES.map((f) => [`db/migrations/${f}`, readFileSync(join(ROOT, 'db/migrations', f), 'utf8')]));
const VERSIONS = EXAMPLE_FILES.map((f) => /^(\d+)/.exec(f)![1]);
const NEWEST = VERSIONS.at(-1)!;

let node: string;
let probes: string;
let steps = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // The first run on a fresh clone installs tools/node24 here (npm ci from its lock file).
  node = await node24();
  probes = await mkdtemp(join(tmpdir(), 'dbm-node24-'));
  cleanups.push(() => rm(probes, { recursive: true, force: true }));
}, NODE24_HOOK_TIMEOUT_MS);
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** One workflow step on Node 24, with the `process.version` of the process that ran the bundle. */
async function step(inputs: Record<string, string>, cwd: string): Promise<ActionRunResult & { ranOn: string }> {
  const versionFile = join(probes, `step-${++steps}`);
  // No GitHub API is listening here (action-issue.test.ts has the fake one for the failure issue).
  const r = await runAction({ 'create-issue-on-failure': 'false', ...inputs }, { cwd, node, bundle: ACTION_BUNDLE, env: recordNodeVersion(versionFile) });
  return { ...r, ranOn: await readFile(versionFile, 'utf8').catch(() => '(no process.version recorded)') };
}

// CI's `action` job (.github/workflows/ci.yml): its `uses: ./` steps and the shell step that checks their outputs.
const ACTION_JOB = (parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as Workflow).jobs.action;
const CHECK = ACTION_JOB.steps!.find((s) => s.name === 'Check the outputs')!;

/** `${{ steps.<id>.outputs.<name> }}` (or `['<name>']`) of the check step's env:, from the outputs of these runs. */
function checkEnv(runs: Record<string, ActionRunResult>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CHECK.env!).map(([name, expr]) => {
      const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs(?:\.([\w-]+)|\['([^']+)'\])\s*\}\}$/.exec(String(expr));
      if (!m || !runs[m[1]]) throw new Error(`ci.yml, Check the outputs: cannot evaluate ${name}: ${String(expr)}`);
      return [name, runs[m[1]].outputs[m[2] ?? m[3]] ?? ''];
    }),
  );
}

/** The check step's script as the runner runs a `run:` step (bash -e -o pipefail), in `cwd`, with `env`. */
function runCheck(cwd: string, env: Record<string, string>) {
  return runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', CHECK.run!], { cwd, env });
}

/**
 * The `uses: ./` steps of CI's `action` job, in order, with its inputs (the URL replaced by
 * `url`), then its check step on their outputs; plus the checks of this file.
 */
async function actionJob(url: string, cwd: string): Promise<void> {
  const runs: Record<string, ActionRunResult & { ranOn: string }> = {};
  for (const s of ACTION_JOB.steps!.filter(isOurAction)) {
    const inputs = Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, k === 'database-url' ? url : String(v)]));
    const r = await step(inputs, cwd);
    expect([s.id, r.ranOn, r.code, r.stderr]).toEqual([s.id, expect.stringMatching(/^v24\.\d+\.\d+\n$/), 0, '']);
    runs[s.id!] = r;
  }
  expect(Object.keys(runs)).toEqual(['up', 'status', 'rollback', 'after']);

  const { up, rollback } = runs;
  expect(up.outputs).toMatchObject({ status: 'success', applied: JSON.stringify(VERSIONS), 'rolled-back': '[]', pending: '[]', 'current-version': NEWEST, 'backup-path': '', 'issue-url': '' });
  expect(annotations(up.stdout, 'error')).toEqual([]);
  expect(runs.status.outputs).toMatchObject({ status: 'success', applied: '[]', pending: '[]', 'current-version': NEWEST });
  expect(rollback.outputs).toMatchObject({ status: 'dry-run', 'rolled-back': '[]', pending: '[]', 'current-version': NEWEST });
  expect(JSON.parse(rollback.outputs.report).rows.map((r: { version: string; status: string }) => `${r.version}:${r.status}`)).toEqual([`${NEWEST}:would-roll-back`]);
  expect(await query(url, 'select version from schema_migrations order by 1')).toEqual(VERSIONS.map((version) => ({ version })));

  // The job's own check passes on these outputs, and fails, naming the output, on a wrong one.
  const env = checkEnv(runs);
  const ok = await runCheck(cwd, env);
  expect([ok.code, ok.stderr]).toEqual([0, '']);
  expect(ok.stdout).toContain(`ok   up applied = ${JSON.stringify(VERSIONS)}\n`);
  const bad = await runCheck(cwd, { ...env, ROLLBACK_ROLLED_BACK: JSON.stringify([NEWEST]) });
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(`::error title=ci action job::rollback (dry run) rolled-back is '["${NEWEST}"]', expected '[]'\n`);
}

describe(`the bundled action (${ACTION_BUNDLE}) on Node 24`, () => {
  it('is what action.yml declares, and the binary is Node 24', async () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    const r = await runProcess(node, ['-p', 'process.version'], { cwd: ROOT });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^v24\.\d+\.\d+\n$/);
  });

  it("runs CI's action job: up, status, a dry-run rollback and status of db/migrations on a database up creates, and the job's check of their outputs", async () => {
    const p = await project(EXAMPLE);
    cleanups.push(p.cleanup);
    // A database that does not exist yet, as the service container's in CI: up creates it.
    const name = `node24_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = server().url(name);
    try {
      await actionJob(url, p.dir);
    } finally {
      // Not left behind on a shared TEST_DATABASE_URL server (it drops only what createDatabase made).
      await server().dropDatabase(name);
    }
  });

  it('a failing migration: exit 1, status rolled-back, an error annotation on the failing line, the database as before', async () => {
    const p = await project({
      'db/migrations/1_ok.sql': migration('create table ok1 (id int);', 'drop table ok1;'),
      'db/migrations/2_bad.sql': '-- migrate:up\ncreate table t1 (id int);\n\nselect * from   nonexistent_table;\n\n-- migrate:down\ndrop table t1;\n',
    });
    cleanups.push(p.cleanup);
    const db = await server().createDatabase();
    const r = await step({ command: 'up', environment: 'ci', 'database-url': db }, p.dir);
    expect(r.ranOn).toMatch(/^v24\.\d+\.\d+\n$/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', applied: '["1"]', 'rolled-back': '["1"]', pending: '["1","2"]', 'current-version': '' });
    const errors = annotations(r.stdout, 'error');
    expect(errors[0]).toMatch(/^::error title=Migration 2 failed,file=db\/migrations\/2_bad\.sql,line=4,col=\d+::db\/migrations\/2_bad\.sql:4:\d+: .*relation "nonexistent_table" does not exist/);
    expect(JSON.parse(r.outputs.report).error).toMatchObject({ file: 'db/migrations/2_bad.sql', line: 4, sqlstate: '42P01', version: '2' });
    expect(await tables(db)).toEqual(['schema_migrations', 'schema_migrations_history']);
  });
});
