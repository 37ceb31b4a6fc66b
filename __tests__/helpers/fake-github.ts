/**
 * A local HTTP server posing as the GitHub REST API under a GHES-style `/api/v3` prefix, for tests
 * of the real client (Octokit on Node's fetch, no nock): it records every request and answers from
 * the routes a test sets.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface FakeRequest {
  method: string;
  /** Path after the prefix, query included, e.g. `/repos/o/r/issues/7/comments?per_page=100&page=2`. */
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
}

/** An answer: `json` is sent as the body unless the status is 204. */
export interface FakeAnswer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

/** Answers by `METHOD path` (path as in {@link FakeRequest.path}); a missing route answers 404. */
export type FakeRoutes = Record<string, (req: FakeRequest, nth: number) => FakeAnswer>;

export interface FakeGitHub {
  /** What `GITHUB_API_URL` would be: `http://127.0.0.1:<port>/api/v3`. */
  readonly apiUrl: string;
  /** Every request since the last {@link FakeGitHub.reset}. */
  readonly received: FakeRequest[];
  /** `METHOD path` of each received request. */
  requests(): string[];
  /** Forget what was received and answer from `routes` from now on. */
  reset(routes?: FakeRoutes): void;
  close(): Promise<void>;
}

const PREFIX = '/api/v3';

/** Start the fake API on 127.0.0.1 (a free port). */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  let routes: FakeRoutes = {};
  const received: FakeRequest[] = [];
  /** How many times each route was hit, for answers that change (a 503, then a 200). */
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      const path = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url;
      const r: FakeRequest = { method: req.method ?? '', path, headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
      received.push(r);
      const key = `${r.method} ${r.path}`;
      const nth = (hits.get(key) ?? 0) + 1;
      hits.set(key, nth);
      const route = routes[key];
      const answer = route ? route(r, nth) : { status: 404, json: { message: `Not Found (the fake API has no route ${key})` } };
      if (answer.status === 204) {
        res.writeHead(204, answer.headers);
        res.end();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}`;
  return {
    apiUrl,
    received,
    requests: () => received.map((r) => `${r.method} ${r.path}`),
    reset(next = {}) {
      routes = next;
      received.length = 0;
      hits.clear();
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A `link` header as GitHub sends it, pointing at page `next` (and `last`) of `path`. */
export function nextPageLink(apiUrl: string, path: string, next: number, last: number): string {
  const at = (page: number) => `<${apiUrl}${path}?per_page=100&page=${page}>`;
  return `${at(next)}; rel="next", ${at(last)}; rel="last"`;
}
