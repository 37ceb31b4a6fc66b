/**
 * `notify-webhook`: the Slack-compatible message posted after a run, asserted against a local HTTP
 * server standing in for the webhook. Runs go through `runPipeline` with the real engine on real
 * PostgreSQL, and once through the bundled action as a runner runs it. The canaries (database
 * password, GitHub token, the webhook's own token) must reach the webhook in no form at all, and
 * a webhook that fails, hangs or is not there is a warning that never changes the run's outcome.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { actionRun, actionSettings, fakePorts, recordingLog } from './helpers/action.js';
import { stepContext } from '../src/action/steps/context.js';
import { runPipeline, type PipelineDeps } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import type { ActionSettings } from '../src/action/settings.js';
import type { IssueClient } from '../src/github/issue-client.js';
import type { ActionRun } from '../src/action/run-result.js';
import { notify, wantsNotification } from '../src/action/steps/notify.js';
import { notificationPayload, SLACK_LIMITS, type SlackPayload } from '../src/action/notification.js';
import { postWebhook, webhookSecrets } from '../src/notify/webhook.js';
import { Migrator } from '../src/engine/migrator.js';
import { runAction, ACTION_BUNDLE } from '../scripts/action-runner.mjs';

const server = usePostgres();

// Canaries. The password holds URL-special characters so that its percent-encoded form differs.
const hex = (n: number) => randomBytes(n).toString('hex');
const PASSWORD = `N0tify/p@ss?w0rd#${hex(4)}`;
const TOKEN = `ghs_notifycanary${hex(8)}`;
const HOOK_TOKEN = `hookCanaryToken${hex(8)}`;
const HOOK_PATH = `/services/T0NOTIFY/B0NOTIFY/${HOOK_TOKEN}`;
const ROLE = `notify_canary_${process.pid}`;
const SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const RUN = { actor: 'deploy-bot', sha: SHA, runId: '4242', runUrl: 'https://github.com/o/r/actions/runs/4242', repository: 'o/r' };
/** Every form of every canary that must never reach the webhook. */
const FORBIDDEN = [PASSWORD, encodeURIComponent(PASSWORD), TOKEN, HOOK_TOKEN, HOOK_PATH];

// ---------------------------------------------------------------------------------------------
// The webhook: records every request; answers 200 "ok", 500, or never.

interface Hit {
  method: string;
  path: string;
  contentType: string;
  raw: string;
  json: SlackPayload;
}

let hook: Server;
let hookBase = '';
let hookUrl = '';
let hits: Hit[] = [];
let mode: 'ok' | '500' | 'hang' = 'ok';

beforeAll(async () => {
  hook = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: SlackPayload;
      try {
        json = JSON.parse(raw) as SlackPayload;
      } catch {
        json = { text: '(not JSON)', blocks: [] };
      }
      hits.push({ method: req.method ?? '', path: req.url ?? '', contentType: String(req.headers['content-type']), raw, json });
      if (mode === 'hang') return; // never answers: the client's timeout must end it
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'text/plain', 'retry-after': '0' }).end('internal_error');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  hookUrl = `${hookBase}${HOOK_PATH}`;
  await query(server().adminUrl, `create role "${ROLE}" login superuser password '${PASSWORD.replace(/'/g, "''")}'`);
});

afterAll(async () => {
  hook.closeAllConnections();
  await new Promise<void>((r) => hook.close(() => r()));
  while (cleanups.length) await cleanups.pop()!();
});

beforeEach(() => {
  hits = [];
  mode = 'ok';
});

const cleanups: (() => Promise<void>)[] = [];

// ---------------------------------------------------------------------------------------------
// Projects, databases and settings.

/** The failing statement quotes every canary, so the Postgres error and the statement carry them. */
const FAILING = {
  'db/migrations/1_accounts.sql': migration('create table accounts (id int primary key);', 'drop table accounts;'),
  'db/migrations/2_orders.sql': migration('create table orders (id int primary key);', 'drop table orders;'),
  'db/migrations/3_backfill.sql': migration(
    `alter table orders add column total int;\nselect "${TOKEN}", '${PASSWORD}' as pw, '${HOOK_TOKEN}' as hook from orders;`,
    'alter table orders drop column total;',
  ),
};
const GOOD = { 'db/migrations/1_accounts.sql': FAILING['db/migrations/1_accounts.sql'] };

async function workspace(files: Record<string, string>): Promise<string> {
  const p = await project(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

/** A fresh database, reached as the canary role (password percent-encoded, as users must write it). */
async function canaryDb(): Promise<string> {
  const admin = new URL(await server().createDatabase());
  return `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@${admin.host}${admin.pathname}?sslmode=disable`;
}

/** Settings as getInputs() builds them for a production `up` with a webhook (secrets included). */
function settingsFor(url: string, dir: string, over: Partial<ActionSettings> = {}): ActionSettings {
  const webhook = over.notifyWebhook ?? hookUrl;
  return actionSettings(url, dir, {
    environment: 'production',
    environmentInput: 'production',
    environmentPrefix: 'PRODUCTION',
    lintFailOn: 'none',
    createIssueOnFailure: true,
    githubToken: TOKEN,
    issueLabels: ['db-migration'],
    notifyWebhook: webhook,
    notifyOnSuccess: false,
    run: RUN,
    secrets: [PASSWORD, url, TOKEN, ...webhookSecrets(webhook)],
    ...over,
  });
}

/** A GitHub client that opens issue #7. */
function issueFactory(): NonNullable<PipelineDeps['createIssueClient']> {
  const unused = () => Promise.reject(new Error('not used by the failure issue'));
  const client: IssueClient = {
    findOpenIssue: async () => undefined,
    createIssue: async () => ({ number: 7, url: 'https://github.com/o/r/issues/7' }),
    comment: async (n: number) => ({ id: 1, url: `https://github.com/o/r/issues/${n}#issuecomment-1` }),
    listComments: unused,
    updateComment: unused,
    deleteComment: unused,
    listReviewComments: unused,
    createReview: unused,
    ensureLabels: async () => [],
  };
  return () => client;
}

async function pipeline(s: ActionSettings, extra: Partial<PipelineDeps> = {}): Promise<{ run: ActionRun; log: ReturnType<typeof recordingLog> }> {
  const log = recordingLog();
  const run = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log, createIssueClient: issueFactory(), ...extra });
  return { run, log };
}

/** Every text of a payload, one per line. */
function texts(p: SlackPayload): string {
  const out: string[] = [p.text];
  for (const b of p.blocks) {
    if ('text' in b && b.text) out.push(b.text.text);
    if ('fields' in b && b.fields) out.push(...b.fields.map((f) => f.text));
    if ('elements' in b) out.push(...b.elements.map((e) => e.text));
  }
  return out.join('\n');
}

function expectNoCanary(text: string): void {
  for (const f of FORBIDDEN) expect(text.includes(f) ? `leaked ${f}` : 'clean').toBe('clean');
}

// ---------------------------------------------------------------------------------------------

describe('notification through runPipeline, real PostgreSQL, local webhook', () => {
  it('a failed production up: one POST with text and blocks naming environment, file, SQLSTATE, rollback and issue; no canary anywhere', async () => {
    const dir = await workspace(FAILING);
    const url = await canaryDb();
    const { run, log } = await pipeline(settingsFor(url, dir));

    expect(run.status).toBe('rolled-back');
    expect(run.error).toMatchObject({ file: 'db/migrations/3_backfill.sql', sqlstate: '42703' });
    expect(hits).toHaveLength(1);
    const h = hits[0];
    expect([h.method, h.path, h.contentType]).toEqual(['POST', HOOK_PATH, 'application/json; charset=utf-8']);
    // The raw body, byte for byte: no password (either form), token or webhook token.
    expectNoCanary(h.raw);
    expect(h.raw).toContain('********');

    const p = h.json;
    expect(p.text.split('\n')[0]).toBe('Database migration failed: production (rolled back 2 migrations)');
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Database migration failed: production (rolled back 2 migrations)' } });
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const all = texts(p);
    for (const fact of [
      '*Environment*\n`production`',
      '*Command*\n`up`',
      '*Status*\n`rolled-back`',
      '*Applied*\n`1`, `2`',
      '*Rolled back*\n`2`, `1`',
      '*Issue*\n<https://github.com/o/r/issues/7|#7>',
      '*Duration*\n',
      '*Error* in `db/migrations/3_backfill.sql`, line 3, column 8, SQLSTATE `42703`',
      'applying version 3 failed: column "********" does not exist (SQLSTATE 42703)',
      '*Statement:* `select "********", \'********\' as pw, \'********\' as hook from orders`',
      'Actor: deploy-bot',
      'Commit: `fedcba9`',
      '<https://github.com/o/r/actions/runs/4242|Run 4242>',
    ]) {
      expect(all).toContain(fact);
    }
    // The fallback text carries the error and the links for clients that ignore blocks.
    expect(p.text).toContain('Issue: https://github.com/o/r/issues/7');
    expect(p.text).toContain('Run: https://github.com/o/r/actions/runs/4242');
    // Slack's limits hold.
    for (const b of p.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);

    // Logged in its own group, after the issue; recorded as a note, not a warning.
    const groups = log.lines.filter((l) => l.startsWith('group '));
    expect(groups.slice(-2)).toEqual(['group Failure issue', 'group Notification']);
    expect(run.notes).toContain('Notification sent to the notify-webhook (HTTP 200).');
    expect(run.warnings.filter((w) => w.includes('notification'))).toEqual([]);
    // Nothing the run returns or logs holds a canary either.
    expectNoCanary(JSON.stringify(run));
    expectNoCanary(log.lines.join('\n'));
  });

  it('a successful up without notify-on-success sends nothing; with it, one message', async () => {
    const dir = await workspace(GOOD);
    const quiet = await pipeline(settingsFor(await canaryDb(), dir));
    expect(quiet.run.status).toBe('success');
    expect(hits).toEqual([]);
    expect(quiet.log.lines).not.toContain('group Notification');

    const url = await canaryDb();
    const loud = await pipeline(settingsFor(url, dir, { notifyOnSuccess: true }));
    expect(loud.run.status).toBe('success');
    expect(hits).toHaveLength(1);
    expectNoCanary(hits[0].raw);
    expect(hits[0].json.text).toBe('Database migration succeeded: production (applied 1 migration)\nRun: https://github.com/o/r/actions/runs/4242');
    expect(texts(hits[0].json)).toContain('*Applied*\n`1`');

    // Run again: nothing to do, still announced with notify-on-success.
    hits = [];
    const again = await pipeline(settingsFor(url, dir, { notifyOnSuccess: true }));
    expect(again.run.status).toBe('nothing-to-do');
    expect(hits.map((x) => x.json.text.split('\n')[0])).toEqual(['Database migration: nothing to do on production (up to date)']);
  });

  it('a dry run (dry-run input, or command plan) never notifies, even with notify-on-success', async () => {
    const dir = await workspace(GOOD);
    const ok = await pipeline(settingsFor(await canaryDb(), dir, { dryRun: true, notifyOnSuccess: true }));
    expect(ok.run.status).toBe('dry-run');
    const plan = await pipeline(settingsFor(await canaryDb(), dir, { command: 'plan', notifyOnSuccess: true }));
    expect(plan.run.status).toBe('dry-run');
    expect(hits).toEqual([]);
  });

  it('a webhook answering 500 twice: retried once, then a warning naming HTTP 500; status and error unchanged', async () => {
    mode = '500';
    const dir = await workspace(FAILING);
    const { run, log } = await pipeline(settingsFor(await canaryDb(), dir));
    expect(hits).toHaveLength(2);
    expect(run.status).toBe('rolled-back');
    expect(run.error).toMatchObject({ sqlstate: '42703', file: 'db/migrations/3_backfill.sql' });
    const w = run.warnings.filter((x) => x.startsWith('notification webhook failed'));
    expect(w).toEqual(["notification webhook failed: HTTP 500 (internal_error), after 2 attempts. The migration's outcome is unchanged."]);
    expect(log.lines).toContain(`warn ${w[0]}`);
    expect(run.notes.filter((n) => n.includes('Notification sent'))).toEqual([]);

    // A successful run stays successful too.
    hits = [];
    const good = await pipeline(settingsFor(await canaryDb(), await workspace(GOOD), { notifyOnSuccess: true }));
    expect(good.run.status).toBe('success');
    expect(good.run.error).toBeUndefined();
    expect(hits).toHaveLength(2);
    expect(good.run.warnings).toEqual(["notification webhook failed: HTTP 500 (internal_error), after 2 attempts. The migration's outcome is unchanged."]);
  });

  it('an unreachable webhook (closed port): a warning only, without the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = `http://127.0.0.1:${port}${HOOK_PATH}`;

    const { run } = await pipeline(settingsFor(await canaryDb(), await workspace(FAILING), { notifyWebhook: dead }), {
      postWebhook: (u, payload) => postWebhook(u, payload, { retryDelayMs: 10 }),
    });
    expect(run.status).toBe('rolled-back');
    expect(run.warnings.filter((x) => x.startsWith('notification webhook failed'))).toEqual([
      "notification webhook failed: could not connect (ECONNREFUSED), after 2 attempts. The migration's outcome is unchanged.",
    ]);
    expectNoCanary(JSON.stringify(run));
    expect(JSON.stringify(run)).not.toContain(`127.0.0.1:${port}`);
  });

  it('a webhook that never answers: the timeout ends it with a warning, not retried (it may have been delivered)', async () => {
    mode = 'hang';
    const { run } = await pipeline(settingsFor(await canaryDb(), await workspace(FAILING)), {
      postWebhook: (u, payload) => postWebhook(u, payload, { timeoutMs: 300 }),
    });
    expect(run.status).toBe('rolled-back');
    expect(hits).toHaveLength(1);
    expect(run.warnings.filter((x) => x.startsWith('notification webhook failed'))).toEqual([
      "notification webhook failed: timed out after 300 ms. The migration's outcome is unchanged.",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('postWebhook', () => {
  it('never throws, never quotes the URL, and does not retry a 4xx', async () => {
    const server404 = createServer((req, res) => {
      req.resume();
      // A server that echoes the path it was asked for, as many 404 pages do.
      req.on('end', () => res.writeHead(404, { 'content-type': 'text/plain' }).end(`no_service: Cannot POST ${req.url}`));
    });
    await new Promise<void>((r) => server404.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server404.address() as AddressInfo).port}${HOOK_PATH}`;
    try {
      const r = await postWebhook(url, { text: 'x' });
      expect(r).toEqual({ ok: false, status: 404, error: 'HTTP 404 (no_service: Cannot POST <webhook URL>)', attempts: 1 });
      expect(await postWebhook('not a url', { text: 'x' })).toEqual({ ok: false, error: 'not an absolute http(s) URL', attempts: 0 });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(await postWebhook(url, cyclic)).toMatchObject({ ok: false, attempts: 0 });
    } finally {
      await new Promise<void>((r) => server404.close(() => r()));
    }
  });

  it('honours a short Retry-After on 429 and ignores one longer than it accepts', async () => {
    const answers = [{ status: 429, retryAfter: '1' }, { status: 200 }, { status: 503, retryAfter: '3600' }, { status: 200 }];
    const at: number[] = [];
    const s = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        at.push(Date.now());
        const a = answers.shift()!;
        res.writeHead(a.status, a.retryAfter ? { 'retry-after': a.retryAfter } : {}).end();
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
    try {
      expect(await postWebhook(url, {}, { retryDelayMs: 10 })).toEqual({ ok: true, status: 200, attempts: 2 });
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(900);
      // An hour is beyond what a deploy job should wait: the ordinary retry delay applies.
      expect(await postWebhook(url, {}, { retryDelayMs: 10 })).toEqual({ ok: true, status: 200, attempts: 2 });
      expect(at[3] - at[2]).toBeLessThan(900);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('wantsNotification and the payload (pure)', () => {
  const base = (over: Partial<ActionSettings> = {}) => settingsFor('postgres://u:pw-canary-1@db.example.com/app', '/tmp', over);
  const runOf = (over: Partial<ActionRun> = {}): ActionRun => actionRun({ status: 'failed', environment: 'production', startedAt: new Date(0).toISOString(), durationMs: 61_500, ...over });

  it('decides who hears about what', () => {
    const cases: [Partial<ActionSettings>, Partial<ActionRun>, boolean][] = [
      [{}, { status: 'failed' }, true],
      [{}, { status: 'rolled-back' }, true],
      [{}, { status: 'success' }, false],
      [{ notifyOnSuccess: true }, { status: 'success' }, true],
      [{ notifyOnSuccess: true }, { status: 'nothing-to-do' }, true],
      [{ notifyWebhook: undefined }, { status: 'failed' }, false],
      [{ dryRun: true }, { status: 'failed', dryRun: true }, false],
      [{ command: 'plan', notifyOnSuccess: true }, { status: 'dry-run' }, false],
      [{ command: 'rollback' }, { status: 'failed' }, true],
      [{ command: 'verify' }, { status: 'failed' }, true],
      [{ command: 'report' }, { status: 'failed' }, true],
    ];
    for (const [s, r, want] of cases) expect([s, r.status, wantsNotification({ ...base(), ...s } as ActionSettings, runOf(r))]).toEqual([s, r.status, want]);
  });

  it('masks the webhook and secrets even when the settings lack them, escapes mrkdwn, and keeps to Slack limits', () => {
    const s = base({ secrets: [] });
    const long = 'x'.repeat(5000);
    const p = notificationPayload(
      s,
      runOf({
        status: 'failed',
        applied: Array.from({ length: 30 }, (_, i) => String(i + 1)),
        error: {
          message: `boom <script>&amp; ${hookUrl} postgres://u:pw-canary-1@db.example.com/app ${HOOK_TOKEN} ${long}`,
          details: '',
          file: 'db/migrations/9_x.sql',
          statement: `select '${long}'`,
        },
        warnings: ['first warning', 'second'],
      }),
    );
    const raw = JSON.stringify(p);
    expectNoCanary(raw);
    expect(raw).not.toContain('pw-canary-1');
    expect(raw).not.toContain('<script>');
    expect(texts(p)).toContain('boom &lt;script&gt;&amp;amp; ******** postgres://u:********@db.example.com/app ********');
    expect(texts(p)).toContain('`1`, `2`');
    expect(texts(p)).toContain('and 10 more');
    expect(texts(p)).toContain('*Warning:* first warning (and 1 more, see the run)');
    expect(texts(p)).toContain('*Duration*\n1 min 2 s');
    expect(p.text.split('\n')[0]).toBe('Database migration failed: production (30 migrations left applied)');
    for (const b of p.blocks) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (b.type === 'section' && b.fields) for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    }
    // The error line and the statement are cut (after redaction), so the code block still closes.
    const errorSection = p.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Error*'));
    const errorText = errorSection && 'text' in errorSection ? (errorSection.text?.text ?? '') : '';
    expect(errorText).toMatch(/x…```\n\*Statement:\* `select 'x+…`\n\*Rollback:\* no automatic rollback ran$/);
    expect(p.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  });

  it('notify() with a poster that throws: a warning, never an exception', async () => {
    const log = recordingLog();
    const run = runOf();
    // notify uses only the poster of the ports.
    const ports = fakePorts({
      postWebhook: async () => {
        throw new Error(`socket hang up at ${hookUrl}`);
      },
    });
    await notify(stepContext(base(), ports, log, run));
    expect(run.warnings).toEqual(["notification webhook failed: socket hang up at ********. The migration's outcome is unchanged."]);
    expect(run.status).toBe('failed');
  });
});

// ---------------------------------------------------------------------------------------------

describe(`notification through the bundled action (${ACTION_BUNDLE})`, () => {
  it('posts to INPUT_NOTIFY-WEBHOOK; the webhook URL and its token appear nowhere in the output', async () => {
    const dir = await workspace(FAILING);
    const url = await canaryDb();
    const r = await runAction(
      { command: 'up', environment: 'staging', 'database-url': url, 'lint-fail-on': 'none', 'create-issue-on-failure': 'false', 'notify-webhook': hookUrl },
      { cwd: dir, bundle: ACTION_BUNDLE, token: TOKEN },
    );
    expect(r.stderr).toBe('');
    expect([r.code, r.outputs.status]).toEqual([1, 'rolled-back']);
    expect(hits).toHaveLength(1);
    expect([hits[0].method, hits[0].path]).toEqual(['POST', HOOK_PATH]);
    expect(hits[0].json.text.split('\n')[0]).toBe('Database migration failed: staging (rolled back 2 migrations)');
    expectNoCanary(hits[0].raw);
    // The runner is told to mask it, and nothing else shows it.
    expect(r.stdout).toContain(`::add-mask::${hookUrl}`);
    const visible = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [visible, r.summary, r.outputFile]) {
      expect(text.includes(hookBase) || text.includes(HOOK_TOKEN) || text.includes(HOOK_PATH) ? 'leaked the webhook' : 'clean').toBe('clean');
      expectNoCanary(text);
    }
    expect(r.summary).toContain('Notification sent to the notify-webhook (HTTP 200).');
  });
});
