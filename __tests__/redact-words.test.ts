/**
 * Structure-aware redaction: a password is masked where the text says it is the password (URL
 * userinfo, `password=`, `PGPASSWORD=`), and elsewhere only as a whole token when it is a common
 * word, so `postgres` or `p` as a password no longer mangles the scheme, the user or "port".
 */
import { describe, it, expect } from '@jest/globals';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact, redactDeep } from '../src/engine/redact.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { runCli } from './helpers/cli.js';

const HINT = '  hint: check the host, port, credentials and sslmode of the database URL, and that the server is reachable from here\n';

describe('redact: word-like passwords', () => {
  it('masks only the userinfo password of postgres://postgres:postgres@…', () => {
    const t = parseDatabaseUrl('postgres://postgres:postgres@127.0.0.1:1/app');
    expect(t.redacted).toBe('postgres://postgres:********@127.0.0.1:1/app');
    expect(parseDatabaseUrl('postgres://postgres:postgres@localhost:5432/postgres?application_name=postgres').redacted).toBe(
      'postgres://postgres:********@localhost:5432/postgres?application_name=********',
    );
    expect(redact('cannot connect to postgres://postgres:postgres@127.0.0.1:1/app: connect ECONNREFUSED', t.secrets)).toBe(
      'cannot connect to postgres://postgres:********@127.0.0.1:1/app: connect ECONNREFUSED',
    );
  });

  it('a one-letter password is masked as a token, never inside "port"', () => {
    const t = parseDatabaseUrl('postgres://u:p@h/d');
    expect(redact(HINT, t.secrets)).toBe(HINT);
    const missingDir = '  hint: Create it, or point --migrations-dir (DBMATE_MIGRATIONS_DIR) at the directory that holds your migrations.';
    expect(redact(missingDir, t.secrets)).toBe(missingDir);
    expect(redact('the password was p, and p; (p) p.', t.secrets)).toBe('the password was ********, and ********; (********) ********.');
  });

  it('a common word as the password stays in other words and is masked as a word of its own', () => {
    const secrets = ['secret'];
    expect(redact('secretary of the secrets_table: the secret is secret.', secrets)).toBe('secretary of the secrets_table: the ******** is ********.');
    expect(redact('x-secret-y', secrets)).toBe('x-********-y');
  });

  it('masks the structural places whatever the password is', () => {
    expect(redact('PGPASSWORD=postgres pg_dump -h h; PGPASSWORD="a b" x', [])).toBe('PGPASSWORD=******** pg_dump -h h; PGPASSWORD=******** x');
    expect(redact('host=h user=u password=p port=5432', [])).toBe('host=h user=u password=******** port=5432');
    expect(redact('see postgres://u:p@h:5432/d?sslpassword=k&application_name=p', ['p'])).toBe(
      'see postgres://u:********@h:5432/d?sslpassword=********&application_name=********',
    );
  });

  it('masks percent-encoded forms of a word-like password as tokens too', () => {
    const t = parseDatabaseUrl('postgres://u:pa%20ss@h/d');
    expect(t.secrets).toEqual(['pa ss']);
    expect(redact('got pa%20ss, pa+ss, pa%20SS and pa ss; not spa%20ssx', t.secrets)).toBe('got ********, ********, pa%20SS and ********; not spa%20ssx');
  });

  it('a distinctive password is still masked wherever it occurs, also glued to other text', () => {
    expect(redact('xxS3cr3t-Canary-9zyy and S3cr3t%2DCanary-9z', ['S3cr3t-Canary-9z'])).toBe('xx********yy and S3cr3t%2DCanary-9z');
    expect(redactDeep({ a: ['Zq9xLongPwq'] }, ['Zq9xLongPw'])).toEqual({ a: ['********q'] });
  });
});

describe('redact: long text with a word-like password', () => {
  it('stays linear on a 400k-character run', () => {
    const long = `${'a'.repeat(200_000)} postgres://u:p@h/p p ${'b:/'.repeat(70_000)}`;
    const t0 = Date.now();
    const out = redact(long, ['p']);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(out).toContain(' postgres://u:********@h/p ******** b:/');
  });
});

describe('CLI messages with a word-like password', () => {
  it('cannot connect names the URL readably', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'redact-words-'));
    await mkdir(join(cwd, 'db/migrations'), { recursive: true });
    try {
      const r = await runCli(['--url', 'postgres://postgres:postgres@127.0.0.1:1/app', 'status'], { cwd });
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `Error: cannot connect to postgres://postgres:********@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1\n${HINT}`,
      });
      const p = await runCli(['--url', 'postgres://u:p@127.0.0.1:1/app', 'status'], { cwd });
      expect(p).toEqual({
        code: 2,
        stdout: '',
        stderr: `Error: cannot connect to postgres://u:********@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1\n${HINT}`,
      });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
