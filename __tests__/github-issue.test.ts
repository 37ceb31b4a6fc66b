import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import nock from 'nock';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createIssueClient, GitHubApiError, type IssueClient, type IssueClientOptions } from '../src/github/issue-client.js';
import { issueLabels, MAX_BODY_CHARS, renderIssue, reportFailure, type IssueFacts } from '../src/github/issue.js';
import type { Logger } from '../src/engine/logger.js';
import { CODE_WIDTH, wrapShell } from '../src/text/markdown.js';
import { EMAIL_ERROR_TEXT, FILES, failedProductionRun, issueFactsOf, lintFailedRun, rolledBackRun } from './helpers/summary-runs.js';

const API = 'https://api.github.com';
const TOKEN = 'ghs_TestToken0123456789abcdef';
const CANARY = 'S3cr3t-Canary-9z';
const LABELS = ['db-migration', 'incident'];
const ALL_LABELS = 'db-migration,incident,env:production';
const LABEL_DESC = 'Opened by db-migrate-action when a database migration fails';
const ENV_LABEL_DESC = 'Environment of a failed database migration (db-migrate-action)';

/** A failure as the pipeline would describe it, with the password canary in every place a driver might leak it. */
function failureFacts(over: Partial<IssueFacts> = {}): IssueFacts {
  return {
    environment: 'production',
    command: 'up',
    status: 'rolled-back',
    database: `postgres://deploy:${CANARY}@db.internal:5432/shop?sslmode=require`,
    error: {
      message: `db/migrations/20260102090000_add_orders_index.sql:3:14: relation "orders" does not exist (42P01) via postgres://deploy:${CANARY}@db.internal:5432/shop`,
      details: `connection string password=${CANARY} host=db.internal\nnothing from this up section was applied`,
      code: 'SQL_42P01',
      file: 'db/migrations/20260102090000_add_orders_index.sql',
      line: 3,
      column: 14,
      version: '20260102090000',
      sqlstate: '42P01',
      statement: 'CREATE INDEX orders_created_idx ON orders (created_at);',
      hint: `password authentication used ${CANARY}`,
    },
    applied: ['20260101080000'],
    rolledBack: ['20260101080000'],
    stillApplied: [],
    backup: {
      path: '/home/runner/work/_temp/db-backups/production-20260102T090000Z-20251231000000.dump',
      bytes: 5_242_880,
      restoreCommand:
        'pg_restore --clean --if-exists --no-owner --dbname "postgres://deploy@db.internal:5432/shop" /home/runner/work/_temp/db-backups/production-20260102T090000Z-20251231000000.dump',
    },
    runUrl: 'https://github.com/acme/shop/actions/runs/4242',
    actor: 'octocat',
    commit: '0123456789abcdef0123456789abcdef01234567',
    durationMs: 12_345,
    toolVersion: '0.1.0',
    secrets: [CANARY],
    ...over,
  };
}

// ---- request recording ------------------------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  /** When the request arrived, ms (performance.now). */
  at: number;
}
let seen: Seen[];
let unmatched: string[];

/** A nock reply that records the request, then answers `status` with `data` and `headers`. */
function rec(status: number, data: nock.Body = {}, headers: Record<string, string> = {}) {
  return function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
    seen.push({ method: this.req.method ?? '?', path: uri, body, headers: this.req.headers, at: performance.now() });
    return [status, data, { 'content-type': 'application/json; charset=utf-8', ...headers }];
  };
}

const requests = () => seen.map((s) => `${s.method} ${s.path}`);

/** Wait unit (ms) of the tests that measure the plugins' waits: large enough to see, small enough not to slow the suite. */
const UNIT = 20;
/** Milliseconds between consecutive arrivals of `request`. */
const gapsMs = (request: string) => {
  const at = seen.filter((s) => `${s.method} ${s.path}` === request).map((s) => s.at);
  return at.slice(1).map((t, i) => t - at[i]);
};
/** The gaps between arrivals of `request` are at least `minimums` (less 1 ms: timers round), one per retry. */
function expectGaps(request: string, minimums: number[]) {
  const gaps = gapsMs(request);
  expect(gaps).toHaveLength(minimums.length);
  gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(minimums[i] - 1));
}
/** GitHub's answer to a secondary rate limit; plugin-throttling recognises it by "secondary rate". */
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

function client(over: Partial<IssueClientOptions> = {}): IssueClient {
  return createIssueClient({
    token: TOKEN,
    owner: 'acme',
    repo: 'shop',
    apiUrl: API,
    // Every wait in 1 ms units: backoff 1 then 4 ms, a "60 s" rate limit 60 ms, writes 1 (or 3) ms apart.
    retry: { retries: 2, waitUnitMs: 1, maxWaitMs: 60_000 },
    ...over,
  });
}

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(`info: ${m}`), warn: (m) => void lines.push(`warn: ${m}`), debug: (m) => void lines.push(`debug: ${m}`) };
}

const gh = () => nock(API);
const issuesSearch = () => gh().get('/repos/acme/shop/issues').query({ state: 'open', labels: ALL_LABELS });
const issueJson = (n: number) => ({ number: n, html_url: `https://github.com/acme/shop/issues/${n}`, title: 'Database migration failed: production' });

/** Labels lookups that find every label. */
function labelsExist() {
  return gh()
    .get('/repos/acme/shop/labels/db-migration')
    .reply(rec(200, { name: 'db-migration' }))
    .get('/repos/acme/shop/labels/incident')
    .reply(rec(200, { name: 'incident' }))
    .get('/repos/acme/shop/labels/env%3Aproduction')
    .reply(rec(200, { name: 'env:production' }));
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', (req: { method?: string; path?: string; options?: { method?: string; path?: string } }) => {
    unmatched.push(`${req.method ?? req.options?.method} ${req.path ?? req.options?.path}`);
  });
});

beforeEach(() => {
  seen = [];
  unmatched = [];
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(unmatched).toEqual([]);
  expect(pending).toEqual([]);
});

// ---- rendering ---------------------------------------------------------------------------------

describe('renderIssue', () => {
  it('titles the issue with the environment and puts every on-call fact in the body', () => {
    const { title, body } = renderIssue(failureFacts());
    expect(title).toBe('Database migration failed: production');
    // The lead says what failed, where, with which SQLSTATE, and the state it left; the facts follow, each once.
    expect(body).toMatch(
      /^## Database migration failed in `production`\n\nThe `up` run failed at `db\/migrations\/20260102090000_add_orders_index\.sql` line 3, column 14 with SQLSTATE `42P01`\. The automatic rollback undid the 1 migration it had applied\.\n\n- \*\*Database:\*\* /,
    );
    for (const fragment of [
      '- **Run:** https://github.com/acme/shop/actions/runs/4242',
      '- **Actor:** `octocat`',
      '- **Commit:** `0123456789abcdef0123456789abcdef01234567`',
      '- **Duration:** 12.3 s',
      '### Error\n\n`relation "orders" does not exist (42P01) via postgres://deploy:********@db.internal:5432/shop`\n',
      '```sql\nCREATE INDEX orders_created_idx ON orders (created_at);\n```',
      '- **Applied by this run before the failure:** `20260101080000`',
      '- **Rolled back (newest first):** `20260101080000`',
      '- **Still applied from this run:** none',
      '- **Path:** `/home/runner/work/_temp/db-backups/production-20260102T090000Z-20251231000000.dump` (5.0 MiB)',
      // One 165-character line, wrapped at a space with ` \` so the block does not scroll sideways.
      '```sh\npg_restore --clean --if-exists --no-owner --dbname "postgres://deploy@db.internal:5432/shop" \\\n  /home/runner/work/_temp/db-backups/production-20260102T090000Z-20251231000000.dump\n```',
      'never run automatically',
    ]) {
      expect(body).toContain(fragment);
    }
    expect(body).toContain('### Error');
    expect(body).toContain('### Rollback');
    expect(body).toContain('### Backup');
    // Said in the lead, so not again: no status, file, version or SQLSTATE bullets, and no error code made of the SQLSTATE.
    for (const again of ['**Status:**', '**File:**', '**Version:**', '**SQLSTATE:**', 'SQL_42P01', '**Environment:**', '**Command:**']) expect(body).not.toContain(again);
    expect(body.split('relation "orders" does not exist')).toHaveLength(2);
    expect(body.split('42P01')).toHaveLength(3); // the lead's SQLSTATE and the server's own text
  });

  it('never contains the password canary: not from the URL, the message, the details or the hint', () => {
    const { title, body } = renderIssue(failureFacts());
    expect(`${title}\n${body}`).not.toContain(CANARY);
    expect(body).toContain('postgres://deploy:********@db.internal:5432/shop');
    expect(body).toContain('password=********');
  });

  it('masks URL passwords structurally even when the secret list is empty', () => {
    const { body } = renderIssue(failureFacts({ secrets: [], error: { message: `could not connect to postgresql://u:${CANARY}@h/db` } }));
    expect(body).not.toContain(CANARY);
  });

  it('applies a caller-supplied redactor after the built-in one', () => {
    const { body } = renderIssue(failureFacts({ actor: 'internal-codename-x', redact: (t) => t.replaceAll('internal-codename-x', '[hidden]') }));
    expect(body).toContain('- **Actor:** `[hidden]`');
    expect(body).not.toContain('internal-codename-x');
  });

  it('redacts before clipping, so a clipped text cannot leave a secret prefix behind', () => {
    const statement = `${'x'.repeat(7_995)}${CANARY}`;
    const { body } = renderIssue(failureFacts({ error: { message: 'boom', statement } }));
    expect(body).not.toContain(CANARY.slice(0, 5));
    expect(body).toContain('(cut from 8011 characters; see the run log)');
  });

  it('cuts a huge text before redacting it (redact() is slow on long runs) without leaking a secret across the cut', () => {
    // The canary straddles the first cut at 8000 + 2 × 2048 characters.
    const statement = `${'x'.repeat(8_000 + 4_096 - 5)}${CANARY}${'x'.repeat(200_000)}`;
    const started = Date.now();
    const { body } = renderIssue(failureFacts({ error: { message: 'boom', statement } }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body).not.toContain(CANARY.slice(0, 5));
    // The note follows the code block: inside it, it would be wrapped with the statement.
    expect(body).toContain(`\n\`\`\`\n\n… (cut from ${statement.length} characters; see the run log)\n`);
  });

  it('keeps backticks in SQL and messages from breaking out of their code blocks', () => {
    const statement = 'SELECT 1;\n```\n@everyone ## not a heading';
    const { body } = renderIssue(failureFacts({ actor: 'a`b', error: { message: 'bad ``` fence', statement } }));
    expect(body).toContain('````sql\nSELECT 1;\n```\n@everyone ## not a heading\n````');
    expect(body).toContain('- **Actor:** ``a`b``');
    expect(body).toContain('### Error\n\n````bad ``` fence````\n');
  });

  it('names what a stopped rollback left applied, and why', () => {
    const { body } = renderIssue(
      failureFacts({
        applied: ['1', '2', '3'],
        rolledBack: ['3'],
        stillApplied: ['2', '1'],
        rollbackNote: 'rollback stopped at 2: db/migrations/2_b.sql has no down section',
      }),
    );
    expect(body).toContain('- **Applied by this run before the failure:** `1`, `2`, `3`');
    expect(body).toContain('- **Rolled back (newest first):** `3`');
    expect(body).toContain('- **Still applied from this run:** `2`, `1`');
    expect(body).toContain('- **Note:** `rollback stopped at 2: db/migrations/2_b.sql has no down section`');
  });

  it('words durations and sizes as the job summary does', () => {
    const { body } = renderIssue(failureFacts({ durationMs: 245_000 }));
    expect(body).toContain('- **Duration:** 4 min 5 s');
    expect(body).toContain('.dump` (5.0 MiB)');
  });

  it('says so when there is no error or backup, and has no Rollback section when none ran', () => {
    const { body } = renderIssue({ environment: 'staging', command: 'up' });
    expect(body).toBe(
      '## Database migration failed in `staging`\n\nThe `up` run failed. No migration of this run was applied.\n\n- **Backup:** none taken in this run\n\n' +
        '### Error\n\nNo error was recorded; see the run log.\n\n---\n' +
        '<sub>Opened by db-migrate-action. While this issue is open, later failures with the same labels are added as comments.</sub>',
    );
  });

  it('stays under GitHub’s body limit with huge inputs', () => {
    const huge = 'y'.repeat(200_000);
    const { body } = renderIssue(failureFacts({ rollbackNote: huge, error: { message: huge, details: huge, statement: huge } }));
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS + 100);
  });
});

describe('renderIssue: each fact once, no empty section (issue 16)', () => {
  it('a failed production run: the lead says where and what state the database is in; the message, SQLSTATE and file once', async () => {
    const run = await failedProductionRun();
    const { body } = renderIssue(issueFactsOf(run));
    expect(body.split('\n\n').slice(0, 2)).toEqual([
      '## Database migration failed in `production`',
      `The \`up\` run failed at \`${FILES.email}\` line 4, column 44 with SQLSTATE \`42703\`. The automatic rollback stopped: 1 migration of this run is still applied; the database is at version \`20261120090000\`.`,
    ]);
    expect(body.split(EMAIL_ERROR_TEXT)).toHaveLength(2);
    expect(body.split('42703')).toHaveLength(2);
    expect(body.split(FILES.email)).toHaveLength(2);
    expect(body).not.toContain('SQL_42703');
    expect(body).toContain('### Error\n\n`applying version 20261121080000 failed: column "emial" does not exist`\n\n- **Server hint:** `Perhaps you meant to reference the column "users.email".`\n');
    expect(body).toContain('- **Note:** `the automatic rollback stopped at db/migrations/20261120090000_add_orders_fulfilment_status.sql: its down section is empty`');
    const sections = body.match(/^### .*$/gm);
    expect(sections).toEqual(['### Error', '### Rollback', '### Backup']);
    // The restore command: more than 300 characters on one line in the run, here on lines that fit GitHub's column.
    const sh = /```sh\n([\s\S]*?)\n```/.exec(body)![1]!;
    expect(sh.split('\n').filter((l) => l.length > CODE_WIDTH)).toEqual([]);
    expect(sh).toBe(wrapShell(run.backup!.restoreCommand!));
  });

  it('a lint failure names the file and the rule, and has no Rollback or Backup section', async () => {
    const { body } = renderIssue(issueFactsOf(await lintFailedRun()));
    expect(body).toContain(`The \`up\` run was stopped by lint in \`${FILES.email}\`. No migration of this run was applied; the database is at version \`20261120093000\`.`);
    expect(body).toContain(`- \`${FILES.email}:4:1\` \`require-concurrent-index\` (error): \`CREATE INDEX users_email_lower_idx on existing table users without CONCURRENTLY\``);
    expect(body).toContain('- **Error code:** `LINT_FAILED`');
    expect(body).not.toContain('### Rollback');
    expect(body).not.toContain('### Backup');
    expect(body).toContain('- **Backup:** none taken in this run');
  });

  it('a failed health check: what failed in the lead, the undone migrations in the Rollback section', async () => {
    const { body } = renderIssue(issueFactsOf(await rolledBackRun()));
    expect(body).toContain('The `up` run failed its health checks after migrating. The automatic rollback undid the 2 migrations it had applied; the database is at version `20261118080000`.');
    expect(body).toContain('- **Rolled back (newest first):** `20261120093000`, `20261120090000`\n- **Still applied from this run:** none\n');
    expect(body).toContain('- **Error code:** `HEALTH_CHECK_FAILED`');
  });

  it('no rollback ran: the lead says what stayed applied and why, and there is no Rollback section', () => {
    const { body } = renderIssue(
      failureFacts({ applied: ['1', '2'], rolledBack: [], stillApplied: ['2', '1'], rollbackAttempted: false, rollbackNote: "rollback-on-failure is false: this run's migrations were left applied", currentVersion: '2' }),
    );
    expect(body).toContain(" with SQLSTATE `42P01`. 2 migrations of this run are still applied: `2`, `1` (rollback-on-failure is false: this run's migrations were left applied); the database is at version `2`.");
    expect(body).not.toContain('### Rollback');
  });

  it('the error code when it is not the SQLSTATE’s; a failed rollback command says what it rolled back', () => {
    const { body } = renderIssue(failureFacts({ command: 'rollback', applied: [], rolledBack: ['3'], stillApplied: undefined, error: { message: 'lock not acquired', code: 'LOCK_TIMEOUT' } }));
    expect(body).toContain('The `rollback` run failed. It rolled back `3` before it failed.');
    expect(body).toContain('- **Error code:** `LOCK_TIMEOUT`');
    expect(body).not.toContain('### Rollback');
  });
});

describe('issueLabels', () => {
  it('adds env:<environment>, trims, drops empties and case-insensitive duplicates, clips to 50 characters', () => {
    expect(issueLabels(LABELS, 'production')).toEqual(['db-migration', 'incident', 'env:production']);
    expect(issueLabels([' db-migration ', '', 'DB-Migration', 'env:staging'], ' staging ')).toEqual(['db-migration', 'env:staging']);
    expect(issueLabels([], 'e'.repeat(80))).toEqual([`env:${'e'.repeat(46)}`]);
  });
});

// ---- the API conversation ----------------------------------------------------------------------

describe('reportFailure against the GitHub API (nock)', () => {
  it('creates missing labels, then opens the issue: the exact requests', async () => {
    // Only a pull request carries the labels: that is not an issue to comment on.
    issuesSearch().reply(rec(200, [{ ...issueJson(3), pull_request: { url: 'x' } }]));
    gh()
      .get('/repos/acme/shop/labels/db-migration')
      .reply(rec(200, { name: 'db-migration' }))
      .get('/repos/acme/shop/labels/incident')
      .reply(rec(404, { message: 'Not Found' }))
      .post('/repos/acme/shop/labels')
      .reply(rec(201, { name: 'incident' }))
      .get('/repos/acme/shop/labels/env%3Aproduction')
      .reply(rec(404, { message: 'Not Found' }))
      // Another run created it in between: 422 already_exists is fine.
      .post('/repos/acme/shop/labels')
      .reply(rec(422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] }))
      .post('/repos/acme/shop/issues')
      .reply(rec(201, issueJson(42)));

    const log = memoryLog();
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production', log });

    expect(result).toEqual({ url: 'https://github.com/acme/shop/issues/42', issueUrl: 'https://github.com/acme/shop/issues/42', number: 42, action: 'created' });
    expect(requests()).toEqual([
      'GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction',
      'GET /repos/acme/shop/labels/db-migration',
      'GET /repos/acme/shop/labels/incident',
      'POST /repos/acme/shop/labels',
      'GET /repos/acme/shop/labels/env%3Aproduction',
      'POST /repos/acme/shop/labels',
      'POST /repos/acme/shop/issues',
    ]);
    expect(seen[3].body).toEqual({ name: 'incident', color: 'b60205', description: LABEL_DESC });
    expect(seen[5].body).toEqual({ name: 'env:production', color: '0e8a16', description: ENV_LABEL_DESC });

    const created = seen[6].body as { title: string; body: string; labels: string[] };
    expect(Object.keys(created).sort()).toEqual(['body', 'labels', 'title']);
    expect(created.title).toBe('Database migration failed: production');
    expect(created.labels).toEqual(['db-migration', 'incident', 'env:production']);
    expect(created.body).toContain('## Database migration failed in `production`');
    expect(created.body).toContain(' with SQLSTATE `42P01`.');
    expect(created.body).toContain('CREATE INDEX orders_created_idx ON orders (created_at);');
    expect(created.body).toBe(renderIssue(failureFacts()).body);

    for (const s of seen) {
      expect(s.headers.authorization).toBe(`token ${TOKEN}`);
      expect(s.headers['user-agent']).toMatch(/^db-migrate-action\/0\.1\.0 /);
    }
    expect(log.lines).toEqual(['info: Created label(s) incident', 'info: Opened issue #42: https://github.com/acme/shop/issues/42']);
  });

  it('comments on the open issue with the same labels instead of opening a new one (and skips label work)', async () => {
    issuesSearch().reply(rec(200, [{ ...issueJson(12), pull_request: { url: 'pr' } }, issueJson(7)]));
    gh()
      .post('/repos/acme/shop/issues/7/comments')
      .reply(rec(201, { id: 99, html_url: 'https://github.com/acme/shop/issues/7#issuecomment-99' }));

    const log = memoryLog();
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production', log });

    expect(result).toEqual({
      url: 'https://github.com/acme/shop/issues/7#issuecomment-99',
      issueUrl: 'https://github.com/acme/shop/issues/7',
      number: 7,
      action: 'commented',
    });
    expect(requests()).toEqual([
      'GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction',
      'POST /repos/acme/shop/issues/7/comments',
    ]);
    const comment = seen[1].body as { body: string };
    expect(Object.keys(comment)).toEqual(['body']);
    expect(comment.body).toContain('relation "orders" does not exist');
    expect(log.lines).toEqual(['info: Added the failure to open issue #7: https://github.com/acme/shop/issues/7#issuecomment-99']);
  });

  it('sends no password canary to GitHub, in the issue or in a comment', async () => {
    issuesSearch().reply(rec(200, []));
    labelsExist();
    gh().post('/repos/acme/shop/issues').reply(rec(201, issueJson(1)));
    await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production' });

    issuesSearch().reply(rec(200, [issueJson(1)]));
    gh().post('/repos/acme/shop/issues/1/comments').reply(rec(201, { id: 2, html_url: 'https://github.com/acme/shop/issues/1#issuecomment-2' }));
    await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production' });

    const bodies = seen.filter((s) => s.method === 'POST').map((s) => JSON.stringify(s.body));
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      expect(b).not.toContain(CANARY);
      expect(b).not.toContain(encodeURIComponent(CANARY));
      expect(b).toContain('********');
    }
  });

  it('honours apiUrl (GitHub Enterprise: https://host/api/v3)', async () => {
    nock('https://ghe.acme.test')
      .get('/api/v3/repos/acme/shop/issues')
      .query({ state: 'open', labels: 'db-migration,env:staging' })
      .reply(rec(200, [issueJson(5)]))
      .post('/api/v3/repos/acme/shop/issues/5/comments')
      .reply(rec(201, { id: 1, html_url: 'https://ghe.acme.test/acme/shop/issues/5#issuecomment-1' }));
    const result = await reportFailure(client({ apiUrl: 'https://ghe.acme.test/api/v3/' }), failureFacts({ environment: 'staging' }), {
      labels: ['db-migration'],
      environment: 'staging',
    });
    expect(result).toMatchObject({ action: 'commented', number: 5 });
  });

  it('403 ends as a warning after exactly one request (no retry), naming the status and the fix', async () => {
    issuesSearch().reply(rec(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' }));
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(seen).toHaveLength(1);
    expect(result).toEqual({
      warning:
        'No issue was opened for the failed migration: GET /repos/acme/shop/issues: GitHub API answered 403: Resource not accessible by integration - https://docs.github.com/rest. ' +
        "Give the job `permissions: issues: write` (or a github-token that has it). The migration's outcome is unchanged.",
    });
  });

  it('404 on create is not retried', async () => {
    issuesSearch().reply(rec(200, []));
    labelsExist();
    gh().post('/repos/acme/shop/issues').reply(rec(404, { message: 'Not Found' }));
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(requests().filter((r) => r.startsWith('POST'))).toEqual(['POST /repos/acme/shop/issues']);
    expect(result).toHaveProperty('warning');
    expect((result as { warning: string }).warning).toContain('GitHub API answered 404: Not Found');
    expect((result as { warning: string }).warning).toContain('issues are disabled');
  });

  it('no 4xx is retried, not even those outside plugin-retry’s own list (409, 429 without a rate-limit sign)', async () => {
    gh()
      .post('/repos/acme/shop/issues/9/comments')
      .reply(rec(409, { message: 'Conflict' }))
      .post('/repos/acme/shop/issues/9/comments')
      .reply(rec(429, { message: 'Too many requests' }, { 'retry-after': '1' }));
    await expect(client().comment(9, 'x')).rejects.toMatchObject({ status: 409, attempts: 1, message: 'POST /repos/acme/shop/issues/9/comments: GitHub API answered 409: Conflict' });
    // A 429 that carries neither of GitHub's rate-limit signs (a "secondary rate limit" message, x-ratelimit-remaining: 0) is no limit the throttling plugin waits out.
    await expect(client().comment(9, 'x')).rejects.toMatchObject({ status: 429, attempts: 1 });
    expect(seen).toHaveLength(2);
  });

  it('500 then 201: retried once after plugin-retry’s first backoff (1 unit), and the issue is opened', async () => {
    issuesSearch().reply(rec(200, []));
    labelsExist();
    gh()
      .post('/repos/acme/shop/issues')
      .reply(rec(500, { message: 'Server Error' }))
      .post('/repos/acme/shop/issues')
      .reply(rec(201, issueJson(43)));
    const log = memoryLog();
    const result = await reportFailure(client({ log, retry: { retries: 2, waitUnitMs: UNIT } }), failureFacts(), { labels: LABELS, environment: 'production', log });
    expect(result).toMatchObject({ action: 'created', number: 43 });
    expect(requests().filter((r) => r.startsWith('POST'))).toEqual(['POST /repos/acme/shop/issues', 'POST /repos/acme/shop/issues']);
    expectGaps('POST /repos/acme/shop/issues', [UNIT]);
    expect(log.lines).toContain('debug: POST /repos/acme/shop/issues: GitHub API answered 500: Server Error; trying again (attempt 2)');
    // Both attempts sent the same issue.
    expect(seen.at(-1)!.body).toEqual(seen.at(-2)!.body);
  });

  it('500 forever: a warning after the bounded retries (1 + 2 attempts, backoff 1 then 4 units)', async () => {
    issuesSearch().reply(rec(200, [issueJson(7)]));
    gh().post('/repos/acme/shop/issues/7/comments').times(3).reply(rec(502, { message: 'Bad Gateway' }));
    const result = await reportFailure(client({ retry: { retries: 2, waitUnitMs: UNIT } }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(requests()).toEqual([
      'GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction',
      'POST /repos/acme/shop/issues/7/comments',
      'POST /repos/acme/shop/issues/7/comments',
      'POST /repos/acme/shop/issues/7/comments',
    ]);
    expectGaps('POST /repos/acme/shop/issues/7/comments', [UNIT, 4 * UNIT]);
    expect(result).toEqual({
      warning:
        'No issue was opened for the failed migration: POST /repos/acme/shop/issues/7/comments: GitHub API answered 502: Bad Gateway (gave up after 3 attempts). ' +
        "GitHub could not be reached or failed; the issue can be opened by hand from the run log. The migration's outcome is unchanged.",
    });
  });

  it('429 secondary rate limit with retry-after: waits what GitHub asks, then succeeds', async () => {
    issuesSearch()
      .reply(rec(429, { message: SECONDARY }, { 'retry-after': '3' }))
      .get('/repos/acme/shop/issues')
      .query(true)
      .reply(rec(200, []));
    labelsExist();
    gh().post('/repos/acme/shop/issues').reply(rec(201, issueJson(44)));
    const log = memoryLog();
    const result = await reportFailure(client({ log, retry: { retries: 2, waitUnitMs: UNIT } }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(result).toMatchObject({ action: 'created', number: 44 });
    expect(requests().slice(0, 2)).toEqual([
      'GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction',
      'GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction',
    ]);
    expectGaps('GET /repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction', [3 * UNIT]);
    expect(log.lines).toEqual([`debug: GET /repos/acme/shop/issues: GitHub API answered 429: ${SECONDARY}; trying again (attempt 2) after the 3 s GitHub asked to wait`]);
  });

  it('403 secondary rate limit is retried (retry-after, or GitHub’s one minute when none is given)', async () => {
    issuesSearch().reply(rec(200, [issueJson(7)]));
    gh()
      .post('/repos/acme/shop/issues/7/comments')
      .reply(rec(403, { message: SECONDARY }))
      .post('/repos/acme/shop/issues/7/comments')
      .reply(rec(403, { message: SECONDARY }, { 'retry-after': '2' }))
      .post('/repos/acme/shop/issues/7/comments')
      .reply(rec(201, { id: 5, html_url: 'https://github.com/acme/shop/issues/7#issuecomment-5' }));
    const log = memoryLog();
    const result = await reportFailure(client({ log }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(result).toMatchObject({ action: 'commented', url: 'https://github.com/acme/shop/issues/7#issuecomment-5' });
    expectGaps('POST /repos/acme/shop/issues/7/comments', [60, 2]);
    expect(log.lines).toEqual([
      `debug: POST /repos/acme/shop/issues/7/comments: GitHub API answered 403: ${SECONDARY}; trying again (attempt 2) after the 60 s GitHub asked to wait`,
      `debug: POST /repos/acme/shop/issues/7/comments: GitHub API answered 403: ${SECONDARY}; trying again (attempt 3) after the 2 s GitHub asked to wait`,
    ]);
  });

  it('a rate limit asking for a longer wait than allowed gives up at once with a warning', async () => {
    issuesSearch().reply(rec(429, { message: SECONDARY }, { 'retry-after': '3600' }));
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(seen).toHaveLength(1);
    expect((result as { warning: string }).warning).toContain(
      `GitHub API answered 429: ${SECONDARY} (rate limited; GitHub asks to wait 3600 s, more than the 60 s we allow)`,
    );
    expect((result as { warning: string }).warning).toContain('GitHub rate-limited the token');
  });

  it('a primary rate limit (403, x-ratelimit-remaining: 0) waits until the reset when it is near, and gives up at once when it is not', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 2);
    issuesSearch()
      .reply(rec(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }))
      .get('/repos/acme/shop/issues')
      .query(true)
      .reply(rec(200, [issueJson(7)]));
    gh().post('/repos/acme/shop/issues/7/comments').reply(rec(201, { id: 1, html_url: 'u' }));
    const log = memoryLog();
    const result = await reportFailure(client({ log }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(result).toMatchObject({ action: 'commented' });
    // Until a second after the reset, rounded up to whole seconds: 3 or 4 s, by where in the second the test runs.
    expect(log.lines).toEqual([
      expect.stringMatching(/^debug: GET \/repos\/acme\/shop\/issues: GitHub API answered 403: API rate limit exceeded; trying again \(attempt 2\) after the [34] s GitHub asked to wait$/),
    ]);

    seen = [];
    const later = String(Math.ceil(Date.now() / 1000) + 600);
    gh().get('/repos/acme/shop/issues').query(true).reply(rec(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': later }));
    const err = await client()
      .findOpenIssue(['x'])
      .then(() => undefined, (e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(err).toMatchObject({ status: 403, attempts: 1 });
    expect((err as Error).message).toMatch(/^GET \/repos\/acme\/shop\/issues: GitHub API answered 403: API rate limit exceeded \(rate limited; GitHub asks to wait 60[12] s, more than the 60 s we allow\)$/);
  });

  it('rate limits are waited out a bounded number of times too', async () => {
    gh().post('/repos/acme/shop/issues/9/comments').times(3).reply(rec(403, { message: SECONDARY }, { 'retry-after': '1' }));
    const err = await client()
      .comment(9, 'x')
      .then(() => undefined, (e: unknown) => e);
    expect(seen).toHaveLength(3);
    expect(err).toMatchObject({ status: 403, attempts: 3, message: `POST /repos/acme/shop/issues/9/comments: GitHub API answered 403: ${SECONDARY} (gave up after 3 attempts)` });
  });

  it('a network error is retried like a 5xx', async () => {
    issuesSearch().replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }).get('/repos/acme/shop/issues').query(true).reply(rec(200, [issueJson(7)]));
    gh().post('/repos/acme/shop/issues/7/comments').reply(rec(201, { id: 1, html_url: 'u' }));
    const log = memoryLog();
    const result = await reportFailure(client({ log }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(result).toMatchObject({ action: 'commented' });
    expect(log.lines).toEqual(['debug: GET /repos/acme/shop/issues: GitHub API unreachable: socket hang up; trying again (attempt 2)']);
  });

  it('a request that hangs past timeoutMs is abandoned and retried', async () => {
    issuesSearch().delay(400).reply(rec(200, [])).get('/repos/acme/shop/issues').query(true).reply(rec(200, [issueJson(7)]));
    gh().post('/repos/acme/shop/issues/7/comments').reply(rec(201, { id: 1, html_url: 'u' }));
    const log = memoryLog();
    const result = await reportFailure(client({ timeoutMs: 50, log }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(result).toMatchObject({ action: 'commented' });
    expect(log.lines).toEqual(['debug: GET /repos/acme/shop/issues: GitHub API unreachable: no answer within 50 ms; trying again (attempt 2)']);
  });

  it('a request that hangs every time ends as status 0, naming the timeout', async () => {
    gh().get('/repos/acme/shop/labels/a').times(3).delay(300).reply(rec(200, {}));
    const err = await client({ timeoutMs: 30 })
      .ensureLabels(['a'])
      .then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ status: 0, attempts: 3, message: 'GET /repos/acme/shop/labels/a: GitHub API unreachable: no answer within 30 ms (gave up after 3 attempts)' });
  });

  it("passes Octokit's own warnings (a deprecated endpoint) to the logger, token masked", async () => {
    gh()
      .get('/repos/acme/shop/labels/a')
      .reply(rec(200, {}, { deprecation: 'Sat, 01 Jan 2028 00:00:00 GMT', sunset: `Mon, 01 Jan 2029 00:00:00 GMT ${TOKEN}` }));
    const log = memoryLog();
    await client({ log }).ensureLabels(['a']);
    expect(log.lines).toEqual([
      'warn: GitHub API: [@octokit/request] "GET https://api.github.com/repos/acme/shop/labels/a" is deprecated. It is scheduled to be removed on Mon, 01 Jan 2029 00:00:00 GMT ********',
    ]);
  });

  it('a label that cannot be created is a logged warning; the issue is still opened', async () => {
    issuesSearch().reply(rec(200, []));
    gh()
      .get('/repos/acme/shop/labels/db-migration')
      .reply(rec(404, { message: 'Not Found' }))
      .post('/repos/acme/shop/labels')
      .reply(rec(422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'invalid', field: 'color' }] }))
      .post('/repos/acme/shop/issues')
      .reply(rec(201, issueJson(45)));
    const log = memoryLog();
    const result = await reportFailure(client(), failureFacts(), { labels: ['db-migration', 'incident'], environment: 'production', log });
    expect(result).toMatchObject({ action: 'created', number: 45 });
    expect(log.lines[0]).toMatch(/^warn: Could not make sure the labels db-migration, incident, env:production exist \(POST \/repos\/acme\/shop\/labels: GitHub API answered 422: Validation Failed/);
    expect(log.lines[0]).toContain('opening the issue anyway');
  });

  it('never puts the token in a warning, even when GitHub echoes it', async () => {
    issuesSearch().reply(rec(401, { message: `Bad credentials: ${TOKEN}` }));
    const result = await reportFailure(client(), failureFacts(), { labels: LABELS, environment: 'production', secrets: [TOKEN] });
    expect(seen).toHaveLength(1);
    const warning = (result as { warning: string }).warning;
    expect(warning).toContain('GitHub API answered 401: Bad credentials: ********');
    expect(warning).toContain('The github-token is invalid or expired');
    expect(warning).not.toContain(TOKEN);
  });

  it('an empty token is a warning without any request', async () => {
    const result = await reportFailure(client({ token: '' }), failureFacts(), { labels: LABELS, environment: 'production' });
    expect(seen).toEqual([]);
    expect((result as { warning: string }).warning).toContain('no GitHub token (set the github-token input');
  });

  it('a client that throws anything at all still ends as a warning', async () => {
    const broken: IssueClient = {
      findOpenIssue: () => Promise.reject(new TypeError('boom')),
      createIssue: () => Promise.reject(new Error('unused')),
      comment: () => Promise.reject(new Error('unused')),
      listComments: () => Promise.reject(new Error('unused')),
      updateComment: () => Promise.reject(new Error('unused')),
      deleteComment: () => Promise.reject(new Error('unused')),
      listReviewComments: () => Promise.reject(new Error('unused')),
      createReview: () => Promise.reject(new Error('unused')),
      ensureLabels: () => Promise.reject(new Error('unused')),
    };
    await expect(reportFailure(broken, failureFacts(), { labels: LABELS, environment: 'production' })).resolves.toEqual({
      warning: "No issue was opened for the failed migration: boom. The migration's outcome is unchanged.",
    });
  });
});

describe('IssueClient errors and loading', () => {
  it('throws GitHubApiError with status, request and attempts', async () => {
    gh().post('/repos/acme/shop/issues/9/comments').reply(rec(404, { message: 'Not Found' }));
    const err = await client()
      .comment(9, 'x')
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err).toMatchObject({ status: 404, request: 'POST /repos/acme/shop/issues/9/comments', attempts: 1 });

    gh().post('/repos/acme/shop/issues/9/comments').times(3).reply(rec(503, { message: 'Service Unavailable' }));
    await expect(client().comment(9, 'x')).rejects.toMatchObject({ name: 'GitHubApiError', status: 503, attempts: 3 });
  });

  it('loads @actions/github on the first request only, and once', async () => {
    const real = await import('@actions/github');
    const load = jest.fn(async () => real);
    const c = client({ loadGitHub: load });
    expect(load).not.toHaveBeenCalled();
    gh().get('/repos/acme/shop/labels/a').reply(rec(200, {})).get('/repos/acme/shop/labels/b').reply(rec(200, {}));
    await expect(c.ensureLabels(['a', 'b'])).resolves.toEqual([]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('a failure to load @actions/github is a GitHubApiError (so a warning), not a crash', async () => {
    const c = client({ loadGitHub: () => Promise.reject(new Error('Cannot find module @actions/github')) });
    const result = await reportFailure(c, failureFacts(), { labels: LABELS, environment: 'production' });
    expect((result as { warning: string }).warning).toContain('GET /repos/acme/shop/issues: cannot set up the GitHub client: Cannot find module @actions/github');
  });

  it('no source file imports @actions/github, the Octokit plugins or bottleneck eagerly: the happy path never loads them', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
      }
    };
    walk(join(process.cwd(), 'src'));
    const eager = files.filter((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .some((line) => /^\s*(import|export)\b(?!\s+type\b).*from\s+['"](@actions\/github|@octokit\/[^'"/]+|bottleneck)(\/[^'"]*)?['"]/.test(line)),
    );
    expect(eager).toEqual([]);
    const connection = readFileSync(join(process.cwd(), 'src/github/octokit.ts'), 'utf8');
    for (const lazy of ["import('@actions/github')", "import('@octokit/plugin-retry')", "import('@octokit/plugin-throttling')", "import('bottleneck/light.js')"]) {
      expect(connection).toContain(lazy);
    }
  });
});
