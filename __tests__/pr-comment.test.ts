import { describe, it, expect } from '@jest/globals';
import {
  isPrComment,
  isResolved,
  MAX_COMMENT_CHARS,
  prCommentMarker,
  renderPrComment,
  renderSuggestion,
  type PrCommentFacts,
  type PrFinding,
} from '../src/github/pr-comment.js';
import { readPullRequest } from '../src/github/pr-context.js';
import { prComment, wantsPrComment, type PrCommentContext } from '../src/action/steps/pr-comment.js';
import { GitHubApiError } from '../src/github/issue-client.js';
import { actionRun, actionSettings, recordingLog } from './helpers/action.js';

const IDX: PrFinding = {
  rule: 'require-concurrent-index',
  severity: 'error',
  file: 'db/migrations/20260102000000_orders_created_idx.sql',
  line: 2,
  column: 1,
  message: 'CREATE INDEX orders_created_idx on existing table orders without CONCURRENTLY',
  fix: 'Use CREATE INDEX CONCURRENTLY in its own migration marked `-- migrate:up transaction:false` (and DROP INDEX CONCURRENTLY IF EXISTS in its down).',
  size: 'orders: ~12 M rows, 3.1 GiB',
  path: 'db/migrations/20260102000000_orders_created_idx.sql',
  rewrite: {
    startLine: 1,
    endLine: 2,
    before: ['-- migrate:up', 'create index orders_created_idx on orders (created_at);'],
    after: ['-- migrate:up transaction:false', 'create index concurrently if not exists orders_created_idx on orders (created_at);'],
    summary: 'adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker',
    suggested: true,
    url: 'https://github.com/acme/shop/pull/7#pullrequestreview-9',
  },
};
const MISSING_DOWN: PrFinding = {
  rule: 'missing-down',
  severity: 'warning',
  file: 'db/migrations/20260101000000_order_note.sql',
  line: 4,
  column: 1,
  message: 'the down section is empty: this migration cannot be rolled back',
  fix: 'Write the SQL that undoes the up section below `-- migrate:down` (DROP … IF EXISTS for what up creates).',
  direction: 'down',
};

function facts(over: Partial<PrCommentFacts> = {}): PrCommentFacts {
  return {
    dirs: ['db/migrations'],
    environment: 'staging',
    command: 'up',
    error: {
      message: 'up would fail before applying anything: migration lint failed: 1 finding at or above lint-fail-on: error (1 error, 1 warning in 2 files)',
      code: 'DRY_RUN_WOULD_FAIL',
    },
    wouldFail: ['up would fail before applying anything: migration lint failed: 1 finding at or above lint-fail-on: error (1 error, 1 warning in 2 files)'],
    rows: [
      { version: '20260101000000', file: 'db/migrations/20260101000000_order_note.sql', status: 'would-apply', transaction: true, sql: '-- migrate:up\nalter table orders add column note text;\n\n' },
      { version: '20260102000000', file: 'db/migrations/20260102000000_orders_created_idx.sql', status: 'would-apply', transaction: true, sql: '-- migrate:up\ncreate index orders_created_idx on orders (created_at);\n\n' },
    ],
    lint: { tally: '1 error, 1 warning, 1 info in 2 files', failOn: 'error' },
    findings: [IDX, MISSING_DOWN, { ...MISSING_DOWN, rule: 'down-drop-if-exists', severity: 'info', message: 'DROP without IF EXISTS' }],
    headSha: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://github.com/acme/shop/actions/runs/42',
    toolVersion: '0.1.0',
    ...over,
  };
}

describe('the pull-request comment', () => {
  it('says what merging does and what to fix: outcome, plan, findings and fixes, SQL collapsed, footer', () => {
    expect(renderPrComment(facts())).toBe(
      [
        '<!-- db-migrate-action:pr-comment dir=db/migrations -->',
        '### ❌ `up` would fail on `staging`: migration lint failed: 1 finding at or above lint-fail-on: error (1 error, 1 warning in 2 files)',
        '',
        '| Version | File | Mode | Applies |',
        '|---|---|---|---|',
        '| `20260101000000` | `20260101000000_order_note.sql` | transaction | yes |',
        '| `20260102000000` | `20260102000000_orders_created_idx.sql` | transaction | yes |',
        '',
        '#### Lint: 1 error, 1 warning, 1 info in 2 files (not listed here: 1 info; see the job summary)',
        '',
        '| Severity | Rule | Where | Finding |',
        '|---|---|---|---|',
        '| ❌ error | `require-concurrent-index` | `20260102000000_orders_created_idx.sql:2` | CREATE INDEX orders_created_idx on existing table orders without CONCURRENTLY (orders: ~12 M rows, 3.1 GiB) |',
        '| ⚠️ warning | `missing-down` | `20260101000000_order_note.sql:4` (down) | the down section is empty: this migration cannot be rolled back |',
        '',
        '**How to fix**',
        '',
        '- `require-concurrent-index` at `20260102000000_orders_created_idx.sql:2`: suggested as a change on the diff ([review](https://github.com/acme/shop/pull/7#pullrequestreview-9)); it adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker.',
        '- `missing-down` at `20260101000000_order_note.sql:4` (down): Write the SQL that undoes the up section below `-- migrate:down` (DROP … IF EXISTS for what up creates).',
        '',
        '<details><summary>SQL of <code>20260101000000_order_note.sql</code> (transaction)</summary>',
        '',
        '```sql',
        '-- migrate:up',
        'alter table orders add column note text;',
        '```',
        '',
        '</details>',
        '',
        '<details><summary>SQL of <code>20260102000000_orders_created_idx.sql</code> (transaction)</summary>',
        '',
        '```sql',
        '-- migrate:up',
        'create index orders_created_idx on orders (created_at);',
        '```',
        '',
        '</details>',
        '',
        '---',
        '<sub>db-migrate-action 0.1.0 · `up` dry run on `staging` · commit `0123456789ab` · [workflow run](https://github.com/acme/shop/actions/runs/42) · updated on every push</sub>',
      ].join('\n'),
    );
  });

  it('a rewrite GitHub did not take as a suggestion is shown as a diff of exactly its lines', () => {
    const body = renderPrComment(facts({ findings: [{ ...IDX, rewrite: { ...IDX.rewrite!, suggested: false, url: undefined } }] }));
    expect(body).toContain(
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
  });

  it('one line at the top for every kind of run', () => {
    const top = (over: Partial<PrCommentFacts>) => renderPrComment(facts(over)).split('\n')[1];
    const ok = { error: undefined, wouldFail: undefined };
    expect(top({ ...ok, findings: [] })).toBe('### ✅ Merging applies 2 migrations to `staging`');
    expect(top({ ...ok, findings: [MISSING_DOWN], lint: { tally: '0 errors, 1 warning in 2 files', failOn: 'error' } })).toBe(
      '### ✅ Merging applies 2 migrations to `staging` · ⚠️ lint: 0 errors, 1 warning in 2 files',
    );
    expect(top({ ...ok, rows: [{ version: '3', file: 'db/migrations/3_a.sql', status: 'would-apply' }], findings: [] })).toBe('### ✅ Merging applies 1 migration to `staging`');
    expect(top({ error: { message: 'could not connect to db.example.com:5432: connection refused', code: 'CONNECT_FAILED' }, wouldFail: undefined, rows: [], findings: [] })).toBe(
      '### ❌ The dry run of `up` on `staging` failed: could not connect to db.example.com:5432: connection refused',
    );
    expect(top({ error: { message: 'database app does not exist: up would fail (the action never creates a production database)', code: 'DRY_RUN_WOULD_FAIL' }, environment: 'production' })).toBe(
      '### ❌ `up` would fail on `production`: database app does not exist: up would fail (the action never creates a production database)',
    );
    expect(top({ command: 'verify', ...ok, rows: [], findings: [], lint: undefined, verify: { ok: true, verdict: 'Verify OK: 3 migration(s) applied, rolled back and re-applied; every down undoes its up\n' } })).toBe(
      '### ✅ Verify OK: 3 migration(s) applied, rolled back and re-applied; every down undoes its up',
    );
    const bad = 'Verify FAILED: the down section of db/migrations/2_b.sql (version 2) does not undo its up.';
    expect(top({ command: 'verify', error: { message: bad, code: 'VERIFY_FAILED' }, rows: [], findings: [], lint: undefined, verify: { ok: false, verdict: `${bad}\nSchema before its up (-) vs after its down (+):\n-a\n+b\n` } })).toBe(`### ❌ ${bad}`);
    expect(top({ command: 'lint', ...ok, rows: [], findings: [MISSING_DOWN], lint: { tally: '0 errors, 1 warning in 2 files', failOn: 'error' } })).toBe(
      '### ⚠️ Lint: 0 errors, 1 warning in 2 files (below lint-fail-on: error)',
    );
    expect(top({ command: 'lint', error: { message: 'migration lint failed: 1 finding at or above lint-fail-on: error (1 error, 0 warnings in 2 files)', code: 'LINT_FAILED' }, rows: [] })).toBe(
      '### ❌ Lint failed: 1 finding at or above lint-fail-on: error (1 error, 0 warnings in 2 files)',
    );
  });

  it('lists every reason a dry run found, and the verify verdict with its diff collapsed', () => {
    const two = renderPrComment(facts({ wouldFail: ['up would fail before applying anything: lint', 'the backup would fail: no pg_dump 18'] }));
    expect(two).toContain('Why `up` would fail:\n\n- up would fail before applying anything: lint\n- the backup would fail: no pg_dump 18\n');
    const bad = 'Verify FAILED: the down section of db/migrations/2_b.sql (version 2) does not undo its up.';
    const v = renderPrComment(facts({ command: 'verify', error: { message: bad, code: 'VERIFY_FAILED' }, wouldFail: undefined, rows: [], findings: [], lint: undefined, verify: { ok: false, verdict: `${bad}\nSchema before its up (-) vs after its down (+):\n-create table b ();\n` } }));
    expect(v).toContain(`#### Verify\n\n❌ ${bad}\n\n<details><summary>Details</summary>\n\n\`\`\`diff\nSchema before its up (-) vs after its down (+):\n-create table b ();\n\`\`\`\n\n</details>`);
    expect(v).toContain('`verify` on `staging`');
  });

  it('stays readable: clipped cells, escaped pipes and HTML, no @mention, and within GitHub\'s size with huge SQL', () => {
    const long: PrFinding = { ...MISSING_DOWN, message: `x | <b>y</b> @octocat ${'z'.repeat(400)}` };
    const body = renderPrComment(facts({ findings: [long] }));
    const row = body.split('\n').find((l) => l.startsWith('| ⚠️ warning'))!;
    expect(row).toContain('x \\| &lt;b&gt;y&lt;/b&gt; @\u200boctocat zzz');
    expect(row.length).toBeLessThan(260);
    expect(body.split('\n').filter((l) => l.startsWith('|')).every((l) => l.length < 260)).toBe(true);

    const rows = Array.from({ length: 40 }, (_, i) => ({ version: String(i + 1), file: `db/migrations/${i + 1}_big.sql`, status: 'would-apply', transaction: true, sql: `-- migrate:up\n${'select 1;\n'.repeat(2_500)}` }));
    const huge = renderPrComment(facts({ rows, findings: [] }));
    expect(huge.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(huge).toMatch(/\nThe SQL of \d+ more migrations is in the job summary \(this comment has no room for it\)\.\n/);
    expect(huge.endsWith('updated on every push</sub>')).toBe(true);
  });

  it('once nothing is pending and nothing is left to fix: the short resolved comment', () => {
    const done = facts({ error: undefined, wouldFail: undefined, rows: [], findings: [], lint: { tally: 'no problems in 0 files', failOn: 'error' } });
    expect(isResolved(done)).toBe(true);
    expect(renderPrComment(done)).toBe(
      [
        '<!-- db-migrate-action:pr-comment dir=db/migrations -->',
        '### ✅ Nothing pending',
        '',
        'No migration of `db/migrations` is pending on `staging`, and lint found nothing to fix: merging applies nothing.',
        '',
        '---',
        '<sub>db-migrate-action 0.1.0 · `up` dry run on `staging` · commit `0123456789ab` · [workflow run](https://github.com/acme/shop/actions/runs/42) · updated on every push</sub>',
      ].join('\n'),
    );
    // Info findings alone do not keep it open; an error, a pending file or a warning does.
    expect(isResolved({ ...done, findings: [{ ...MISSING_DOWN, severity: 'info' }] })).toBe(true);
    expect(isResolved({ ...done, findings: [MISSING_DOWN] })).toBe(false);
    expect(isResolved({ ...done, error: { message: 'boom' } })).toBe(false);
    expect(isResolved({ ...done, rows: [{ version: '1', file: 'a', status: 'pending' }] })).toBe(false);
  });

  it('is found again by its marker: one per set of migrations directories, never a reply quoting it', () => {
    expect(prCommentMarker(['./db/migrations/'])).toBe('<!-- db-migrate-action:pr-comment dir=db/migrations -->');
    expect(prCommentMarker(['db/migrations', 'db/seeds'])).toBe('<!-- db-migrate-action:pr-comment dir=db/migrations,db/seeds -->');
    // Nothing a directory name holds can end the HTML comment early.
    expect(prCommentMarker(['db/a-->b c'])).toBe('<!-- db-migrate-action:pr-comment dir=db/a-%2D%3Eb%20c -->');
    const marker = prCommentMarker(['db/migrations']);
    expect(isPrComment(`${marker}\n### ✅ Nothing pending`, marker)).toBe(true);
    expect(isPrComment(`> ${marker}\n> ### ✅ Nothing pending\n\nThanks!`, marker)).toBe(false);
    expect(isPrComment(`${prCommentMarker(['db/other'])}\n…`, marker)).toBe(false);
  });

  it('a suggested change in GitHub\'s format: the marker, the finding, and a suggestion block of the replacing lines', () => {
    expect(renderSuggestion({ rule: IDX.rule, message: IDX.message, rewrite: IDX.rewrite! })).toBe(
      [
        '<!-- db-migrate-action:suggestion rule=require-concurrent-index -->',
        '**`require-concurrent-index`**: CREATE INDEX orders_created_idx on existing table orders without CONCURRENTLY. This change adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker.',
        '',
        '```suggestion',
        '-- migrate:up transaction:false',
        'create index concurrently if not exists orders_created_idx on orders (created_at);',
        '```',
      ].join('\n'),
    );
    // SQL holding a fence gets a longer one.
    expect(renderSuggestion({ rule: 'r', message: 'm', rewrite: { after: ['select $$```$$;'], summary: 's' } })).toContain('````suggestion\nselect $$```$$;\n````');
  });
});

describe('the pull request of a run, from the event payload', () => {
  const payload = (pr: unknown) => () => JSON.stringify({ pull_request: pr });
  const pr = { number: 7, head: { sha: 'abc', repo: { full_name: 'acme/shop' } }, base: { repo: { full_name: 'acme/shop' } } };

  it('reads number, head commit and fork from pull_request and pull_request_target events', () => {
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/e.json' }, payload(pr))).toEqual({ event: 'pull_request', number: 7, headSha: 'abc', headRepo: 'acme/shop', baseRepo: 'acme/shop', fork: false });
    const fork = { ...pr, head: { sha: 'def', repo: { full_name: 'alice/shop' } } };
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: '/e.json' }, payload(fork))).toMatchObject({ event: 'pull_request_target', headRepo: 'alice/shop', fork: true });
    // A deleted fork has no head repository.
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/e.json' }, payload({ ...pr, head: { sha: 'x', repo: null } }))).toMatchObject({ headRepo: '', fork: true });
  });

  it('nothing for other events; a problem, not an exception, for a payload it cannot use', () => {
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/e.json' }, payload(pr))).toBeUndefined();
    expect(readPullRequest({})).toBeUndefined();
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request' })).toEqual({ event: 'pull_request', problem: 'GITHUB_EVENT_PATH is not set' });
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/e.json' }, () => '{nope')).toEqual({
      event: 'pull_request',
      problem: expect.stringMatching(/^the event payload \/e\.json could not be read: /),
    });
    expect(readPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/e.json' }, payload({ number: 'x' }))).toEqual({
      event: 'pull_request',
      problem: 'the event payload /e.json names no pull request (pull_request.number and pull_request.head.sha)',
    });
  });
});

describe('which runs keep the comment', () => {
  const pr = { event: 'pull_request' as const, number: 7, headSha: 'abc', headRepo: 'acme/shop', baseRepo: 'acme/shop', fork: false };
  const s = (over: Parameters<typeof actionSettings>[2]) => actionSettings('postgres://u@db.example.com/app', '/w', { prComment: true, pullRequest: pr, ...over });

  it('previews of a pull request: plan, a dry run of up, verify, lint; not runs that change a database, cancelled ones, or with pr-comment off', () => {
    const run = actionRun({ status: 'dry-run' });
    expect(wantsPrComment(s({ command: 'plan' }), run)).toBe(true);
    expect(wantsPrComment(s({ command: 'up', dryRun: true }), run)).toBe(true);
    expect(wantsPrComment(s({ command: 'verify' }), actionRun({ status: 'failed' }))).toBe(true);
    expect(wantsPrComment(s({ command: 'lint' }), actionRun())).toBe(true);
    expect(wantsPrComment(s({ command: 'up' }), actionRun())).toBe(false);
    expect(wantsPrComment(s({ command: 'rollback', dryRun: true }), run)).toBe(false);
    expect(wantsPrComment(s({ command: 'status' }), actionRun())).toBe(false);
    expect(wantsPrComment(s({ command: 'plan' }), actionRun({ status: 'cancelled' }))).toBe(false);
    expect(wantsPrComment(s({ command: 'plan', prComment: false }), run)).toBe(false);
    expect(wantsPrComment(s({ command: 'plan', pullRequest: undefined }), run)).toBe(false);
  });
});

describe('the comment step when it cannot comment: a warning, never a changed outcome', () => {
  const pr = { event: 'pull_request' as const, number: 7, headSha: 'abc', headRepo: 'acme/shop', baseRepo: 'acme/shop', fork: false };
  function ctx(over: Parameters<typeof actionSettings>[2], client?: object): PrCommentContext & { warnings: string[] } {
    const warnings: string[] = [];
    const settings = actionSettings('postgres://u@db.example.com/app', '/w', { command: 'plan', prComment: true, pullRequest: pr, githubToken: 't', run: { repository: 'acme/shop' }, ...over });
    const run = actionRun({ status: 'dry-run', rows: [{ version: '1', file: 'db/migrations/1_a.sql', status: 'would-apply', transaction: true, sql: 'select 1;' }] });
    const createIssueClient = () => {
      if (!client) throw new Error('no GitHub call expected');
      return client as never;
    };
    return { settings, run, log: recordingLog(), warnings, warn: (m) => warnings.push(m), ports: { createIssueClient } };
  }

  it('says why it did not try: an unusable event payload, no repository, no token', async () => {
    const bad = ctx({ pullRequest: { event: 'pull_request', problem: 'GITHUB_EVENT_PATH is not set' } });
    await expect(prComment(bad)).resolves.toEqual({ action: 'skipped', reason: 'GITHUB_EVENT_PATH is not set' });
    expect(bad.warnings).toEqual(["pr-comment: GITHUB_EVENT_PATH is not set, so the pull request was not commented on. The run's outcome is unchanged."]);
    const noRepo = ctx({ run: {} });
    await prComment(noRepo);
    expect(noRepo.warnings).toEqual(["pr-comment: GITHUB_REPOSITORY is not set, so the pull request was not commented on. The run's outcome is unchanged."]);
    const noToken = ctx({ githubToken: '' });
    await expect(prComment(noToken)).resolves.toEqual({ action: 'skipped', reason: 'no github-token' });
    expect(noToken.warnings).toEqual([
      'pr-comment: the github-token input is empty, so the pull request was not commented on (its default is ${{ github.token }}; the job needs `permissions: pull-requests: write`). The plan is in this job summary.',
    ]);
    expect(noToken.run.status).toBe('dry-run');
    expect(noToken.run.prComment).toEqual({ action: 'skipped', reason: 'no github-token' });
  });

  it('an API failure other than a refusal: the API\'s answer in the warning', async () => {
    const err = new GitHubApiError('GET /repos/acme/shop/issues/7/comments: GitHub API answered 502: Bad Gateway (gave up after 4 attempts)', { status: 502, request: 'GET', attempts: 4 });
    const c = ctx({}, { listComments: () => Promise.reject(err) });
    await expect(prComment(c)).resolves.toEqual({ action: 'failed', reason: 'GitHub answered 502: Bad Gateway (gave up after 4 attempts)' });
    expect(c.warnings).toEqual([
      "pr-comment: the comment could not be written: GitHub answered 502: Bad Gateway (gave up after 4 attempts). The plan is in this job summary; the run's outcome is unchanged.",
    ]);
    expect(c.run.status).toBe('dry-run');
  });
});
