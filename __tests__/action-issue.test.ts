/**
 * The failure issue through the BUNDLED action, run as a runner runs it
 * (`node <bundle>/index.js`, INPUT_* variables), against a PostgreSQL 15 server (so the system
 * pg_dump 15 can take the production backup) and a local HTTP server posing as the GitHub REST API
 * at `GITHUB_API_URL`. This exercises the real Octokit from @actions/github, loaded lazily.
 *
 * The first test is issue 5's "Done when": a production run that fails midway leaves the database
 * as it was before the run (schema dumps compared), a verified backup on disk, one issue with
 * everything an on-call engineer needs, and a summary that says exactly what happened.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration, runProcess } from './helpers/cli.js';
import { runAction, ACTION_BUNDLE, type ActionRunResult } from '../scripts/action-runner.mjs';
import { wrapShell } from '../src/text/markdown.js';

const server = usePostgres({ version: 15 });

// Canaries: the database password and the GitHub token. The password must reach nobody; the token
// only GitHub's Authorization header.
const PASSWORD = `Canary/p@ss?w0rd#${randomBytes(4).toString('hex')}`;
const TOKEN = `ghs_canary${randomBytes(8).toString('hex')}`;
const ROLE = `issue_canary_${process.pid}`;
const RUN_ID = '987654321';
const SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const RUN_URL = `https://github.com/o/r/actions/runs/${RUN_ID}`;

// ---------------------------------------------------------------------------------------------
// A local stand-in for the GitHub REST API: labels, issues (open, with labels) and comments.

interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  raw: string;
}

let api: Server;
let apiUrl = '';
let received: Received[] = [];
/** Every request of every test (`received` is reset before each). */
const allReceived: Received[] = [];
let failing = false;
const labels = new Set<string>();
const issues: { number: number; title: string; body: string; labels: string[]; state: 'open' | 'closed' }[] = [];
const comments: { issue: number; body: string; id: number }[] = [];
const htmlUrl = (n: number) => `https://github.com/o/r/issues/${n}`;

function answer(r: Received): { status: number; json: unknown } {
  if (failing) return { status: 500, json: { message: 'Internal Server Error (fake)' } };
  const base = '/repos/o/r';
  if (r.method === 'GET' && r.path === `${base}/issues`) {
    const want = (r.query.labels ?? '').split(',').filter((l) => l !== '');
    const open = issues.filter((i) => i.state === 'open' && want.every((l) => i.labels.includes(l))).reverse();
    return { status: 200, json: open.map((i) => ({ number: i.number, html_url: htmlUrl(i.number), state: i.state, title: i.title, labels: i.labels.map((name) => ({ name })) })) };
  }
  const label = new RegExp(`^${base}/labels/(.+)$`).exec(r.path);
  if (r.method === 'GET' && label) {
    const name = decodeURIComponent(label[1]);
    return labels.has(name) ? { status: 200, json: { name } } : { status: 404, json: { message: 'Not Found' } };
  }
  if (r.method === 'POST' && r.path === `${base}/labels`) {
    labels.add(String(r.body?.name));
    return { status: 201, json: { name: r.body?.name } };
  }
  if (r.method === 'POST' && r.path === `${base}/issues`) {
    const number = issues.length + 1;
    issues.push({ number, title: String(r.body?.title), body: String(r.body?.body), labels: (r.body?.labels as string[]) ?? [], state: 'open' });
    return { status: 201, json: { number, html_url: htmlUrl(number), state: 'open' } };
  }
  const comment = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(r.path);
  if (r.method === 'POST' && comment) {
    const id = 1000 + comments.length;
    comments.push({ issue: Number(comment[1]), body: String(r.body?.body), id });
    return { status: 201, json: { id, html_url: `${htmlUrl(Number(comment[1]))}#issuecomment-${id}` } };
  }
  return { status: 404, json: { message: `Not Found (fake API has no ${r.method} ${r.path})` } };
}

beforeAll(async () => {
  api = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://fake');
      const r: Received = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body: raw ? JSON.parse(raw) : undefined, raw };
      received.push(r);
      allReceived.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(a.json));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await query(server().adminUrl, `create role "${ROLE}" login superuser password '${PASSWORD.replace(/'/g, "''")}'`);
});

afterAll(async () => {
  await new Promise<void>((r) => api.close(() => r()));
  while (cleanups.length) await cleanups.pop()!();
});

beforeEach(() => {
  received = [];
  failing = false;
});

const cleanups: (() => Promise<void>)[] = [];
const transcripts: ActionRunResult[] = [];

// ---------------------------------------------------------------------------------------------

const FILES = {
  'db/migrations/1_users.sql': migration("create table users (id int primary key, email text not null);\ninsert into users values (1, 'a@example.com'), (2, 'b@example.com');", 'drop table users;'),
  'db/migrations/2_orders.sql': migration('create table orders (id int primary key, user_id int not null references users);\ncreate index orders_user on orders (user_id);', 'drop table orders;'),
  'db/migrations/3_email_index.sql': migration(
    'alter table users add column verified boolean not null default false;\n\ncreate index users_email_lower on users (lower(emial));',
    'drop index if exists users_email_lower;\nalter table users drop column verified;',
  ),
};

function canaryUrl(adminDbUrl: string): string {
  const u = new URL(adminDbUrl);
  return `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@${u.host}${u.pathname}?sslmode=disable`;
}

/** `pg_dump --schema-only`, without the random `\restrict` keys newer pg_dump writes. */
async function schemaDump(adminDbUrl: string): Promise<string> {
  const r = await runProcess('pg_dump', ['--schema-only', '--no-password', `--dbname=${adminDbUrl}`], { cwd: tmpdir() });
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return r.stdout
    .split('\n')
    .filter((l) => !/^\\(un)?restrict /.test(l))
    .join('\n');
}

let workspace = '';
let backupDir = '';
let db = { admin: '', url: '' };

async function step(inputs: Record<string, string>): Promise<ActionRunResult> {
  // Lint in preflight would stop the deliberately failing migrations; action-lint.test.ts tests it.
  const r = await runAction({ 'lint-fail-on': 'none', ...inputs }, {
    cwd: workspace,
    bundle: ACTION_BUNDLE,
    token: TOKEN,
    env: { GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: RUN_ID, GITHUB_SERVER_URL: 'https://github.com', GITHUB_ACTOR: 'deploy-bot', GITHUB_SHA: SHA },
  });
  transcripts.push(r);
  return r;
}

const production = () => ({ command: 'up', environment: 'production', 'database-url': db.url, 'backup-dir': backupDir, 'create-issue-on-failure': 'true' });
const posts = (path: RegExp) => received.filter((r) => r.method === 'POST' && path.test(r.path));
const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::warning'));

describe(`failure issue through the bundled action (${ACTION_BUNDLE})`, () => {
  beforeAll(async () => {
    const p = await project(FILES);
    cleanups.push(p.cleanup);
    workspace = p.dir;
    backupDir = await mkdtemp(join(tmpdir(), 'dbm-issue-backups-'));
    cleanups.push(() => rm(backupDir, { recursive: true, force: true }));
    const admin = await server().createDatabase();
    db = { admin, url: canaryUrl(admin) };

    // The database as production has it: version 1 with data, applied by an earlier staging-style run.
    const first = await runAction({ command: 'up', steps: '1', environment: 'staging', 'database-url': db.url, 'lint-fail-on': 'none' }, { cwd: workspace, bundle: ACTION_BUNDLE, token: TOKEN, env: { GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: 'o/r' } });
    transcripts.push(first);
    expect([first.code, first.outputs.status, first.stderr]).toEqual([0, 'success', '']);
    // A run that succeeds never talks to GitHub.
    expect(received).toEqual([]);
  });

  it('Done when: a production run failing midway leaves the database as it was, a verified backup, one issue with everything, and an exact summary', async () => {
    const schemaBefore = await schemaDump(db.admin);
    const usersBefore = await query(db.admin, 'select * from users order by id');

    const r = await step(production());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', applied: '["2"]', 'rolled-back': '["2"]', pending: '["2","3"]', 'current-version': '1' });

    // 1. The database is exactly as before the run.
    expect(await schemaDump(db.admin)).toBe(schemaBefore);
    expect(await query(db.admin, 'select * from users order by id')).toEqual(usersBefore);
    expect(await query(db.admin, 'select version from schema_migrations order by 1')).toEqual([{ version: '1' }]);

    // 2. A verified backup on disk, taken at version 1, private.
    const path = r.outputs['backup-path'];
    expect(path.startsWith(`${backupDir}/production-`)).toBe(true);
    expect(path).toMatch(/-v1\.dump$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const list = await runProcess('pg_restore', ['--list', path], { cwd: tmpdir() });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/TABLE public users /);
    expect(list.stdout).not.toMatch(/TABLE public orders /);
    const report = JSON.parse(r.outputs.report);
    expect(report.backup).toMatchObject({ outcome: 'taken', path, pgDump: '/usr/bin/pg_dump' });
    const restoreCommand: string = report.backup.restoreCommand;
    expect(restoreCommand).toMatch(/^createdb .* --template=template0 \S+ && pg_restore --no-owner '?--dbname=.* \S+\.dump$/);

    // 3. Exactly one issue, with everything an on-call engineer needs.
    expect(posts(/\/issues$/)).toHaveLength(1);
    expect(posts(/\/comments$/)).toHaveLength(0);
    const issue = posts(/\/issues$/)[0].body as { title: string; body: string; labels: string[] };
    expect(issue.title).toBe('Database migration failed: production');
    expect(issue.labels).toEqual(['db-migration', 'incident', 'env:production']);
    expect([...labels].sort()).toEqual(['db-migration', 'env:production', 'incident']);
    const body = issue.body;
    // The lead: what failed, where, with which SQLSTATE, and the state the database is left in.
    expect(body).toMatch(
      /^## Database migration failed in `production`\n\nThe `up` run failed at `db\/migrations\/3_email_index\.sql` line 4, column \d+ with SQLSTATE `42703`\. The automatic rollback undid the 1 migration it had applied; the database is at version `1`\.\n/,
    );
    expect(body).not.toContain('SQL_42703');
    expect(body.split('column "emial" does not exist')).toHaveLength(2);
    for (const fact of [
      'create index users_email_lower on users (lower(emial))',
      'column "emial" does not exist',
      '**Applied by this run before the failure:** `2`',
      '**Rolled back (newest first):** `2`',
      '**Still applied from this run:** none',
      `**Path:** \`${path}\``,
      // Wrapped to fit GitHub's column; the shell reads the same command.
      wrapShell(restoreCommand),
      `**Run:** ${RUN_URL}`,
      '**Actor:** `deploy-bot`',
      `**Commit:** \`${SHA}\``,
      '**Duration:**',
    ]) {
      expect(body).toContain(fact);
    }
    expect(r.outputs['issue-url']).toBe('https://github.com/o/r/issues/1');
    expect(received.every((x) => x.headers.authorization === `token ${TOKEN}`)).toBe(true);

    // 4. A summary that says exactly what happened.
    const s = r.summary;
    expect(s).toMatch(/^## ↩️ Migration failed on production and was rolled back\n/);
    expect(s).toContain('| `2` | `db/migrations/2_orders.sql` | ✅ applied |');
    expect(s).toContain('| `3` | `db/migrations/3_email_index.sql` | ❌ failed |');
    expect(s).toContain('| `2` | `db/migrations/2_orders.sql` | ↩️ rolled back |');
    expect(s).toMatch(/In `db\/migrations\/3_email_index\.sql:4:\d+` \(SQLSTATE `42703`\):/);
    expect(s).toContain('### ↩️ Automatic rollback\n\n- **Why:** migration 3 failed\n- **Rolled back** (newest first): `2`\n- **Still applied from this run:** none\n- **Current version now:** `1`\n');
    expect(s).toContain('### 💾 Backup');
    expect(s).toContain(`- **Path:** \`${path}\` (mode 0600)`);
    expect(s).toContain(`\`\`\`sh\n${wrapShell(restoreCommand)}\n\`\`\``);
    expect(s).toContain('It is never run automatically');
    expect(s).toContain(' · **Issue:** [#1](https://github.com/o/r/issues/1) opened');
    expect(s).not.toMatch(/not implemented/);
    expect(r.stdout).toMatch(/::error title=Migration 3 failed,file=db\/migrations\/3_email_index\.sql,line=4,/);
  });

  it('a second failing run, with the issue still open, comments on it instead of opening another', async () => {
    const r = await step(production());
    expect([r.code, r.outputs.status]).toEqual([1, 'rolled-back']);
    expect(posts(/\/issues$/)).toHaveLength(0);
    expect(posts(/\/comments$/)).toHaveLength(1);
    expect(posts(/\/comments$/)[0].path).toBe('/repos/o/r/issues/1/comments');
    const body = String(posts(/\/comments$/)[0].body?.body);
    expect(body).toContain('`db/migrations/3_email_index.sql` line 4');
    expect(body).toContain(r.outputs['backup-path']);
    expect(r.outputs['issue-url']).toBe(`https://github.com/o/r/issues/1#issuecomment-${comments.at(-1)!.id}`);
    expect(r.summary).toContain(' · **Issue:** [#1](https://github.com/o/r/issues/1#issuecomment-');
    expect(r.summary).toContain('commented on (it was already open)');
  });

  it('a GitHub API that answers 500 forever: the run still ends with the migration outcome, and a warning', async () => {
    failing = true;
    const r = await step(production());
    expect(r.stderr).toBe('');
    expect([r.code, r.outputs.status, r.outputs['rolled-back'], r.outputs['issue-url']]).toEqual([1, 'rolled-back', '["2"]', '']);
    // Retried (5xx), then given up: one warning, and the migration's error stays the run's error.
    expect(received.length).toBe(4);
    const w = warnings(r.stdout).filter((l) => l.includes('No issue was opened'));
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('GitHub API answered 500');
    expect(w[0]).toContain("The migration's outcome is unchanged.");
    expect(r.summary).toMatch(/^## ↩️ Migration failed on production and was rolled back\n/);
    expect(r.summary).toContain('No issue was opened for the failed migration');
    expect(r.stdout).toMatch(/::error title=Migration 3 failed/);
  }, 60_000);

  it('never shows the password (anywhere) or the token (outside the Authorization header)', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(4);
    const forms = [PASSWORD, encodeURIComponent(PASSWORD), TOKEN];
    for (const t of transcripts) {
      const visible = t.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      for (const text of [visible, t.stderr, t.summary, t.outputFile]) {
        for (const f of forms) expect(text.includes(f) ? `leaked ${f === TOKEN ? 'token' : 'password'}: ${text.slice(0, 200)}` : 'clean').toBe('clean');
      }
    }
    // Everything the fake GitHub received, over all runs of this file: bodies, paths, queries, headers.
    const all = allReceived.map((r) => JSON.stringify({ ...r, headers: { ...r.headers, authorization: undefined } })).join('\n');
    expect(allReceived.length).toBeGreaterThan(5);
    for (const f of forms) expect(all.includes(f) ? `GitHub received ${f === TOKEN ? 'the token' : 'the password'}` : 'clean').toBe('clean');
    expect(all).toContain('********');
  });
});

