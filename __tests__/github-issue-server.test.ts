/**
 * The real issue client end to end, with no nock in this file: Octokit from @actions/github on
 * Node's own fetch, talking HTTP to a local server that poses as the GitHub REST API at
 * `apiUrl` (what `GITHUB_API_URL` gives on a runner; here with a GHES-style `/api/v3` prefix).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssueClient } from '../src/github/issue-client.js';
import { renderIssue, reportFailure, type IssueFacts } from '../src/github/issue.js';

const TOKEN = 'ghs_ServerTestToken987654321';
const CANARY = 'S3cr3t-Canary-9z';
const PREFIX = '/api/v3';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the fake API answers: by `METHOD path` (path without the prefix, query included). */
type Routes = Record<string, (req: Received) => { status: number; json: unknown; headers?: Record<string, string> }>;

let server: Server;
let apiUrl: string;
let received: Received[];
let routes: Routes;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').startsWith(PREFIX) ? (req.url ?? '').slice(PREFIX.length) : (req.url ?? '');
      const r: Received = { method: req.method ?? '', path, headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
      received.push(r);
      const route = routes[`${r.method} ${r.path}`];
      const answer = route ? route(r) : { status: 404, json: { message: 'Not Found (fake API has no such route)' } };
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  received = [];
  routes = {};
});

function facts(): IssueFacts {
  return {
    environment: 'production',
    command: 'up',
    status: 'rolled-back',
    database: `postgres://deploy:${CANARY}@db.internal:5432/shop`,
    error: {
      message: `relation "orders" does not exist (while connected to postgres://deploy:${CANARY}@db.internal/shop)`,
      file: 'db/migrations/20260102090000_add_orders_index.sql',
      line: 3,
      column: 14,
      version: '20260102090000',
      sqlstate: '42P01',
      statement: 'CREATE INDEX orders_created_idx ON orders (created_at);',
    },
    applied: ['20260101080000'],
    rolledBack: ['20260101080000'],
    backup: { path: '/tmp/db-backups/production.dump', restoreCommand: 'pg_restore --clean --if-exists -d "$DATABASE_URL" /tmp/db-backups/production.dump' },
    runUrl: 'https://github.com/acme/shop/actions/runs/4242',
    actor: 'octocat',
    commit: '0123456789abcdef0123456789abcdef01234567',
    durationMs: 2_500,
    secrets: [CANARY],
  };
}

/** The real client: no fetch injected, so it runs on globalThis.fetch (undici inside Node). */
const realClient = () =>
  createIssueClient({ token: TOKEN, owner: 'acme', repo: 'shop', apiUrl, retry: { retries: 1, waitUnitMs: 1 } });

const SEARCH = '/repos/acme/shop/issues?state=open&labels=db-migration%2Cincident%2Cenv%3Aproduction';

function expectGitHubHeaders(r: Received) {
  expect(r.headers.authorization).toBe(`token ${TOKEN}`);
  expect(r.headers.accept).toBe('application/vnd.github.v3+json');
  expect(r.headers['user-agent']).toMatch(/^db-migrate-action\/\d+\.\d+\.\d+ octokit-core\.js\//);
  if (r.method === 'POST') expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
}

describe('issue client against a local fake GitHub API (no nock)', () => {
  it('opens the issue: search, label lookup and creation, create, with the exact bodies', async () => {
    routes = {
      [`GET ${SEARCH}`]: () => ({ status: 200, json: [] }),
      'GET /repos/acme/shop/labels/db-migration': () => ({ status: 200, json: { name: 'db-migration' } }),
      'GET /repos/acme/shop/labels/incident': () => ({ status: 200, json: { name: 'incident' } }),
      'GET /repos/acme/shop/labels/env%3Aproduction': () => ({ status: 404, json: { message: 'Not Found' } }),
      'POST /repos/acme/shop/labels': (r) => ({ status: 201, json: r.body }),
      'POST /repos/acme/shop/issues': () => ({ status: 201, json: { number: 42, html_url: 'https://github.com/acme/shop/issues/42' } }),
    };

    const result = await reportFailure(realClient(), facts(), { labels: ['db-migration', 'incident'], environment: 'production' });

    expect(result).toEqual({ action: 'created', number: 42, url: 'https://github.com/acme/shop/issues/42', issueUrl: 'https://github.com/acme/shop/issues/42' });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${SEARCH}`,
      'GET /repos/acme/shop/labels/db-migration',
      'GET /repos/acme/shop/labels/incident',
      'GET /repos/acme/shop/labels/env%3Aproduction',
      'POST /repos/acme/shop/labels',
      'POST /repos/acme/shop/issues',
    ]);
    received.forEach(expectGitHubHeaders);
    expect(received[4].body).toEqual({
      name: 'env:production',
      color: '0e8a16',
      description: 'Environment of a failed database migration (db-migrate-action)',
    });
    const issue = received[5].body as { title: string; body: string; labels: string[] };
    expect(issue).toEqual({
      title: 'Database migration failed: production',
      labels: ['db-migration', 'incident', 'env:production'],
      body: renderIssue(facts()).body,
    });
    expect(issue.body).toContain('The `up` run failed at `db/migrations/20260102090000_add_orders_index.sql` line 3, column 14 with SQLSTATE `42P01`.');
    expect(JSON.stringify(received)).not.toContain(CANARY);
  });

  it('dedupes: comments on the open issue with the same labels, and opens nothing', async () => {
    routes = {
      [`GET ${SEARCH}`]: () => ({
        status: 200,
        json: [
          { number: 9, html_url: 'https://github.com/acme/shop/pull/9', pull_request: { url: 'x' } },
          { number: 7, html_url: 'https://github.com/acme/shop/issues/7' },
        ],
      }),
      'POST /repos/acme/shop/issues/7/comments': () => ({ status: 201, json: { id: 1, html_url: 'https://github.com/acme/shop/issues/7#issuecomment-1' } }),
    };

    const result = await reportFailure(realClient(), facts(), { labels: ['db-migration', 'incident'], environment: 'production' });

    expect(result).toEqual({
      action: 'commented',
      number: 7,
      url: 'https://github.com/acme/shop/issues/7#issuecomment-1',
      issueUrl: 'https://github.com/acme/shop/issues/7',
    });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${SEARCH}`, 'POST /repos/acme/shop/issues/7/comments']);
    received.forEach(expectGitHubHeaders);
    expect(received[1].body).toEqual({ body: renderIssue(facts()).body });
    expect(JSON.stringify(received)).not.toContain(CANARY);
  });

  it('a 503 then 201 from the server is retried over the real fetch path', async () => {
    let calls = 0;
    routes = {
      'POST /repos/acme/shop/issues/7/comments': () =>
        ++calls === 1 ? { status: 503, json: { message: 'Service Unavailable' } } : { status: 201, json: { id: 2, html_url: 'https://github.com/acme/shop/issues/7#issuecomment-2' } },
    };
    await expect(realClient().comment(7, 'again')).resolves.toEqual({ id: 2, url: 'https://github.com/acme/shop/issues/7#issuecomment-2' });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/shop/issues/7/comments', 'POST /repos/acme/shop/issues/7/comments']);
  });

  it('an unreachable API ends as a warning, not an exception', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createIssueClient({ token: TOKEN, owner: 'acme', repo: 'shop', apiUrl: `http://127.0.0.1:${port}`, retry: { retries: 1, waitUnitMs: 1 } });
    const result = await reportFailure(client, facts(), { labels: ['db-migration'], environment: 'production' });
    expect(result).toHaveProperty('warning');
    const warning = (result as { warning: string }).warning;
    expect(warning).toMatch(/^No issue was opened for the failed migration: GET \/repos\/acme\/shop\/issues: GitHub API unreachable: .*\(gave up after 2 attempts\)/);
    expect(warning).not.toContain(TOKEN);
  });
});
