import { describe, it, expect, jest, beforeAll, beforeEach, afterEach, afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type * as Core from '@actions/core';
import { usePostgres, tables, query } from './helpers/pg.js';
import { project, migration, ROOT } from './helpers/cli.js';
import { actionDefaults, inputVariable } from '../scripts/action-runner.mjs';

// @actions/core is ESM-only: mock it before importing the code under test. getInput stays real
// (it reads INPUT_* from process.env, which is what we drive); everything that writes is a spy.
const actual = await import('@actions/core');
const setSecret = jest.fn<typeof Core.setSecret>();
const setFailed = jest.fn<typeof Core.setFailed>();
const setOutput = jest.fn<typeof Core.setOutput>();
const summaryText: string[] = [];
const summary = {
  addRaw(text: string) {
    summaryText.push(text);
    return summary;
  },
  async write() {
    return summary;
  },
};
jest.unstable_mockModule('@actions/core', () => ({
  ...actual,
  setSecret,
  setFailed,
  setOutput,
  info: jest.fn(),
  warning: jest.fn(),
  debug: jest.fn(),
  error: jest.fn(),
  group: async <T>(_name: string, fn: () => Promise<T>) => fn(),
  summary,
}));
const { getSettings, isLintSettings, InputError } = await import('../src/action/inputs.js');

/** The settings main.ts reads, for a command that needs a database (every one here but lint). */
function databaseSettings() {
  const s = getSettings();
  if (isLintSettings(s)) throw new Error('expected the settings of a command with a database');
  return s;
}
const { run } = await import('../src/main.js');
const { Inputs, Outputs, INPUT_DEFAULTS } = await import('../src/action/constants.js');
const { SINCE_FORMAT } = await import('../src/metrics/since.js');

const server = usePostgres();
const saved = { ...process.env };
let proj: Awaited<ReturnType<typeof project>>;
let dbUrl: string;

beforeAll(async () => {
  dbUrl = await server().createDatabase();
  // A real project: if validation let anything through, `up` would create tables in dbUrl.
  proj = await project({ 'db/migrations/20240101000000_t.sql': migration('create table t (id int);', 'drop table t;') });
});
afterAll(async () => {
  await proj?.cleanup();
});

beforeEach(() => {
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('INPUT_') || k.endsWith('DATABASE_URL') || k.startsWith('GITHUB_') || k === 'RUNNER_TEMP') delete process.env[k];
  }
  process.env.GITHUB_WORKSPACE = proj.dir;
  summaryText.length = 0;
});
afterEach(() => {
  process.env = { ...saved };
});

function setInputs(inputs: Record<string, string>): void {
  for (const [k, v] of Object.entries(inputs)) process.env[inputVariable(k)] = v;
}

function errorOf(fn: () => unknown): InstanceType<typeof InputError> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InstanceType<typeof InputError>;
  }
  throw new Error('expected databaseSettings() to throw');
}

const BOOL = 'true or false';
const DURATION = 'a duration in Go syntax: 0, or a number with a unit (ns, us, ms, s, m, h) such as 500ms, 5s, 1m30s';

/** [input, bad value, text that must be in the message describing what is accepted]. */
const BAD: [string, string, string][] = [
  ['command', 'migrate', 'one of up, status, rollback, plan, lint, verify, report, baseline'],
  ['command', 'UP', 'one of up, status, rollback, plan, lint, verify, report, baseline'],
  ['dry-run', 'yes', BOOL],
  ['steps', '-1', 'a whole number of migrations, 1 or more, or empty for the default (all pending for up and plan, 1 for rollback)'],
  ['steps', '0', 'a whole number of migrations, 1 or more'],
  ['steps', 'abc', 'a whole number of migrations, 1 or more'],
  ['steps', '1.5', 'a whole number of migrations, 1 or more'],
  ['strict', '1', BOOL],
  ['backup', 'sometimes', 'one of auto, always, never'],
  ['pg-dump-path', '/nonexistent/bin/pg_dump', 'the path of a pg_dump executable'],
  ['lock-timeout', '5', DURATION],
  ['lock-timeout', 'abc', DURATION],
  ['lock-timeout', '-5s', 'a duration that is not negative'],
  ['lock-timeout', '5 s', DURATION],
  ['statement-timeout', 'forever', DURATION],
  ['statement-timeout', '-1s', 'a duration that is not negative'],
  ['lock-retries', '-1', 'a whole number, 0 or more'],
  ['lock-retries', 'three', 'a whole number, 0 or more'],
  ['lock-retry-budget', '30', DURATION],
  ['lock-retry-budget', '-30s', 'a duration that is not negative'],
  ['lock-wait-timeout', '1m30', DURATION],
  ['connect-timeout', 'banana', DURATION],
  ['connect-timeout', '-1s', 'a duration that is not negative'],
  ['liveness-timeout', '-1s', 'a duration that is not negative'],
  ['liveness-timeout', '30', DURATION],
  ['health-check-url', 'ftp://example.com/health', 'an http:// or https:// URL'],
  ['health-check-url', 'not a url', 'an http:// or https:// URL'],
  ['health-check-retries', 'x', 'a whole number, 0 or more'],
  ['health-check-interval', '5x', DURATION],
  ['rollback-on-failure', 'maybe', BOOL],
  ['create-issue-on-failure', 'on', BOOL],
  ['pr-comment', 'always', BOOL],
  ['issue-labels', `ok,${'x'.repeat(51)}`, 'comma-separated GitHub labels of at most 50 characters each'],
  ['dump-schema', 'nope', BOOL],
  ['drift-check', 'y', BOOL],
  ['environment', 'my env!', 'development (or dev), staging, production, or another name'],
  ['notify-on-success', 'yes', BOOL],
  ['report-since', 'soon', SINCE_FORMAT],
  ['report-since', '30', SINCE_FORMAT],
  ['report-since', '-3d', SINCE_FORMAT],
  ['baseline-version', '20240101000000', 'an empty value: baseline-version is for command baseline only, and command is up'],
];

describe('action inputs: every bad value is rejected before anything runs', () => {
  it.each(BAD)("%s: '%s' is rejected with a message naming the input, the value and what it accepts", async (input, value, expected) => {
    setInputs({ 'database-url': dbUrl, [input]: value });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toContain(`input '${input}': got '${value}'; expected `);
    expect(err.message).toContain(expected);
    expect(err.code).toBe('INPUT_INVALID');

    // The same through the action's entry point, against a real database: it fails, sets the
    // outputs, and creates nothing.
    await run();
    expect(setFailed).toHaveBeenCalledTimes(1);
    expect(setFailed.mock.calls[0][0]).toContain(`input '${input}': got '${value}'`);
    expect(setOutput).toHaveBeenCalledWith(Outputs.Status, 'failed');
    expect(setOutput).toHaveBeenCalledWith(Outputs.Applied, '[]');
    expect(summaryText.join('')).toContain('Invalid action inputs: nothing ran');
    expect(await tables(dbUrl)).toEqual([]);
  });

  it.each([
    ['postgres:///app', 'a URL that names the database host'],
    ['postgres://user:canary-pw-1@/app', 'a URL that names the database host'],
    ['postgres://user:canary-pw-1@:5432/app', 'a URL that names the database host'],
    // The engine's own reason follows in parentheses; its wording is the engine's business.
    ['mysql://user:canary-pw-1@db.example.com/app', 'a URL such as postgres://user:password@host:5432/database'],
    ['postgres://user:canary-pw-1@db.example.com:99999/app', 'a URL such as postgres://user:password@host:5432/database'],
    ['postgres://user:canary-pw-1@db.example.com:abc/app', 'a URL such as postgres://user:password@host:5432/database'],
    ['localhost/app', 'a URL such as postgres://user:password@host:5432/database'],
  ])("database-url '%s' is rejected (%s) without printing the password", (url, expected) => {
    setInputs({ 'database-url': url });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toContain(`input 'database-url': got '${url.replace('canary-pw-1', '********')}'`);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain('canary-pw-1');
    // Masked before it was parsed.
    expect(setSecret).toHaveBeenCalledWith(url);
  });

  it('rejects an environment with no URL anywhere, naming the input and the variables it read', async () => {
    setInputs({ environment: 'qa' });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toBe(
      "invalid input 'database-url': got an empty value; expected a postgres:// URL for environment 'qa': set the database-url input, or QA_DATABASE_URL or DATABASE_URL in the environment or in .env.dbmate in the workspace",
    );
    await run();
    expect(setFailed.mock.calls[0][0]).toContain("input 'database-url'");
  });

  it('reports every invalid input at once', () => {
    setInputs({ 'database-url': dbUrl, command: 'migrate', steps: '0', backup: 'sometimes', 'lock-timeout': '5' });
    const err = errorOf(() => databaseSettings());
    expect(err.problems.map((p) => p.input)).toEqual(['command', 'steps', 'backup', 'lock-timeout']);
    expect(err.message.split('\n')).toEqual([
      'invalid inputs:',
      "  - input 'command': got 'migrate'; expected one of up, status, rollback, plan, lint, verify, report, baseline",
      "  - input 'steps': got '0'; expected a whole number of migrations, 1 or more, or empty for the default (all pending for up and plan, 1 for rollback)",
      "  - input 'backup': got 'sometimes'; expected one of auto, always, never",
      `  - input 'lock-timeout': got '5'; expected ${DURATION}`,
    ]);
  });

  it('runs command lint without any database URL, and a URL that is set is not used', async () => {
    setInputs({ command: 'lint', 'lint-fail-on': 'none' });
    await run();
    expect(setFailed).not.toHaveBeenCalled();
    expect(setOutput).toHaveBeenCalledWith(Outputs.Status, 'success');
    setInputs({ command: 'lint', 'database-url': dbUrl });
    expect(getSettings().command).toBe('lint');
    await run();
    expect(await tables(dbUrl)).toEqual([]);
  });

  it('accepts command verify, which runs on a scratch database and never touches the configured one', async () => {
    setInputs({ 'database-url': dbUrl, command: 'verify' });
    expect(databaseSettings().command).toBe('verify');
    await run();
    expect(setFailed.mock.calls.flat().join('\n')).not.toContain('not available in this version');
    expect(await tables(dbUrl)).toEqual([]);
  });
});

describe('action inputs: table names (one rule, engine/identifiers.ts)', () => {
  const MIGRATIONS =
    "a table name, optionally schema-qualified (schema.table), of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes per part, e.g. schema_migrations";
  const HISTORY =
    "a table name (it lives in the migrations table's schema) of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes, e.g. schema_migrations_history, or empty to disable the history table";

  it.each([
    [{ 'migrations-table': 'x; drop table y' }, `invalid input 'migrations-table': got 'x; drop table y'; expected ${MIGRATIONS} (";" is not allowed)`],
    [{ 'migrations-table': 'a.b.c' }, `invalid input 'migrations-table': got 'a.b.c'; expected ${MIGRATIONS} (it has 2 dots, at most one is allowed: schema.table)`],
    [{ 'migrations-table': 'x'.repeat(64) }, `invalid input 'migrations-table': got '${'x'.repeat(64)}'; expected ${MIGRATIONS} (the name is 64 bytes long; PostgreSQL truncates names longer than 63 bytes)`],
    [{ 'migrations-table': 'ledger\tx' }, `invalid input 'migrations-table': got 'ledger\tx'; expected ${MIGRATIONS} (the character U+0009 is not allowed)`],
    [{ 'history-table': "h'); drop table t; --" }, `invalid input 'history-table': got 'h'); drop table t; --'; expected ${HISTORY} ("'" is not allowed)`],
    [{ 'history-table': 'audit.h' }, `invalid input 'history-table': got 'audit.h'; expected ${HISTORY} ("." is not allowed: the history table is always in the migrations table's schema)`],
    [{ 'history-table': 'schema_migrations' }, `invalid input 'history-table': got 'schema_migrations'; expected ${HISTORY} (the history table must not be the migrations table 'schema_migrations')`],
    [
      { 'migrations-table': 'public.schema_migrations', 'history-table': 'schema_migrations' },
      `invalid input 'history-table': got 'schema_migrations'; expected ${HISTORY} (the history table must not be the migrations table 'public.schema_migrations')`,
    ],
  ])('%j is refused with one message naming the input; nothing is created', async (inputs, message) => {
    setInputs({ 'database-url': dbUrl, ...inputs });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toBe(message);
    await run();
    expect(setFailed.mock.calls[0][0]).toContain(message);
    expect(await tables(dbUrl)).toEqual([]);
  });

  it.each(['up', 'status', 'plan'])("command %s on golang-migrate's schema_migrations fails with LEDGER_FOREIGN and changes nothing", async (command) => {
    const url = await server().createDatabase();
    await query(url, 'create table schema_migrations (version bigint not null primary key, dirty boolean not null)');
    await query(url, 'insert into schema_migrations values (20240101000000, false)');
    setInputs({ 'database-url': url, command, 'create-issue-on-failure': 'false' });
    await run();
    expect(setFailed).toHaveBeenCalledTimes(1);
    expect(setFailed.mock.calls[0][0]).toContain(
      "public.schema_migrations is not a dbmate ledger: it looks like golang-migrate's migrations table (version bigint, dirty boolean)",
    );
    expect(setOutput).toHaveBeenCalledWith(Outputs.Status, 'failed');
    expect(setOutput).toHaveBeenCalledWith(Outputs.Applied, '[]');
    expect(await tables(url)).toEqual(['schema_migrations']);
    expect(await query(url, 'select version::text, dirty from schema_migrations')).toEqual([{ version: '20240101000000', dirty: false }]);
  });

  it('accepts a 63-byte name, schema.table, non-ASCII letters, $ and -', () => {
    const long63 = `${'ü'.repeat(31)}x`;
    setInputs({ 'database-url': dbUrl, 'migrations-table': `app.${long63}`, 'history-table': 'run$log-2' });
    expect(databaseSettings()).toMatchObject({ migrationsTable: `app.${long63}`, historyTable: 'run$log-2' });
    setInputs({ 'migrations-table': 'x'.repeat(63), 'history-table': '  ' });
    expect(databaseSettings()).toMatchObject({ migrationsTable: 'x'.repeat(63), historyTable: '' });
  });
});

describe('action inputs: valid values', () => {
  it('applies the action.yml defaults when run outside a runner', () => {
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app' });
    process.env.RUNNER_TEMP = '/runner/tmp';
    const s = databaseSettings();
    expect(s).toMatchObject({
      command: 'up',
      dryRun: false,
      environment: 'development',
      migrationsDirs: ['db/migrations'],
      schemaFile: 'db/schema.sql',
      migrationsTable: 'schema_migrations',
      historyTable: 'schema_migrations_history',
      strict: false,
      backup: 'auto',
      backupDir: '/runner/tmp/db-backups',
      lockTimeoutMs: 400,
      lockTimeoutExplicit: false,
      lockRetries: 30,
      lockRetryBudgetMs: 30_000,
      lockWaitTimeoutMs: 60000,
      connectTimeoutMs: 10000,
      livenessTimeoutMs: 20000,
      healthCheckSql: 'SELECT 1',
      healthCheckRetries: 5,
      healthCheckIntervalMs: 5000,
      rollbackOnFailure: true,
      createIssueOnFailure: true,
      issueLabels: ['db-migration', 'incident'],
      prComment: true,
      dumpSchema: false,
      driftCheck: false,
      notifyOnSuccess: false,
      reportSince: '30d',
      workspace: proj.dir,
    });
    expect(s.steps).toBeUndefined();
    // No statement-timeout: the role's or database's own statement_timeout holds.
    expect(s.statementTimeoutMs).toBeUndefined();
    expect(s.notifyWebhook).toBeUndefined();
    expect(s.reportHtml).toBeUndefined();
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('pr-comment: the pull request of a pull_request or pull_request_target run, read from the event payload once', async () => {
    const event = join(proj.dir, 'event.json');
    await writeFile(event, JSON.stringify({ pull_request: { number: 12, head: { sha: 'abc123', repo: { full_name: 'alice/shop' } }, base: { repo: { full_name: 'acme/shop' } } } }));
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app' });
    Object.assign(process.env, { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event });
    expect(databaseSettings()).toMatchObject({ prComment: true, pullRequest: { event: 'pull_request_target', number: 12, headSha: 'abc123', headRepo: 'alice/shop', baseRepo: 'acme/shop', fork: true } });
    setInputs({ 'pr-comment': 'FALSE' });
    const off = databaseSettings();
    expect([off.prComment, off.pullRequest]).toEqual([false, undefined]);
    setInputs({ 'pr-comment': 'true' });
    process.env.GITHUB_EVENT_NAME = 'push';
    expect(databaseSettings().pullRequest).toBeUndefined();
    process.env.GITHUB_EVENT_NAME = 'pull_request';
    delete process.env.GITHUB_EVENT_PATH;
    expect(databaseSettings().pullRequest).toEqual({ event: 'pull_request', problem: 'GITHUB_EVENT_PATH is not set' });
    setInputs({ 'pr-comment': 'yes' });
    expect(errorOf(() => databaseSettings()).message).toBe("invalid input 'pr-comment': got 'yes'; expected true or false (also True, TRUE, False, FALSE)");
  });

  it('lock-timeout counts as chosen only when it differs from the default; statement-timeout is set only when given (0 included)', () => {
    // A runner passes the default as if it were given: that is not the user's choice.
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app', 'lock-timeout': '400ms', 'statement-timeout': '' });
    expect(databaseSettings()).toMatchObject({ lockTimeoutMs: 400, lockTimeoutExplicit: false });
    expect(databaseSettings().statementTimeoutMs).toBeUndefined();
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app', 'lock-timeout': '5s', 'statement-timeout': '0', 'lock-retry-budget': '0' });
    expect(databaseSettings()).toMatchObject({ lockTimeoutMs: 5000, lockTimeoutExplicit: true, statementTimeoutMs: 0, lockRetryBudgetMs: 0 });
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app', 'lock-timeout': '0' });
    expect(databaseSettings()).toMatchObject({ lockTimeoutMs: 0, lockTimeoutExplicit: true });
  });

  it('names the bad lock-retry-budget exactly', () => {
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app', 'lock-retry-budget': '30' });
    expect(errorOf(() => databaseSettings()).message).toBe(
      "invalid input 'lock-retry-budget': got '30'; expected a duration in Go syntax: 0, or a number with a unit (ns, us, ms, s, m, h) such as 500ms, 5s, 1m30s",
    );
  });

  it('reads the runner variables the failure issue needs: repository, API root, run link; backup-dir falls back to the OS temp dir', () => {
    setInputs({ 'database-url': 'postgres://u:pw@db.example.com/app', 'backup-dir': 'backups' });
    Object.assign(process.env, {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_SERVER_URL: 'https://ghe.example.com',
      GITHUB_RUN_ID: '77',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SHA: 'abc',
    });
    const s = databaseSettings();
    expect(s.run).toEqual({ actor: 'octocat', sha: 'abc', runId: '77', runUrl: 'https://ghe.example.com/acme/shop/actions/runs/77', repository: 'acme/shop' });
    expect(s.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(s.backupDir).toBe(join(proj.dir, 'backups'));

    process.env.GITHUB_REPOSITORY = 'not a repository';
    delete process.env.GITHUB_API_URL;
    delete process.env[inputVariable('backup-dir')];
    const t = databaseSettings();
    expect(t.run.repository).toBeUndefined();
    expect(t.apiUrl).toBeUndefined();
    expect(t.backupDir).toBe(join(tmpdir(), 'db-backups'));
  });

  it('parses Go durations, numbers, booleans, lists, and keeps an explicit empty history-table', () => {
    setInputs({
      'database-url': 'postgres://u:pw@db.example.com/app',
      'dry-run': 'True',
      steps: '2',
      'lock-timeout': '1m30s',
      'statement-timeout': '0',
      'lock-wait-timeout': '500ms',
      'health-check-interval': '1h2m3.5s',
      'lock-retries': '0',
      'migrations-dir': 'db/migrations, db/more',
      'history-table': '',
      'issue-labels': ' a , b ,,',
      'github-token': 'ghs_token_canary',
      'pg-dump-path': process.execPath,
    });
    const s = databaseSettings();
    expect(s).toMatchObject({
      dryRun: true,
      steps: 2,
      lockTimeoutMs: 90_000,
      lockTimeoutExplicit: true,
      statementTimeoutMs: 0,
      lockWaitTimeoutMs: 500,
      healthCheckIntervalMs: 3_723_500,
      lockRetries: 0,
      migrationsDirs: ['db/migrations', 'db/more'],
      historyTable: '',
      issueLabels: ['a', 'b'],
      pgDumpPath: process.execPath,
    });
    expect(setSecret).toHaveBeenCalledWith('ghs_token_canary');
    expect(setSecret).toHaveBeenCalledWith('pw');
    expect(s.secrets).toEqual(expect.arrayContaining(['pw', 'ghs_token_canary']));
  });

  it('masks the password as written and percent-encoded', () => {
    setInputs({ 'database-url': 'postgres://u:p%40ss%2Fw0rd@db.example.com/app' });
    databaseSettings();
    expect(setSecret).toHaveBeenCalledWith('p@ss/w0rd');
    expect(setSecret).toHaveBeenCalledWith('p%40ss%2Fw0rd');
  });
});

describe('notification and report inputs', () => {
  // A Slack-shaped webhook: its path is the credential.
  const TOKEN_PATH = '/services/T0CANARY/B0CANARY/webhookCanaryToken1234567';
  const HOOK = `https://hooks.slack.com${TOKEN_PATH}`;

  it('reads notify-webhook as a secret: masked (whole URL, token path, token), in settings.secrets, kept as given', () => {
    setInputs({ 'database-url': dbUrl, 'notify-webhook': HOOK, 'notify-on-success': 'True' });
    const s = databaseSettings();
    expect(s.notifyWebhook).toBe(HOOK);
    expect(s.notifyOnSuccess).toBe(true);
    expect(s.secrets).toEqual(expect.arrayContaining([HOOK, TOKEN_PATH, 'webhookCanaryToken1234567']));
    for (const secret of [HOOK, TOKEN_PATH, 'webhookCanaryToken1234567']) expect(setSecret).toHaveBeenCalledWith(secret);
  });

  it.each([
    ['not a url at all, with webhookCanaryToken1234567', 'notify-webhook'],
    ['ftp://hooks.example.com/services/T0/B0/webhookCanaryToken1234567', 'ftp:********'],
    ['hooks.slack.com/services/T0/B0/webhookCanaryToken1234567', '********'],
    ['/services/T0/B0/webhookCanaryToken1234567', '********'],
    ['mailto:ops@example.com?body=webhookCanaryToken1234567', 'mailto:********'],
  ])("rejects notify-webhook '%s' without ever printing it", async (value, shown) => {
    setInputs({ 'database-url': dbUrl, 'notify-webhook': value });
    const err = errorOf(() => databaseSettings());
    expect(err.problems.map((p) => p.input)).toEqual(['notify-webhook']);
    expect(err.message).toContain("invalid input 'notify-webhook': got '");
    expect(err.message).toContain('expected an absolute http:// or https:// URL of a Slack-compatible incoming webhook');
    expect(err.message).toContain(shown);
    expect(err.message).not.toContain('webhookCanaryToken1234567');
    // Masked before it was validated.
    expect(setSecret).toHaveBeenCalledWith(value);

    await run();
    expect(setFailed).toHaveBeenCalledTimes(1);
    expect(setFailed.mock.calls[0][0]).toContain("input 'notify-webhook'");
    expect(JSON.stringify([setFailed.mock.calls, setOutput.mock.calls, summaryText])).not.toContain('webhookCanaryToken1234567');
    expect(await tables(dbUrl)).toEqual([]);
  });

  it('does not mask a value too short to be a webhook (it would blank every "no" in the log), and still rejects it', () => {
    setInputs({ 'database-url': dbUrl, 'notify-webhook': 'no' });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toContain("input 'notify-webhook'");
    expect(setSecret).not.toHaveBeenCalledWith('no');
  });

  it('accepts an http webhook with a port, and report-since in every documented form', () => {
    for (const since of ['30d', '2w', '12h', '90m', '1h30m', '2026-01-31', '2026-01-31T12:00:00Z', 'all']) {
      setInputs({ 'database-url': dbUrl, 'notify-webhook': 'http://127.0.0.1:8080/hook/abc', 'report-since': since });
      const s = databaseSettings();
      expect([since, s.reportSince, s.notifyWebhook]).toEqual([since, since, 'http://127.0.0.1:8080/hook/abc']);
    }
  });

  it('resolves report-html against the workspace (absolute paths kept) and rejects a directory', () => {
    setInputs({ 'database-url': dbUrl, command: 'report', 'report-html': 'out/db-report.html' });
    const s = databaseSettings();
    expect(s.command).toBe('report');
    expect(s.reportHtml).toBe(join(proj.dir, 'out/db-report.html'));
    setInputs({ 'report-html': '/tmp/elsewhere/report.html' });
    expect(databaseSettings().reportHtml).toBe('/tmp/elsewhere/report.html');
    setInputs({ 'report-html': 'db' });
    const err = errorOf(() => databaseSettings());
    expect(err.message).toBe("invalid input 'report-html': got 'db'; expected the path of the HTML file to write, e.g. db-report.html, or empty for none (this is a directory)");
  });

  it('reports the new inputs with the others, in action.yml order', () => {
    setInputs({ 'database-url': dbUrl, steps: '0', 'notify-webhook': 'ftp://x.example.com/secret-path', 'notify-on-success': 'sometimes', 'report-since': 'soon' });
    const err = errorOf(() => databaseSettings());
    expect(err.problems.map((p) => p.input)).toEqual(['steps', 'notify-webhook', 'notify-on-success', 'report-since']);
  });
});

describe('connect-timeout and liveness-timeout', () => {
  const url = 'postgres://u:pw@db.example.com/app';

  it('take Go durations; 0 means no limit / never', () => {
    setInputs({ 'database-url': url, 'connect-timeout': '1s', 'liveness-timeout': '1m30s' });
    expect(databaseSettings()).toMatchObject({ connectTimeoutMs: 1000, livenessTimeoutMs: 90_000 });
    setInputs({ 'connect-timeout': '0', 'liveness-timeout': '0' });
    expect(databaseSettings()).toMatchObject({ connectTimeoutMs: 0, livenessTimeoutMs: 0 });
  });

  it("the URL's connect_timeout replaces the default; a value other than the default wins over the URL", () => {
    // As a runner passes it: the default is present in the environment like any given value.
    setInputs({ 'database-url': `${url}?connect_timeout=5`, 'connect-timeout': '10s' });
    expect(databaseSettings().connectTimeoutMs).toBe(5000);
    delete process.env[inputVariable('connect-timeout')];
    expect(databaseSettings().connectTimeoutMs).toBe(5000);
    setInputs({ 'connect-timeout': '2s' });
    expect(databaseSettings().connectTimeoutMs).toBe(2000);
    setInputs({ 'connect-timeout': '0' });
    expect(databaseSettings().connectTimeoutMs).toBe(0);
    setInputs({ 'database-url': `${url}?connect_timeout=0`, 'connect-timeout': '10s' });
    expect(databaseSettings().connectTimeoutMs).toBe(0);
  });

  it('a bad value fails with one problem naming the input', () => {
    setInputs({ 'database-url': url, 'connect-timeout': 'banana' });
    const err = errorOf(() => databaseSettings());
    expect(err.problems.map((p) => p.input)).toEqual(['connect-timeout']);
    expect(err.message).toBe(`invalid input 'connect-timeout': got 'banana'; expected ${DURATION}`);
    setInputs({ 'connect-timeout': '10s', 'liveness-timeout': '-1s' });
    expect(errorOf(() => databaseSettings()).message).toBe(`invalid input 'liveness-timeout': got '-1s'; expected a duration that is not negative: ${DURATION}`);
  });
});

describe('environment and database URL resolution', () => {
  const url = (host: string) => `postgres://u:pw@${host}:5432/app`;
  interface Case {
    name: string;
    inputs?: Record<string, string>;
    env?: Record<string, string>;
    file?: string;
    environment: string;
    source: string;
    host: string;
  }
  const cases: Case[] = [
    {
      name: 'the database-url input wins over every variable',
      inputs: { environment: 'staging', 'database-url': url('input.example') },
      env: { STAGING_DATABASE_URL: url('staging-env.example'), DATABASE_URL: url('env.example') },
      file: `STAGING_DATABASE_URL=${url('staging-file.example')}\n`,
      environment: 'staging',
      source: 'database-url',
      host: 'input.example',
    },
    {
      name: 'staging reads STAGING_DATABASE_URL before DATABASE_URL',
      inputs: { environment: 'staging' },
      env: { STAGING_DATABASE_URL: url('staging-env.example'), DATABASE_URL: url('env.example') },
      environment: 'staging',
      source: 'STAGING_DATABASE_URL',
      host: 'staging-env.example',
    },
    {
      name: 'dev is an alias of development and reads DEV_DATABASE_URL',
      inputs: { environment: 'dev' },
      env: { DEV_DATABASE_URL: url('dev-env.example'), DATABASE_URL: url('env.example') },
      environment: 'development',
      source: 'DEV_DATABASE_URL',
      host: 'dev-env.example',
    },
    {
      name: 'development (the default) reads DEV_DATABASE_URL',
      env: { DEV_DATABASE_URL: url('dev-env.example'), DEVELOPMENT_DATABASE_URL: url('wrong.example') },
      environment: 'development',
      source: 'DEV_DATABASE_URL',
      host: 'dev-env.example',
    },
    {
      name: 'production reads PRODUCTION_DATABASE_URL',
      inputs: { environment: 'production' },
      env: { PRODUCTION_DATABASE_URL: url('prod-env.example'), DATABASE_URL: url('env.example') },
      environment: 'production',
      source: 'PRODUCTION_DATABASE_URL',
      host: 'prod-env.example',
    },
    {
      name: 'well-known names are case-insensitive: Production is production',
      inputs: { environment: 'Production' },
      env: { PRODUCTION_DATABASE_URL: url('prod-env.example') },
      environment: 'production',
      source: 'PRODUCTION_DATABASE_URL',
      host: 'prod-env.example',
    },
    {
      name: 'a custom name reads <NAME>_DATABASE_URL, upper-cased, dashes as underscores',
      inputs: { environment: 'qa-eu' },
      env: { QA_EU_DATABASE_URL: url('qa-env.example'), DATABASE_URL: url('env.example') },
      environment: 'qa-eu',
      source: 'QA_EU_DATABASE_URL',
      host: 'qa-env.example',
    },
    {
      name: 'DATABASE_URL is the fallback of every environment',
      inputs: { environment: 'staging' },
      env: { DATABASE_URL: url('env.example') },
      environment: 'staging',
      source: 'DATABASE_URL',
      host: 'env.example',
    },
    {
      name: 'an empty variable counts as unset',
      inputs: { environment: 'staging' },
      env: { STAGING_DATABASE_URL: '', DATABASE_URL: url('env.example') },
      environment: 'staging',
      source: 'DATABASE_URL',
      host: 'env.example',
    },
    {
      name: '.env.dbmate is read when the environment has nothing',
      inputs: { environment: 'staging' },
      file: `# comment\nexport OTHER=1\nSTAGING_DATABASE_URL="${url('staging-file.example')}" # trailing comment\nDATABASE_URL=${url('file.example')}\n`,
      environment: 'staging',
      source: 'STAGING_DATABASE_URL',
      host: 'staging-file.example',
    },
    {
      name: 'values passed in the environment win over .env.dbmate',
      inputs: { environment: 'staging' },
      env: { DATABASE_URL: url('env.example') },
      file: `STAGING_DATABASE_URL=${url('staging-file.example')}\n`,
      environment: 'staging',
      source: 'DATABASE_URL',
      host: 'env.example',
    },
    {
      name: '.env.dbmate DATABASE_URL is the last resort',
      inputs: { environment: 'dev' },
      file: `DATABASE_URL='${url('file.example')}'\n`,
      environment: 'development',
      source: 'DATABASE_URL',
      host: 'file.example',
    },
  ];

  it.each(cases)('$name', async (c) => {
    const p = await project(c.file !== undefined ? { '.env.dbmate': c.file } : {});
    try {
      process.env.GITHUB_WORKSPACE = p.dir;
      setInputs(c.inputs ?? {});
      for (const [k, v] of Object.entries(c.env ?? {})) process.env[k] = v;
      const s = databaseSettings();
      expect({ environment: s.environment, source: s.urlSource.name, host: s.target.host }).toEqual({ environment: c.environment, source: c.source, host: c.host });
      expect(s.urlSource.kind).toBe(c.source === 'database-url' ? 'input' : c.file !== undefined && !c.env?.[c.source] ? 'file' : 'env');
      expect(setSecret).toHaveBeenCalledWith('pw');
    } finally {
      await p.cleanup();
    }
  });
});

describe('action.yml', () => {
  const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');

  it('declares every input, in the order of the Inputs enum, with the defaults the code applies', () => {
    const defaults = actionDefaults(join(ROOT, 'action.yml'));
    expect(Object.keys(defaults)).toEqual(Object.values(Inputs));
    for (const input of Object.values(Inputs)) {
      const expected = input === Inputs.GithubToken ? '${{ github.token }}' : INPUT_DEFAULTS[input];
      expect([input, defaults[input]]).toEqual([input, expected]);
    }
    // Every input has a description.
    const described = [...yml.matchAll(/^ {2}([a-z-]+):\n {4}description: '.+'$/gm)].map((m) => m[1]);
    expect(described).toEqual(expect.arrayContaining(Object.values(Inputs)));
  });

  it('declares every output and runs dist/index.js on node24', () => {
    const outputs = yml.slice(yml.indexOf('\noutputs:\n'), yml.indexOf('\nruns:\n'));
    expect([...outputs.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1])).toEqual(Object.values(Outputs));
    expect(yml).toMatch(/\nruns:\n {2}using: 'node24'\n {2}main: 'dist\/index\.js'\n/);
  });
});

describe('lint-large-table, pg-version and lint-runner', () => {
  const url = 'postgres://u:pw@db.example.com/app';

  it('default to the built-in threshold, an unknown server and our runner', () => {
    setInputs({ 'database-url': url });
    const s = databaseSettings();
    expect(s.lintLargeTable).toBeUndefined();
    expect(s.pgVersion).toBeUndefined();
    expect(s.lintRunner).toBe('db-migrate');
  });

  it('parse a threshold, a major and a runner', () => {
    setInputs({ 'database-url': url, 'lint-large-table': '1M rows', 'pg-version': '9.6', 'lint-runner': 'other' });
    expect(databaseSettings()).toMatchObject({ lintLargeTable: { rows: 1_000_000 }, pgVersion: 9, lintRunner: 'other' });
    setInputs({ 'pg-version': '16' });
    expect(databaseSettings().pgVersion).toBe(16);
    setInputs({ 'pg-version': '17.2' });
    expect(databaseSettings().pgVersion).toBe(17);
  });

  it('name the input, the value and what was expected', () => {
    setInputs({ 'database-url': url, 'lint-large-table': 'huge', 'pg-version': '8.4', 'lint-runner': 'psql' });
    const err = errorOf(() => databaseSettings());
    expect(err.problems.map((p) => p.input)).toEqual(['lint-large-table', 'pg-version', 'lint-runner']);
    expect(err.message).toContain("input 'lint-large-table': got 'huge'; expected ");
    expect(err.message).toContain("input 'pg-version': got '8.4'; expected a PostgreSQL major version: 9.6 or 10 to 19 (e.g. 16), or empty for unknown (every version-dependent rule applies)");
    expect(err.message).toContain("input 'lint-runner': got 'psql'; expected one of db-migrate, other");
  });
});
