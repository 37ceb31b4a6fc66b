/**
 * The sticky pull-request comment end to end: the real pipeline on real PostgreSQL, a
 * `pull_request` event file, and the real GitHub client (Octokit from @actions/github, loaded on
 * its first request) talking HTTP to a local server that poses as the GitHub REST API at
 * `GITHUB_API_URL` and keeps what GitHub keeps: issue comments by id, reviews and their review
 * comments, which lines are in the pull request's diff, and which tokens may write.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLintCommand, runPipeline } from '../src/action/pipeline.js';
import type { ActionSettings, LintSettings } from '../src/action/settings.js';
import type { ActionRun } from '../src/action/run-result.js';
import { renderSummary } from '../src/action/summary.js';
import { readPullRequest, type PullRequestContext } from '../src/github/pr-context.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { migration, project } from './helpers/cli.js';
import { usePostgres } from './helpers/pg.js';

// PostgreSQL 15: `verify` dumps schemas with the system's pg_dump 15.
const server = usePostgres({ version: 15 });

const TOKEN = 'ghs_PrCommentCanary0123456789';
const RUN_URL = 'https://github.com/acme/shop/actions/runs/4242';
const MARKER = '<!-- db-migrate-action:pr-comment dir=db/migrations -->';
const FORBIDDEN = { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' };

// ---------------------------------------------------------------------------------------------
// A local stand-in for the GitHub REST API of repository acme/shop.

interface Received {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  auth: string | undefined;
}
interface IssueComment {
  id: number;
  issue: number;
  body: string;
}
interface ReviewComment {
  id: number;
  pull: number;
  review: number;
  path: string;
  line: number | null;
  start_line: number | null;
  side: string;
  start_side: string | null;
  body: string;
  commit_id: string;
}
interface Review {
  id: number;
  pull: number;
  commit_id: string;
  event: string;
  body: string;
}

const gh = {
  received: [] as Received[],
  comments: [] as IssueComment[],
  reviews: [] as Review[],
  reviewComments: [] as ReviewComment[],
  /** Every write answers 403, as for a read-only token (pull requests from forks). */
  readOnly: false,
  /** Reviews answer 403 (a token with `issues: write` but not `pull-requests: write`). */
  noReviews: false,
  /** Lines of the pull request's diff per path; a path not listed is in the diff entirely (a new file). */
  diff: new Map<string, Set<number>>(),
  nextId: 100,
};

const BASE = '/repos/acme/shop';
const commentJson = (c: IssueComment) => ({ id: c.id, html_url: `https://github.com/acme/shop/pull/${c.issue}#issuecomment-${c.id}`, body: c.body, user: { login: 'github-actions[bot]' } });

function answer(r: Received, query: URLSearchParams): { status: number; json?: unknown } {
  const write = r.method !== 'GET';
  if (write && gh.readOnly) return { status: 403, json: FORBIDDEN };
  let m = new RegExp(`^${BASE}/issues/(\\d+)/comments$`).exec(r.path);
  if (m && r.method === 'GET') return { status: 200, json: Number(query.get('page') ?? '1') > 1 ? [] : gh.comments.filter((c) => c.issue === Number(m![1])).map(commentJson) };
  if (m && r.method === 'POST') {
    const c = { id: gh.nextId++, issue: Number(m[1]), body: String(r.body?.body) };
    gh.comments.push(c);
    return { status: 201, json: commentJson(c) };
  }
  m = new RegExp(`^${BASE}/issues/comments/(\\d+)$`).exec(r.path);
  const c = m ? gh.comments.find((x) => x.id === Number(m![1])) : undefined;
  if (m && !c) return { status: 404, json: { message: 'Not Found' } };
  if (c && r.method === 'PATCH') {
    c.body = String(r.body?.body);
    return { status: 200, json: commentJson(c) };
  }
  if (c && r.method === 'DELETE') {
    gh.comments.splice(gh.comments.indexOf(c), 1);
    return { status: 204 };
  }
  m = new RegExp(`^${BASE}/pulls/(\\d+)/comments$`).exec(r.path);
  if (m && r.method === 'GET') {
    const list = Number(query.get('page') ?? '1') > 1 ? [] : gh.reviewComments.filter((x) => x.pull === Number(m![1]));
    return { status: 200, json: list.map(({ pull: _p, review, ...x }) => ({ ...x, pull_request_review_id: review })) };
  }
  m = new RegExp(`^${BASE}/pulls/(\\d+)/reviews$`).exec(r.path);
  if (m && r.method === 'POST') {
    if (gh.noReviews) return { status: 403, json: FORBIDDEN };
    const comments = (r.body?.comments ?? []) as Array<Record<string, unknown>>;
    // GitHub's answer for a line outside the diff: the whole review is refused.
    const outside = comments.some((x) => {
      const lines = gh.diff.get(String(x.path));
      const first = Number(x.start_line ?? x.line);
      return lines !== undefined && [...Array(Number(x.line) - first + 1).keys()].some((i) => !lines.has(first + i));
    });
    if (outside) return { status: 422, json: { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff and Pull request review thread start line must be part of the same hunk as the line.'], status: '422' } };
    const review: Review = { id: gh.nextId++, pull: Number(m[1]), commit_id: String(r.body?.commit_id), event: String(r.body?.event), body: String(r.body?.body) };
    gh.reviews.push(review);
    for (const x of comments) {
      gh.reviewComments.push({
        id: gh.nextId++,
        pull: review.pull,
        review: review.id,
        path: String(x.path),
        line: Number(x.line),
        start_line: x.start_line === undefined ? null : Number(x.start_line),
        side: String(x.side),
        start_side: x.start_side === undefined ? null : String(x.start_side),
        body: String(x.body),
        commit_id: review.commit_id,
      });
    }
    return { status: 200, json: { id: review.id, html_url: `https://github.com/acme/shop/pull/${review.pull}#pullrequestreview-${review.id}`, state: 'COMMENTED' } };
  }
  return { status: 404, json: { message: `Not Found (fake API has no ${r.method} ${r.path})` } };
}

let api: Server;
let apiUrl = '';
beforeAll(async () => {
  api = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://fake');
      const r: Received = { method: req.method ?? '', path: u.pathname, body: raw ? JSON.parse(raw) : undefined, auth: req.headers.authorization };
      gh.received.push(r);
      const a = answer(r, u.searchParams);
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8' }).end(a.json === undefined ? '' : JSON.stringify(a.json));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => api.close(() => r()));
  while (cleanups.length) await cleanups.pop()!();
});
beforeEach(() => {
  Object.assign(gh, { received: [], comments: [], reviews: [], reviewComments: [], readOnly: false, noReviews: false, diff: new Map() });
});
const cleanups: (() => Promise<void>)[] = [];

// ---------------------------------------------------------------------------------------------

const ORDERS = migration("create table orders (id int primary key, created_at timestamptz not null default now());\ninsert into orders (id) values (1), (2);", 'drop table orders;');
const IDX_FILE = 'db/migrations/20260102000000_orders_created_idx.sql';
const IDX = '-- migrate:up\ncreate index orders_created_idx on orders (created_at);\n\n-- migrate:down\ndrop index orders_created_idx;\n';
const IDX_FIXED = '-- migrate:up transaction:false\ncreate index concurrently if not exists orders_created_idx on orders (created_at);\n\n-- migrate:down\ndrop index orders_created_idx;\n';
const NOTE_FILE = 'db/migrations/20260103000000_order_note.sql';
const NOTE = migration('alter table orders add column note text;', 'alter table orders drop column note;');
const SUGGESTION =
  '<!-- db-migrate-action:suggestion rule=require-concurrent-index -->\n' +
  '**`require-concurrent-index`**: CREATE INDEX orders_created_idx on existing table orders without CONCURRENTLY. ' +
  'This change adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker.\n\n' +
  '```suggestion\n-- migrate:up transaction:false\ncreate index concurrently if not exists orders_created_idx on orders (created_at);\n```';

/** A repository checkout with the orders table's migration, applied to a fresh database. */
async function repository(): Promise<{ dir: string; db: string; write(files: Record<string, string>): Promise<void> }> {
  const p = await project({ 'db/migrations/20260101000000_orders.sql': ORDERS });
  cleanups.push(p.cleanup);
  const db = await server().createDatabase();
  const applied = await runPipeline(actionSettings(db, p.dir), { log: recordingLog() });
  expect(applied.status).toBe('success');
  return { dir: p.dir, db, write: p.write };
}

/** The event payload of a push to pull request `number`, as the runner writes it to GITHUB_EVENT_PATH. */
async function pushEvent(dir: string, number: number, headSha: string, headRepo = 'acme/shop'): Promise<PullRequestContext> {
  const path = join(dir, `event-${headSha}.json`);
  await writeFile(path, JSON.stringify({ action: 'synchronize', number, pull_request: { number, head: { sha: headSha, ref: 'feature', repo: { full_name: headRepo } }, base: { ref: 'main', repo: { full_name: 'acme/shop' } } } }));
  const pr = readPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path });
  if (!pr || 'problem' in pr) throw new Error(`unreadable event: ${JSON.stringify(pr)}`);
  return pr;
}

/** Settings of the pull request's preview job: a dry run of `up` on staging with pr-comment on. Every existing table counts as large. */
function previewSettings(repo: { dir: string; db: string }, pr: PullRequestContext | undefined, over: Partial<ActionSettings> = {}): ActionSettings {
  return actionSettings(repo.db, repo.dir, {
    dryRun: true,
    lintLargeTable: { rows: 0, bytes: 0 },
    prComment: pr !== undefined,
    ...(pr ? { pullRequest: pr } : {}),
    githubToken: TOKEN,
    apiUrl,
    run: { repository: 'acme/shop', runUrl: RUN_URL, sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed' },
    ...over,
  });
}

async function preview(repo: { dir: string; db: string }, pr: PullRequestContext | undefined, over: Partial<ActionSettings> = {}): Promise<{ run: ActionRun; log: string[] }> {
  const log = recordingLog();
  const run = await runPipeline(previewSettings(repo, pr, over), { log });
  return { run, log: log.lines };
}

const calls = () => gh.received.map((r) => `${r.method} ${r.path}`);
const outcomeOf = (r: ActionRun) => ({ status: r.status, error: r.error, rows: r.rows, pending: r.pending, lint: r.lint });

describe('the pull-request comment against a local fake GitHub API', () => {
  it('is created once, updated in place on every push (same id), carries each suggestion once, and ends resolved', async () => {
    const repo = await repository();

    // Push 1: an index on an existing table, without CONCURRENTLY.
    await repo.write({ [IDX_FILE]: IDX });
    const first = await preview(repo, await pushEvent(repo.dir, 7, 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'));
    expect(first.run).toMatchObject({ status: 'failed', error: { code: 'DRY_RUN_WOULD_FAIL' } });
    expect(calls()).toEqual([`GET ${BASE}/issues/7/comments`, `GET ${BASE}/pulls/7/comments`, `POST ${BASE}/pulls/7/reviews`, `POST ${BASE}/issues/7/comments`]);
    expect(gh.received.every((r) => r.auth === `token ${TOKEN}`)).toBe(true);
    expect(gh.comments).toHaveLength(1);
    const [comment] = gh.comments;
    const review = gh.reviews[0]!;
    expect(first.run.prComment).toEqual({ action: 'created', url: `https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}` });
    const body1 = comment!.body;
    expect(body1.split('\n').slice(0, 2)).toEqual([MARKER, '### ❌ `up` would fail on `staging`: migration lint failed: 1 finding at or above lint-fail-on: error (1 error, 0 warnings, 1 info in 1 file)']);
    expect(body1).toContain('| `20260102000000` | `20260102000000_orders_created_idx.sql` | transaction | yes |');
    expect(body1).toContain(
      '| ❌ error | `require-concurrent-index` | `20260102000000_orders_created_idx.sql:2` | CREATE INDEX orders_created_idx on existing table orders without CONCURRENTLY (orders: ~',
    );
    expect(body1).toContain(
      `- \`require-concurrent-index\` at \`20260102000000_orders_created_idx.sql:2\`: suggested as a change on the diff ([review](https://github.com/acme/shop/pull/7#pullrequestreview-${review.id})); it adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the \`-- migrate:up\` marker.`,
    );
    expect(body1).toContain('<details><summary>SQL of <code>20260102000000_orders_created_idx.sql</code> (transaction)</summary>\n\n```sql\n-- migrate:up\ncreate index orders_created_idx on orders (created_at);\n```\n\n</details>');
    expect(body1).toContain('<sub>db-migrate-action 0.1.0 · `up` dry run on `staging` · commit `a1a1a1a1a1a1` · [workflow run](https://github.com/acme/shop/actions/runs/4242) · updated on every push</sub>');
    // Never the database's URL or password, nor the token.
    const password = new URL(repo.db).password;
    for (const text of [body1, JSON.stringify(gh.received.map((r) => r.body))]) {
      expect(text).not.toContain('postgres://');
      expect(text).not.toContain(password);
      expect(text).not.toContain(TOKEN);
    }
    // The suggestion: one review on the head commit, GitHub's format, exactly lines 1-2 on the RIGHT side.
    expect(gh.reviews).toEqual([
      {
        id: review.id,
        pull: 7,
        commit_id: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
        event: 'COMMENT',
        body: '<!-- db-migrate-action:review dir=db/migrations -->\n**db-migrate-action** suggests 1 change for lint findings of the migrations; the plan and every finding are in the db-migrate comment of this pull request.',
      },
    ]);
    expect(gh.reviewComments.map(({ id: _id, review: _r, ...c }) => c)).toEqual([
      { pull: 7, path: IDX_FILE, start_line: 1, start_side: 'RIGHT', line: 2, side: 'RIGHT', body: SUGGESTION, commit_id: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1' },
    ]);
    expect(first.run.notes).toContain(`Suggested 1 change on the pull request's diff (require-concurrent-index): https://github.com/acme/shop/pull/7#pullrequestreview-${review.id}`);
    expect(first.run.notes).toContain(`Commented on pull request #7: https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}`);
    expect(first.log).toContain('group Pull-request comment');

    // Push 2: another migration. The same comment is edited; the suggestion is not posted again.
    gh.received = [];
    await repo.write({ [NOTE_FILE]: NOTE });
    const second = await preview(repo, await pushEvent(repo.dir, 7, 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2'));
    expect(calls()).toEqual([`GET ${BASE}/issues/7/comments`, `GET ${BASE}/pulls/7/comments`, `PATCH ${BASE}/issues/comments/${comment!.id}`]);
    expect(gh.comments.map((c) => c.id)).toEqual([comment!.id]);
    expect(second.run.prComment).toEqual({ action: 'updated', url: `https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}` });
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(1);
    const body2 = gh.comments[0]!.body;
    expect(body2).toContain('| `20260103000000` | `20260103000000_order_note.sql` | transaction | yes |');
    expect(body2).toContain('commit `b2b2b2b2b2b2`');
    expect(body2).toContain('suggested as a change on the diff; it adds CONCURRENTLY');

    // Push 3: the suggestion was committed. GitHub marks its comment outdated; lint is clean.
    gh.received = [];
    gh.reviewComments[0]!.line = null;
    await repo.write({ [IDX_FILE]: IDX_FIXED });
    const third = await preview(repo, await pushEvent(repo.dir, 7, 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3'));
    expect(third.run.status).toBe('dry-run');
    expect(calls()).toEqual([`GET ${BASE}/issues/7/comments`, `PATCH ${BASE}/issues/comments/${comment!.id}`]);
    const body3 = gh.comments[0]!.body;
    expect(body3.split('\n').slice(0, 2)).toEqual([MARKER, '### ✅ Merging applies 2 migrations to `staging`']);
    expect(body3).toContain('| `20260102000000` | `20260102000000_orders_created_idx.sql` | `transaction:false` (not atomic) | yes |');
    expect(body3).toContain('**Lint:** nothing to fix (0 errors, 0 warnings, 2 info in 2 files; the job summary lists them).');
    expect(gh.reviews).toHaveLength(1);

    // Merged and deployed: nothing is pending any more, and the comment says so, in place.
    expect((await runPipeline(actionSettings(repo.db, repo.dir), { log: recordingLog() })).applied).toEqual(['20260102000000', '20260103000000']);
    gh.received = [];
    const resolved = await preview(repo, await pushEvent(repo.dir, 7, 'd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4'));
    expect(resolved.run.status).toBe('dry-run');
    expect(resolved.run.prComment).toEqual({ action: 'updated', url: `https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}` });
    expect(gh.comments).toEqual([
      {
        id: comment!.id,
        issue: 7,
        body: [
          MARKER,
          '### ✅ Nothing pending',
          '',
          'No migration of `db/migrations` is pending on `staging`, and lint found nothing to fix: merging applies nothing.',
          '',
          '---',
          '<sub>db-migrate-action 0.1.0 · `up` dry run on `staging` · commit `d4d4d4d4d4d4` · [workflow run](https://github.com/acme/shop/actions/runs/4242) · updated on every push</sub>',
        ].join('\n'),
      },
    ]);
    expect(resolved.run.notes).toContain(`Updated the comment on pull request #7 (nothing pending any more): https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}`);

    // The same run again changes nothing on GitHub.
    gh.received = [];
    const again = await preview(repo, await pushEvent(repo.dir, 7, 'd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4'));
    expect(again.run.prComment).toEqual({ action: 'unchanged', url: `https://github.com/acme/shop/pull/7#issuecomment-${comment!.id}` });
    expect(calls()).toEqual([`GET ${BASE}/issues/7/comments`]);
  });

  it('with a read-only token: the run\'s outcome is unchanged, and the warning is in the run and its summary', async () => {
    const repo = await repository();
    await repo.write({ [IDX_FILE]: IDX });
    const { run: baseline } = await preview(repo, undefined);
    gh.readOnly = true;
    const { run } = await preview(repo, await pushEvent(repo.dir, 8, 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5'));
    expect(outcomeOf(run)).toEqual(outcomeOf(baseline));
    expect(run.status).toBe('failed');
    const warning =
      'pr-comment: the token cannot write pull-request comments (GitHub answered 403: Resource not accessible by integration; give the job `permissions: pull-requests: write`; pull requests from forks get a read-only GITHUB_TOKEN): the plan is in this job summary. The run\'s outcome is unchanged.';
    expect(run.warnings).toEqual([...baseline.warnings, warning]);
    expect(run.prComment).toEqual({ action: 'failed', reason: 'GitHub answered 403: Resource not accessible by integration' });
    expect(renderSummary(run)).toContain('pr-comment: the token cannot write pull-request comments');
    expect(calls()).toEqual([`GET ${BASE}/issues/8/comments`, `GET ${BASE}/pulls/8/comments`, `POST ${BASE}/pulls/8/reviews`, `POST ${BASE}/issues/8/comments`]);
    expect(gh.comments).toEqual([]);
  });

  it('a pull request from a fork: its read-only token is named in the warning, and the run carries on', async () => {
    const repo = await repository();
    await repo.write({ [NOTE_FILE]: NOTE });
    gh.readOnly = true;
    const pr = await pushEvent(repo.dir, 9, 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6', 'alice/shop');
    expect(pr).toEqual({ event: 'pull_request', number: 9, headSha: 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6', headRepo: 'alice/shop', baseRepo: 'acme/shop', fork: true });
    const { run } = await preview(repo, pr);
    expect(run.status).toBe('dry-run');
    expect(run.rows.map((r) => [r.version, r.status])).toEqual([['20260103000000', 'would-apply']]);
    expect(run.warnings).toEqual([
      'pr-comment: the token cannot write pull-request comments (GitHub answered 403: Resource not accessible by integration; pull request #9 comes from the fork alice/shop, and forks get a read-only GITHUB_TOKEN; a pull request of the repository itself needs a job with `permissions: pull-requests: write`): the plan is in this job summary. The run\'s outcome is unchanged.',
    ]);
    expect(run.prComment?.action).toBe('failed');
    expect(calls()).toEqual([`GET ${BASE}/issues/9/comments`, `POST ${BASE}/issues/9/comments`]);
  });

  it('a suggestion on lines outside the diff (GitHub answers 422) is shown in the comment as a diff instead', async () => {
    const repo = await repository();
    await repo.write({ [IDX_FILE]: IDX });
    // The pull request changed only line 2 of the file: the marker on line 1 is not in the diff.
    gh.diff.set(IDX_FILE, new Set([2]));
    const { run } = await preview(repo, await pushEvent(repo.dir, 10, '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a'));
    expect(calls()).toEqual([`GET ${BASE}/issues/10/comments`, `GET ${BASE}/pulls/10/comments`, `POST ${BASE}/pulls/10/reviews`, `POST ${BASE}/issues/10/comments`]);
    expect(gh.reviews).toEqual([]);
    expect(run.prComment?.action).toBe('created');
    expect(gh.comments[0]!.body).toContain(
      [
        '- `require-concurrent-index` at `20260102000000_orders_created_idx.sql:2`: this change adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker (lines 1–2):',
        '',
        '  ```diff',
        '  --- migrate:up',
        '  +-- migrate:up transaction:false',
        '  -create index orders_created_idx on orders (created_at);',
        '  +create index concurrently if not exists orders_created_idx on orders (created_at);',
        '  ```',
      ].join('\n'),
    );
    expect(run.notes).toContain("1 suggested change could not be placed on the diff (lines outside the pull request's changes): shown in the pull-request comment.");
    expect(run.warnings).toEqual([]);
  });

  it('a token that can comment but not review: the comment carries the fixes, and a warning says why', async () => {
    const repo = await repository();
    await repo.write({ [IDX_FILE]: IDX });
    gh.noReviews = true;
    const { run } = await preview(repo, await pushEvent(repo.dir, 11, '1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b'));
    expect(run.prComment?.action).toBe('created');
    expect(gh.comments[0]!.body).toContain('  +create index concurrently if not exists orders_created_idx on orders (created_at);');
    expect(run.warnings).toEqual([
      'pr-comment: the token cannot create review comments (GitHub answered 403: Resource not accessible by integration; the job needs `permissions: pull-requests: write`), so the suggested changes are shown in the pull-request comment instead.',
    ]);
  });

  it('nothing pending on a pull request that never had a comment: none is opened', async () => {
    const repo = await repository();
    const { run } = await preview(repo, await pushEvent(repo.dir, 12, '2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c'), { command: 'plan', dryRun: false });
    expect(run.status).toBe('dry-run');
    expect(run.prComment).toEqual({ action: 'skipped', reason: 'nothing pending and nothing to fix' });
    expect(calls()).toEqual([`GET ${BASE}/issues/12/comments`]);
    expect(run.warnings).toEqual([]);
  });

  it('verify: the verdict is in the comment', async () => {
    const repo = await repository();
    await repo.write({ [NOTE_FILE]: NOTE });
    const { run } = await preview(repo, await pushEvent(repo.dir, 13, '3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d'), { command: 'verify', dryRun: false });
    expect([run.status, run.error]).toEqual(['success', undefined]);
    const body = gh.comments[0]!.body;
    expect(body.split('\n').slice(0, 2)).toEqual([MARKER, '### ✅ Verify OK: 2 migration(s) applied, rolled back and re-applied; every down undoes its up']);
    expect(body).toContain('#### Verify\n\n✅ Verify OK: 2 migration(s) applied, rolled back and re-applied; every down undoes its up');
    expect(body).toContain('`verify` on `staging`');
  });

  it('command lint (no database): the findings and their suggestion, through the same client', async () => {
    // `orders` is created by the first file, which lint (offline, every file as one plan) sees as new: the index is on a table the files do not create.
    const p = await project({ 'db/migrations/20260101000000_orders.sql': ORDERS, [IDX_FILE]: IDX.replace(/orders/g, 'customers') });
    cleanups.push(p.cleanup);
    const pr = await pushEvent(p.dir, 14, '4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e');
    const { target: _t, urlSource: _u, ...rest } = previewSettings({ dir: p.dir, db: 'postgres://u@localhost/x' }, pr, { dryRun: false });
    const s: LintSettings = { ...rest, command: 'lint' };
    const run = await runLintCommand(s, { log: recordingLog() });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'LINT_FAILED' }, prComment: { action: 'created' } });
    expect(gh.comments[0]!.body.split('\n')[1]).toBe('### ❌ Lint failed: 1 finding at or above lint-fail-on: error (1 error, 0 warnings, 2 info in 2 files)');
    expect(gh.reviewComments.map((c) => [c.path, c.start_line, c.line])).toEqual([[IDX_FILE, 1, 2]]);
    expect(gh.reviewComments[0]!.body).toContain('```suggestion\n-- migrate:up transaction:false\ncreate index concurrently if not exists customers_created_idx on customers (created_at);\n```');
  });
});
