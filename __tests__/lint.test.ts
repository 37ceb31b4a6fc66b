import { describe, it, expect, afterEach } from '@jest/globals';
import { lintSource, lintFiles, type Finding } from '../src/lint/index.js';
import { runCli, project, migration } from './helpers/cli.js';

const FILE = 'db/migrations/20240101000000_x.sql';
const DOWN = 'SELECT 1;';

type Opts = { upOptions?: string; downOptions?: string; disabled?: string[]; runner?: 'db-migrate' | 'other' };
async function lint(up: string, down = DOWN, opts: Opts = {}): Promise<Finding[]> {
  return lintSource(migration(up, down, opts), FILE, { disabled: opts.disabled, runner: opts.runner });
}

/** `rule@line:column` of every finding of `rule`. */
async function hits(rule: string, up: string, down = DOWN, opts: Opts = {}): Promise<string[]> {
  return (await lint(up, down, opts)).filter((f) => f.rule === rule).map((f) => `${f.line}:${f.column}`);
}

// Up SQL starts on line 2 (line 1 is `-- migrate:up`).
describe('lint rules: a firing case and a safe case each', () => {
  const cases: Array<{ rule: string; bad: string; at: string[]; safe: string; opts?: Opts; safeOpts?: Opts; down?: string; safeDown?: string }> = [
    {
      rule: 'require-concurrent-index',
      bad: 'SELECT 1;\n  CREATE INDEX users_email ON users (email);',
      at: ['3:3'],
      safe: 'CREATE TABLE users (email text);\nCREATE INDEX users_email ON users (email);',
    },
    {
      rule: 'concurrently-in-transaction',
      bad: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);',
      at: ['2:1'],
      safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);',
      safeOpts: { upOptions: 'transaction:false' },
    },
    {
      rule: 'volatile-default',
      bad: 'ALTER TABLE users\n  ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      at: ['3:25'],
      safe: "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now(), ADD COLUMN kind text DEFAULT 'a';",
    },
    {
      rule: 'set-not-null',
      bad: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      at: ['2:1'],
      safe:
        'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n' +
        'ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n' +
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    },
    {
      rule: 'constraint-not-valid',
      bad: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      at: ['2:24'],
      safe: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    },
    {
      rule: 'column-type-change',
      bad: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
      at: ['2:32'],
      safe: 'ALTER TABLE users ADD COLUMN id_new bigint;',
    },
    {
      rule: 'rename',
      bad: 'ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users RENAME TO people;',
      at: ['2:1', '3:1'],
      safe: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;',
    },
    {
      rule: 'destructive-drop',
      bad: 'ALTER TABLE users DROP COLUMN email;\nDROP TABLE IF EXISTS old_users;',
      at: ['2:1', '3:1'],
      safe: 'CREATE TABLE t (a int);',
    },
    {
      rule: 'down-drop-if-exists',
      bad: 'CREATE TABLE t (a int);',
      down: 'DROP TABLE t;',
      at: ['5:1'],
      safe: 'CREATE TABLE t (a int);',
      safeDown: 'DROP TABLE IF EXISTS t;',
    },
    {
      rule: 'unbounded-dml',
      bad: 'TRUNCATE users;\nDELETE FROM sessions;\nUPDATE users SET active = true;',
      at: ['2:1', '3:1', '4:1'],
      safe: 'DELETE FROM sessions WHERE expires_at < now();\nUPDATE users SET active = true WHERE id < 1000;',
    },
    {
      rule: 'unique-constraint-without-index',
      bad: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      at: ['2:23'],
      safe: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;',
    },
    {
      rule: 'vacuum-full-cluster',
      bad: 'VACUUM FULL users;\nCLUSTER users USING users_pkey;',
      at: ['2:1', '3:1'],
      safe: 'VACUUM ANALYZE users;',
      opts: { upOptions: 'transaction:false' },
    },
    {
      rule: 'non-idempotent-ddl',
      bad: 'CREATE INDEX CONCURRENTLY users_email ON users (email);',
      at: ['2:1'],
      safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);',
      opts: { upOptions: 'transaction:false' },
    },
    {
      rule: 'lock-timeout',
      bad: 'ALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ADD COLUMN note2 text;',
      at: ['2:1'],
      opts: { runner: 'other' },
      safe: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN note text;",
    },
    {
      rule: 'missing-down',
      bad: 'CREATE TABLE t (a int);',
      down: '',
      at: ['4:1'],
      safe: 'CREATE TABLE t (a int);',
      safeDown: 'DROP TABLE IF EXISTS t;',
    },
    {
      rule: 'parse-error',
      bad: 'CREATE TABLE t (a int;\n',
      at: ['2:22'],
      safe: 'CREATE TABLE t (a int);',
    },
  ];

  for (const c of cases) {
    it(`${c.rule}: fires`, async () => {
      expect(await hits(c.rule, c.bad, c.down ?? DOWN, c.opts)).toEqual(c.at);
    });
    it(`${c.rule}: safe SQL passes`, async () => {
      expect(await hits(c.rule, c.safe, c.safeDown ?? DOWN, c.safeOpts ?? c.opts)).toEqual([]);
    });
  }

  it('a finding carries severity, message, why and fix', async () => {
    const [f] = (await lint('CREATE INDEX i ON users (email);')).filter((x) => x.rule === 'require-concurrent-index');
    expect(f).toMatchObject({ severity: 'error', file: FILE, line: 2, column: 1 });
    expect(f!.message).toContain('users');
    expect(f!.fix).toContain('CONCURRENTLY');
    expect(f!.why).toMatch(/lock/);
  });

  it('counts columns in characters after non-ASCII text', async () => {
    expect(await hits('require-concurrent-index', "SELECT 'héllo'; CREATE INDEX i ON users (email);")).toEqual(['2:17']);
  });

  it('positions in the down section are file lines', async () => {
    const f = await lint('CREATE TABLE t (a int);', 'SELECT 1;\nDROP TABLE t;');
    expect(f.filter((x) => x.rule === 'down-drop-if-exists').map((x) => `${x.line}:${x.column}`)).toEqual(['6:1']);
  });

  it('an invalid dbmate file is a parse-error at 1:1', async () => {
    const f = await lintSource('CREATE TABLE t (a int);\n', FILE);
    expect(f.map((x) => [x.rule, x.line, x.column])).toEqual([['parse-error', 1, 1]]);
  });
});

describe('disabling rules', () => {
  const body = 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCREATE INDEX i ON users (email);';
  const rules = (f: Finding[]) => f.map((x) => `${x.rule}${x.suppressed ? ` (suppressed: ${x.suppressed.reason})` : ''}`);

  it('`-- db-migrate:disable a,b` suppresses those rules for the file only: the findings stay, with an empty reason', async () => {
    const f = await lint(`-- db-migrate:disable set-not-null, lock-timeout\n${body}`, DOWN, { runner: 'other' });
    expect(rules(f)).toEqual(['set-not-null (suppressed: )', 'lock-timeout (suppressed: )', 'require-concurrent-index']);
    expect(f[2]).toMatchObject({ line: 4, column: 1 });
    expect(f[1]!.suppressed).toEqual({ reason: '' });
    const other = await lint(body);
    expect(other.map((x) => x.rule).sort()).toEqual(['require-concurrent-index', 'set-not-null']);
    expect(other.every((x) => x.suppressed === undefined)).toBe(true);
  });

  it('`-- db-migrate:disable rule -- why` keeps the reason; several lines add up', async () => {
    const f = await lint(`-- db-migrate:disable set-not-null -- backfilled in 20240101 and checked\n-- db-migrate:disable require-concurrent-index, lock-timeout -- lookup table of 40 rows\n${body}`);
    expect(rules(f)).toEqual(['set-not-null (suppressed: backfilled in 20240101 and checked)', 'require-concurrent-index (suppressed: lookup table of 40 rows)']);
  });

  it('`-- db-migrate:disable-next-statement rule -- why` suppresses the next statement only', async () => {
    const f = await lint(`CREATE INDEX a ON users (x);\n-- db-migrate:disable-next-statement require-concurrent-index -- empty until the feature ships\n\nCREATE INDEX b ON users (y);\nCREATE INDEX c ON users (z);`);
    expect(f.map((x) => [x.line, x.suppressed?.reason ?? null])).toEqual([[2, null], [5, 'empty until the feature ships'], [6, null]]);
  });

  it('the disabled option drops the findings of every file', async () => {
    const f = await lint(body, DOWN, { disabled: ['set-not-null', 'require-concurrent-index'], runner: 'other' });
    expect(rules(f)).toEqual(['lock-timeout']);
  });

  it('lock-timeout fires only when another tool runs the SQL (our runner sets lock_timeout)', async () => {
    expect((await lint(body)).map((x) => x.rule)).not.toContain('lock-timeout');
    expect((await lint(body, DOWN, { runner: 'other' })).filter((x) => x.rule === 'lock-timeout').map((x) => x.message)).toEqual([
      'ALTER TABLE users takes an ACCESS EXCLUSIVE lock and no SET lock_timeout precedes it in this section',
    ]);
  });
});

describe('db-migrate lint (CLI)', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  const BAD = migration('CREATE INDEX users_email ON users (email);', 'DROP INDEX IF EXISTS users_email;');
  const GOOD = migration('CREATE TABLE t (a int);', 'DROP TABLE IF EXISTS t;');
  const WARN = migration('CREATE TABLE t (a int);', '');

  it('prints file:line:column findings with why/fix and exits 1 on an error, without a database URL', async () => {
    const p = await project({ 'db/migrations/1_bad.sql': BAD, 'db/migrations/2_good.sql': GOOD });
    cleanup = p.cleanup;
    const r = await runCli(['lint'], { cwd: p.dir, env: {} });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('db/migrations/1_bad.sql:2:1: error require-concurrent-index: CREATE INDEX users_email on existing table users without CONCURRENTLY\n    why: ');
    expect(r.stdout).toContain('\n    fix: Use CREATE INDEX CONCURRENTLY');
    expect(r.stdout).toMatch(/Lint: 1 error, 0 warnings in 2 files\n$/);
    expect(r.stdout).not.toContain('2_good.sql');
  });

  it('exits 0 when there are only warnings, and lints only the files given', async () => {
    const p = await project({ 'db/migrations/1_bad.sql': BAD, 'db/migrations/2_warn.sql': WARN });
    cleanup = p.cleanup;
    const r = await runCli(['lint', 'db/migrations/2_warn.sql'], { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('db/migrations/2_warn.sql:4:1: warning missing-down: ');
    expect(r.stdout).toMatch(/Lint: 0 errors, 1 warning in 1 file\n$/);
  });

  it('prints no problems and exits 0 for a clean set', async () => {
    const p = await project({ 'db/migrations/2_good.sql': GOOD });
    cleanup = p.cleanup;
    const r = await runCli(['lint'], { cwd: p.dir });
    expect([r.code, r.stdout]).toEqual([0, 'Lint: no problems in 1 file\n']);
  });

  it('--json prints the findings array (after the command or as a global flag)', async () => {
    const p = await project({ 'db/migrations/1_bad.sql': BAD });
    cleanup = p.cleanup;
    for (const args of [['lint', '--json'], ['--json', 'lint']]) {
      const r = await runCli(args, { cwd: p.dir });
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout) as Finding[];
      expect(json).toEqual([
        expect.objectContaining({ rule: 'require-concurrent-index', severity: 'error', file: 'db/migrations/1_bad.sql', line: 2, column: 1 }),
      ]);
      expect(Object.keys(json[0]!).sort()).toEqual(['column', 'direction', 'file', 'fix', 'line', 'message', 'rule', 'severity', 'table', 'why']);
    }
  });

  it('--disable turns rules off; an unknown rule id is an error', async () => {
    const p = await project({ 'db/migrations/1_bad.sql': BAD });
    cleanup = p.cleanup;
    const r = await runCli(['lint', '--disable', 'require-concurrent-index'], { cwd: p.dir });
    expect([r.code, r.stdout]).toEqual([0, 'Lint: no problems in 1 file\n']);
    const bad = await runCli(['lint', '--disable=no-such-rule'], { cwd: p.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown rule "no-such-rule"');
  });

  it('lintFiles reads files from disk', async () => {
    const p = await project({ 'a/1_bad.sql': BAD });
    cleanup = p.cleanup;
    const f = await lintFiles([{ displayPath: 'a/1_bad.sql', absPath: `${p.dir}/a/1_bad.sql` }]);
    expect(f.map((x) => x.rule)).toEqual(['require-concurrent-index']);
  });
});
