/**
 * The comment and review calls of the real GitHub client, end to end against a local fake GitHub
 * REST API (no nock): Octokit from @actions/github with the retry and throttling plugins, on
 * Node's own fetch. Checks what is sent (method, path, body), pagination, and that errors are
 * GitHubApiErrors — a read-only token's 403 at once, a 5xx after a retry.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssueClient, GitHubApiError, type IssueClient } from '../src/github/issue-client.js';
import { nextPageLink, startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';

const TOKEN = 'ghs_ClientServerToken24680';
const READ_ONLY = { status: 403, json: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' } };

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startFakeGitHub();
});
afterAll(() => gh.close());
beforeEach(() => gh.reset());

/** The real client; every wait in 1 ms units, so retries and write pacing cost nothing. */
const client = (): IssueClient => createIssueClient({ token: TOKEN, owner: 'acme', repo: 'shop', apiUrl: gh.apiUrl, retry: { retries: 2, waitUnitMs: 1 } });

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

function comment(id: number, login: string | null, body: string | null = `comment ${id}`) {
  return { id, html_url: `https://github.com/acme/shop/issues/7#issuecomment-${id}`, body, user: login === null ? null : { login }, created_at: '2026-12-01T00:00:00Z' };
}

function reviewComment(id: number, over: Record<string, unknown> = {}) {
  return { id, path: 'db/migrations/1_a.sql', line: 3, start_line: null, body: `note ${id}`, commit_id: 'c0ffee', html_url: `https://github.com/acme/shop/pull/12#discussion_r${id}`, ...over };
}

describe('comments on an issue or pull request', () => {
  it('comment: POSTs the body and resolves to the id and link', async () => {
    gh.reset({ 'POST /repos/acme/shop/issues/7/comments': () => ({ status: 201, json: comment(501, 'github-actions[bot]') }) });
    await expect(client().comment(7, 'hello')).resolves.toEqual({ id: 501, url: 'https://github.com/acme/shop/issues/7#issuecomment-501' });
    expect(gh.requests()).toEqual(['POST /repos/acme/shop/issues/7/comments']);
    expect(gh.received[0].body).toEqual({ body: 'hello' });
    expect(gh.received[0].headers.authorization).toBe(`token ${TOKEN}`);
    expect(gh.received[0].headers['user-agent']).toMatch(/^db-migrate-action\/\d+\.\d+\.\d+ /);
  });

  it('listComments: reads every page (100 a page) in order, following GitHub’s next link', async () => {
    const path = '/repos/acme/shop/issues/7/comments';
    gh.reset({
      [`GET ${path}?per_page=100&page=1`]: () => ({
        status: 200,
        json: [comment(1, 'octocat'), comment(2, 'github-actions[bot]')],
        headers: { link: nextPageLink(gh.apiUrl, path, 2, 2) },
      }),
      // The last page: GitHub links no next one. A deleted account's comment has no user; an empty body is null.
      [`GET ${path}?per_page=100&page=2`]: () => ({ status: 200, json: [comment(3, null, null)] }),
    });
    await expect(client().listComments(7)).resolves.toEqual([
      { id: 1, url: 'https://github.com/acme/shop/issues/7#issuecomment-1', body: 'comment 1', user: 'octocat' },
      { id: 2, url: 'https://github.com/acme/shop/issues/7#issuecomment-2', body: 'comment 2', user: 'github-actions[bot]' },
      { id: 3, url: 'https://github.com/acme/shop/issues/7#issuecomment-3', body: '' },
    ]);
    expect(gh.requests()).toEqual([`GET ${path}?per_page=100&page=1`, `GET ${path}?per_page=100&page=2`]);
  });

  it('listComments: one page and no link is one request; no comments is an empty list', async () => {
    gh.reset({ 'GET /repos/acme/shop/issues/8/comments?per_page=100&page=1': () => ({ status: 200, json: [] }) });
    await expect(client().listComments(8)).resolves.toEqual([]);
    expect(gh.requests()).toHaveLength(1);
  });

  it('updateComment: PATCHes the body of the comment by id', async () => {
    gh.reset({ 'PATCH /repos/acme/shop/issues/comments/501': (r) => ({ status: 200, json: { ...comment(501, 'github-actions[bot]'), body: (r.body as { body: string }).body } }) });
    await expect(client().updateComment(501, 'edited')).resolves.toEqual({ id: 501, url: 'https://github.com/acme/shop/issues/7#issuecomment-501' });
    expect(gh.requests()).toEqual(['PATCH /repos/acme/shop/issues/comments/501']);
    expect(gh.received[0].body).toEqual({ body: 'edited' });
  });

  it('deleteComment: DELETEs the comment by id (204, no body)', async () => {
    gh.reset({ 'DELETE /repos/acme/shop/issues/comments/501': () => ({ status: 204 }) });
    await expect(client().deleteComment(501)).resolves.toBeUndefined();
    expect(gh.requests()).toEqual(['DELETE /repos/acme/shop/issues/comments/501']);
    expect(gh.received[0].body).toBeUndefined();
  });
});

describe('reviews of a pull request', () => {
  it('listReviewComments: reads every page, outdated comments with line null', async () => {
    const path = '/repos/acme/shop/pulls/12/comments';
    gh.reset({
      [`GET ${path}?per_page=100&page=1`]: () => ({
        status: 200,
        json: [reviewComment(11), reviewComment(12, { line: 9, start_line: 7 })],
        headers: { link: nextPageLink(gh.apiUrl, path, 2, 2) },
      }),
      [`GET ${path}?per_page=100&page=2`]: () => ({ status: 200, json: [reviewComment(13, { line: null, path: 'db/migrations/2_b.sql', commit_id: 'beef' })] }),
    });
    await expect(client().listReviewComments(12)).resolves.toEqual([
      { id: 11, path: 'db/migrations/1_a.sql', line: 3, startLine: null, body: 'note 11', commitId: 'c0ffee' },
      { id: 12, path: 'db/migrations/1_a.sql', line: 9, startLine: 7, body: 'note 12', commitId: 'c0ffee' },
      { id: 13, path: 'db/migrations/2_b.sql', line: null, startLine: null, body: 'note 13', commitId: 'beef' },
    ]);
    expect(gh.requests()).toEqual([`GET ${path}?per_page=100&page=1`, `GET ${path}?per_page=100&page=2`]);
  });

  it('createReview: POSTs a COMMENT review whose comments are on the new file (side RIGHT), ranges with start_line', async () => {
    gh.reset({
      'POST /repos/acme/shop/pulls/12/reviews': () => ({ status: 200, json: { id: 77, html_url: 'https://github.com/acme/shop/pull/12#pullrequestreview-77', state: 'COMMENTED' } }),
    });
    const review = {
      commitId: 'c0ffee',
      body: 'Migration lint',
      comments: [
        { path: 'db/migrations/1_a.sql', line: 3, body: 'one line' },
        { path: 'db/migrations/1_a.sql', line: 9, startLine: 7, body: 'lines 7 to 9' },
        // A "range" that starts on its own last line is that line: GitHub would reject start_line ≥ line.
        { path: 'db/migrations/2_b.sql', line: 4, startLine: 4, body: 'line 4' },
      ],
    };
    await expect(client().createReview(12, review)).resolves.toEqual({ id: 77, url: 'https://github.com/acme/shop/pull/12#pullrequestreview-77' });
    expect(gh.requests()).toEqual(['POST /repos/acme/shop/pulls/12/reviews']);
    expect(gh.received[0].body).toEqual({
      commit_id: 'c0ffee',
      body: 'Migration lint',
      event: 'COMMENT',
      comments: [
        { path: 'db/migrations/1_a.sql', line: 3, side: 'RIGHT', body: 'one line' },
        { path: 'db/migrations/1_a.sql', line: 9, side: 'RIGHT', start_line: 7, start_side: 'RIGHT', body: 'lines 7 to 9' },
        { path: 'db/migrations/2_b.sql', line: 4, side: 'RIGHT', body: 'line 4' },
      ],
    });
  });
});

describe('errors of the comment and review calls', () => {
  const calls: Array<[string, string, (c: IssueClient) => Promise<unknown>]> = [
    ['comment', 'POST /repos/acme/shop/issues/7/comments', (c) => c.comment(7, 'x')],
    ['listComments', 'GET /repos/acme/shop/issues/7/comments?per_page=100&page=1', (c) => c.listComments(7)],
    ['updateComment', 'PATCH /repos/acme/shop/issues/comments/501', (c) => c.updateComment(501, 'x')],
    ['deleteComment', 'DELETE /repos/acme/shop/issues/comments/501', (c) => c.deleteComment(501)],
    ['listReviewComments', 'GET /repos/acme/shop/pulls/12/comments?per_page=100&page=1', (c) => c.listReviewComments(12)],
    ['createReview', 'POST /repos/acme/shop/pulls/12/reviews', (c) => c.createReview(12, { commitId: 'c0ffee', body: 'x', comments: [] })],
  ];

  it.each(calls)('%s: a read-only token’s 403 is a GitHubApiError at once (one request, no retry)', async (_name, route, run) => {
    gh.reset({ [route]: () => READ_ONLY });
    const err = await failure(run(client()));
    expect(err).toBeInstanceOf(GitHubApiError);
    const request = route.replace(/\?.*$/, '');
    expect(err).toMatchObject({
      status: 403,
      attempts: 1,
      request,
      message: `${request}: GitHub API answered 403: Resource not accessible by integration - https://docs.github.com/rest`,
    });
    expect(gh.requests()).toEqual([route]);
  });

  it.each(calls)('%s: a 5xx is retried, then the call succeeds', async (_name, route, run) => {
    const ok =
      route.startsWith('GET') ? { status: 200, json: [] } : route.startsWith('DELETE') ? { status: 204 } : { status: 201, json: { id: 1, html_url: 'https://github.com/acme/shop/x' } };
    gh.reset({ [route]: (_r, nth) => (nth === 1 ? { status: 503, json: { message: 'Service Unavailable' } } : ok) });
    await expect(run(client())).resolves.not.toBeInstanceOf(Error);
    expect(gh.requests()).toEqual([route, route]);
  });

  it('a page that keeps failing names its page, and the attempts it took', async () => {
    const path = '/repos/acme/shop/issues/7/comments';
    gh.reset({
      [`GET ${path}?per_page=100&page=1`]: () => ({ status: 200, json: [comment(1, 'octocat')], headers: { link: nextPageLink(gh.apiUrl, path, 2, 2) } }),
      [`GET ${path}?per_page=100&page=2`]: () => ({ status: 502, json: { message: 'Bad Gateway' } }),
    });
    const err = await failure(client().listComments(7));
    expect(err).toMatchObject({
      status: 502,
      attempts: 3,
      request: `GET ${path} (page 2)`,
      message: `GET ${path} (page 2): GitHub API answered 502: Bad Gateway (gave up after 3 attempts)`,
    });
    expect(gh.requests()).toEqual([`GET ${path}?per_page=100&page=1`, ...Array(3).fill(`GET ${path}?per_page=100&page=2`)]);
  });

  it('a body that stalls past the timeout after its headers is a failed attempt, retried, never an empty answer', async () => {
    // The first answer sends its headers and half its JSON, then nothing; the second is whole.
    let n = 0;
    const stalled: (() => void)[] = [];
    const server = createServer((_req, res) => {
      n++;
      const json = JSON.stringify([comment(1, 'octocat')]);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      if (n === 1) {
        res.write(json.slice(0, 10));
        stalled.push(() => res.destroy());
      } else res.end(json);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
      const c = createIssueClient({ token: TOKEN, owner: 'acme', repo: 'shop', apiUrl, timeoutMs: 300, retry: { retries: 2, waitUnitMs: 1 } });
      const comments = await c.listComments(7);
      expect(comments).toEqual([expect.objectContaining({ id: 1, user: 'octocat' })]);
      expect(n).toBe(2);
    } finally {
      for (const end of stalled) end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a 422 from createReview (a line outside the diff) is not retried, and its errors are in the message', async () => {
    gh.reset({
      'POST /repos/acme/shop/pulls/12/reviews': () => ({
        status: 422,
        json: { message: 'Unprocessable Entity', errors: ['Line could not be resolved'], documentation_url: 'https://docs.github.com/rest/pulls/reviews' },
      }),
    });
    const err = await failure(client().createReview(12, { commitId: 'c0ffee', body: 'x', comments: [{ path: 'a.sql', line: 999, body: 'y' }] }));
    expect(err).toMatchObject({ status: 422, attempts: 1 });
    expect((err as Error).message).toBe(
      'POST /repos/acme/shop/pulls/12/reviews: GitHub API answered 422: Unprocessable Entity: "Line could not be resolved" - https://docs.github.com/rest/pulls/reviews',
    );
  });

  it('never puts the token in a message, even when GitHub echoes it', async () => {
    gh.reset({ 'DELETE /repos/acme/shop/issues/comments/5': () => ({ status: 401, json: { message: `Bad credentials: ${TOKEN}` } }) });
    const err = await failure(client().deleteComment(5));
    expect(err).toMatchObject({ status: 401, message: 'DELETE /repos/acme/shop/issues/comments/5: GitHub API answered 401: Bad credentials: ********' });
  });
});
