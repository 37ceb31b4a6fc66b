import { describe, it, expect } from '@jest/globals';
import { lintSource, lintFiles, newPlanState, RULES, RULE_IDS, type Finding, type LintOptions } from '../src/lint/index.js';
import { findingLine, findingCounts, lintTally, tallyFindings } from '../src/lint/report.js';
import { migration } from './helpers/cli.js';

/** Lint rules on the AST, the plan across files, suppression and the report: pure, no database. */

const FILE = 'db/migrations/20240101000000_x.sql';
type Opts = { upOptions?: string; downOptions?: string } & LintOptions;

async function lint(up: string, down = 'SELECT 1;', opts: Opts = {}): Promise<Finding[]> {
  return lintSource(migration(up, down, opts), FILE, opts);
}

/** `severity@line:column` of every finding of `rule`. */
async function hits(rule: string, up: string, down = 'SELECT 1;', opts: Opts = {}): Promise<string[]> {
  return (await lint(up, down, opts)).filter((f) => f.rule === rule).map((f) => `${f.severity}@${f.line}:${f.column}`);
}

describe('refinements measured on the labelled benchmark', () => {
  it('VALIDATE in the transaction that added the constraint NOT VALID holds the ADD\'s lock through the scan; in a later migration or transaction:false it does not', async () => {
    const sql = 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;';
    const found = (await lint(sql)).filter((f) => f.rule === 'constraint-not-valid');
    expect(found.map((f) => [f.severity, `${f.line}:${f.column}`, f.message, f.table])).toEqual([
      ['error', '3:1', 'VALIDATE CONSTRAINT fk on orders in the transaction that added it NOT VALID (its lock is held through the scan)', 'orders'],
    ]);
    expect(await hits('constraint-not-valid', sql, 'SELECT 1;', { upOptions: 'transaction:false' })).toEqual([]);
    const files = [
      { displayPath: 'db/migrations/1_a.sql', content: migration('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', 'SELECT 1;') },
      { displayPath: 'db/migrations/2_b.sql', content: migration('ALTER TABLE orders VALIDATE CONSTRAINT fk;', 'SELECT 1;') },
    ];
    expect((await lintFiles(files)).filter((f) => f.rule === 'constraint-not-valid')).toEqual([]);
  });

  it('an UPDATE without WHERE names its table, so a small one is judged by size; a DELETE without WHERE does not', async () => {
    const found = (await lint("UPDATE plans SET currency = 'EUR';\nDELETE FROM plans;")).filter((f) => f.rule === 'unbounded-dml');
    expect(found.map((f) => [f.message, f.table])).toEqual([
      ['UPDATE plans without WHERE', 'plans'],
      ['DELETE FROM plans without WHERE', undefined],
    ]);
  });

  it('dropping an index is not a destructive drop (it holds no data); dropping a table or a column is', async () => {
    const found = await lint('DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;', 'SELECT 1;', { upOptions: 'transaction:false' });
    expect(found.filter((f) => f.rule === 'destructive-drop')).toEqual([]);
    expect((await lint('DROP TABLE old_orders;\nALTER TABLE users DROP COLUMN legacy;')).filter((f) => f.rule === 'destructive-drop').map((f) => f.message)).toEqual([
      'DROP TABLE old_orders',
      'DROP COLUMN legacy on users',
    ]);
  });
});

// Up SQL starts on line 2 (line 1 is `-- migrate:up`).
describe('new rules: firing, safe and new-table cases', () => {
  const cases: Array<{ rule: string; bad: string; at: string[]; safe: string; fresh?: string; opts?: Opts; safeOpts?: Opts }> = [
    {
      rule: 'add-column-not-null-without-default',
      bad: 'ALTER TABLE users\n  ADD COLUMN a int NOT NULL, ADD COLUMN b text NOT NULL;',
      at: ['error@3:14'],
      safe: "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b bigserial NOT NULL, ADD COLUMN c int GENERATED ALWAYS AS IDENTITY, ADD COLUMN d text;",
      fresh: 'CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN a int NOT NULL;',
    },
    {
      rule: 'drop-index-not-concurrently',
      bad: 'SELECT 1;\nDROP INDEX IF EXISTS users_email;',
      at: ['warning@3:1'],
      safe: 'DROP INDEX CONCURRENTLY IF EXISTS users_email;',
      safeOpts: { upOptions: 'transaction:false' },
      fresh: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nDROP INDEX t_a;',
    },
    {
      rule: 'reindex-not-concurrently',
      bad: 'REINDEX TABLE users;\nREINDEX INDEX users_email;',
      at: ['error@2:1', 'error@3:1'],
      safe: 'REINDEX TABLE CONCURRENTLY users;',
      safeOpts: { upOptions: 'transaction:false' },
      fresh: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nREINDEX TABLE t;\nREINDEX INDEX t_a;',
    },
    {
      rule: 'enum-add-value-in-transaction',
      bad: "ALTER TYPE mood ADD VALUE 'meh';",
      at: ['warning@2:1'],
      safe: "ALTER TYPE mood ADD VALUE 'meh';",
      safeOpts: { pgVersion: 12 },
      fresh: "ALTER TYPE mood ADD VALUE 'meh';",
    },
    {
      rule: 'transaction-control-in-migration',
      bad: 'BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;',
      at: ['error@2:1', 'error@4:1'],
      safe: 'BEGIN;\nCREATE TABLE IF NOT EXISTS t (a int);\nCOMMIT;',
      safeOpts: { upOptions: 'transaction:false' },
    },
    {
      rule: 'set-logged-unlogged',
      bad: 'ALTER TABLE events SET UNLOGGED;',
      at: ['error@2:1'],
      safe: 'CREATE UNLOGGED TABLE events2 (a int);',
      fresh: 'CREATE TABLE events (a int);\nALTER TABLE events SET LOGGED;',
    },
    {
      rule: 'exclusion-constraint',
      bad: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
      at: ['error@2:26'],
      safe: 'CREATE TABLE b2 (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));',
      fresh: 'CREATE TABLE bookings (room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
    },
    {
      rule: 'foreign-key-without-index',
      bad: 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));',
      at: ['warning@2:54'],
      safe: 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\nCREATE INDEX orders_user_id ON orders (user_id, id);',
    },
    {
      rule: 'secret-in-migration',
      bad: "CREATE ROLE app LOGIN PASSWORD 'hunter2';\nINSERT INTO settings VALUES ('aws', 'AKIAIOSFODNN7EXAMPLE');",
      at: ['error@2:23', 'error@3:37'],
      safe: "CREATE ROLE app LOGIN PASSWORD NULL;\nINSERT INTO settings VALUES ('aws', 'AKIA-not-a-key');",
    },
    {
      rule: 'grant-to-public',
      bad: 'GRANT SELECT ON TABLE reports TO PUBLIC;',
      at: ['warning@2:1'],
      safe: 'GRANT SELECT ON TABLE reports TO analyst;\nREVOKE ALL ON TABLE reports FROM PUBLIC;',
    },
    {
      rule: 'grant-all',
      bad: 'GRANT ALL PRIVILEGES ON TABLE reports TO app;',
      at: ['warning@2:1'],
      safe: 'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE reports TO app;',
    },
  ];

  for (const c of cases) {
    it(`${c.rule}: fires`, async () => {
      expect(await hits(c.rule, c.bad, 'SELECT 1;', c.opts)).toEqual(c.at);
    });
    it(`${c.rule}: safe SQL passes`, async () => {
      expect(await hits(c.rule, c.safe, 'SELECT 1;', c.safeOpts ?? c.opts)).toEqual([]);
    });
    if (c.fresh && c.rule !== 'enum-add-value-in-transaction') {
      it(`${c.rule}: a table created earlier in the plan is new and empty`, async () => {
        expect(await hits(c.rule, c.fresh!, 'SELECT 1;', c.opts)).toEqual([]);
      });
    }
  }

  it('every rule has an id, a severity, why and fix, and is a known id', () => {
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['error', 'warning', 'info']).toContain(r.severity);
      expect(r.why.length).toBeGreaterThan(40);
      expect(r.fix.length).toBeGreaterThan(20);
      expect(RULE_IDS).toContain(r.id);
    }
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
  });

  it('enum-add-value: a new value used later in the same transaction is an error on every version', async () => {
    const up = "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE people SET mood = 'meh' WHERE id = 1;\nUPDATE people SET mood = 'meh' WHERE id = 2;";
    expect(await hits('enum-add-value-in-transaction', up, 'SELECT 1;', { pgVersion: 16 })).toEqual(['error@3:26']);
    expect(await hits('enum-add-value-in-transaction', up, 'SELECT 1;', { pgVersion: 11 })).toEqual(['warning@2:1', 'error@3:26']);
    expect(await hits('enum-add-value-in-transaction', up, 'SELECT 1;', { upOptions: 'transaction:false' })).toEqual([]);
    const [f] = (await lint("ALTER TYPE mood ADD VALUE 'meh';")).filter((x) => x.rule === 'enum-add-value-in-transaction');
    expect(f!.message).toBe("ALTER TYPE mood ADD VALUE 'meh' in a transactional up section (PostgreSQL before 12 refuses it; no pg-version given)");
  });

  it('secret-in-migration names the kind and never the value', async () => {
    const f = (await lint("CREATE USER deploy WITH PASSWORD 'hunter2-very-secret';\nSELECT 'ghp_abcdefghijklmnopqrstuvwxyz0123456789AB', 'sk_live_abcdefghijklmnop1234';\nSELECT '-----BEGIN RSA PRIVATE KEY-----';"))
      .filter((x) => x.rule === 'secret-in-migration');
    expect(f.map((x) => x.message)).toEqual([
      'a PASSWORD literal for role deploy in the migration (value not shown)',
      'a string that looks like a GitHub token, a string that looks like a Stripe live key in the migration (value not shown)',
      'a string that looks like a private key in the migration (value not shown)',
    ]);
    const text = JSON.stringify(f);
    for (const secret of ['hunter2', 'ghp_abc', 'sk_live_abc', 'BEGIN RSA']) expect(text).not.toContain(secret);
  });

  it('grants name the privileges, the objects and the grantees', async () => {
    const f = await lint('GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC;\nGRANT EXECUTE ON FUNCTION f(int) TO PUBLIC;');
    expect(f.map((x) => `${x.rule}: ${x.message}`)).toEqual([
      'grant-to-public: GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC',
      'grant-all: GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC',
      'grant-to-public: GRANT EXECUTE ON FUNCTION f(int) TO PUBLIC',
    ]);
  });

  it('foreign-key-without-index: ADD CONSTRAINT on an existing table is info unless the plan creates the index', async () => {
    const add = 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;';
    const [f] = (await lint(add)).filter((x) => x.rule === 'foreign-key-without-index');
    expect(f).toMatchObject({ severity: 'info', line: 2, column: 24, message: 'FOREIGN KEY orders_user_fk (user_id) on existing table orders: no index on (user_id) is created in this plan (check that one exists)' });
    // The index in a later file of the same plan (CREATE INDEX CONCURRENTLY needs a transaction:false file) covers it.
    const plan = await lintFiles([
      { displayPath: '1.sql', content: migration(add, 'SELECT 1;') },
      { displayPath: '2.sql', content: migration('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user ON orders (user_id);', 'DROP INDEX CONCURRENTLY IF EXISTS orders_user;', { upOptions: 'transaction:false', downOptions: 'transaction:false' }) },
    ]);
    expect(plan.filter((x) => x.rule === 'foreign-key-without-index')).toEqual([]);
    // A composite key is covered by an index whose leading columns are the key's, in any order, not by a later column.
    expect(await hits('foreign-key-without-index', 'CREATE TABLE m (a int, b int, c int, PRIMARY KEY (b, a), FOREIGN KEY (a, b) REFERENCES x);')).toEqual([]);
    expect(await hits('foreign-key-without-index', 'CREATE TABLE m (a int, b int, UNIQUE (b, a), FOREIGN KEY (a) REFERENCES x);')).toEqual(['warning@2:46']);
  });
});

describe('the plan: what earlier files created is new and empty', () => {
  const file = (name: string, up: string, down = 'SELECT 1;', opts: { upOptions?: string; downOptions?: string } = {}) => ({ displayPath: `db/migrations/${name}`, content: migration(up, down, opts) });

  it('a history run on a fresh database gives no lock, rewrite or validation finding', async () => {
    const f = await lintFiles([
      file('1_users.sql', 'CREATE TABLE users (id int, email text);', 'DROP TABLE IF EXISTS users;'),
      file('2_orders.sql', 'CREATE TABLE app.orders (id int, user_id int, total int);\nSELECT * INTO archive FROM users;\nCREATE TABLE totals AS SELECT 1 AS n;', 'DROP TABLE IF EXISTS app.orders;'),
      file(
        '3_change.sql',
        [
          'CREATE INDEX users_email ON users (email);',
          'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id), ALTER COLUMN email SET NOT NULL, ALTER COLUMN id TYPE bigint;',
          'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id), ADD CONSTRAINT positive CHECK (total > 0);',
          'ALTER TABLE app.orders ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN n int NOT NULL, SET UNLOGGED;',
          'CREATE INDEX orders_user ON orders (user_id);',
          'ALTER TABLE archive RENAME TO archive_old;',
          'ALTER TABLE archive_old ALTER COLUMN email TYPE varchar(10);',
          'REINDEX TABLE totals;',
        ].join('\n'),
        'DROP INDEX IF EXISTS users_email;',
      ),
      file('4_cleanup.sql', 'DROP INDEX users_email;\nTRUNCATE totals;\nDELETE FROM archive_old;\nDROP TABLE archive_old;\nALTER TABLE users DROP COLUMN email;', 'SELECT 1;'),
    ]);
    expect(f.filter((x) => x.direction === 'up').map((x) => `${x.file}:${x.line} ${x.rule}`)).toEqual([]);
  });

  it('the same statements on tables the plan did not create are reported, with the table', async () => {
    const f = await lintFiles([file('1_users.sql', 'CREATE TABLE other (id int);'), file('2_index.sql', 'CREATE INDEX users_email ON Public.Users (email);\nALTER TABLE users ALTER COLUMN id TYPE bigint, ALTER COLUMN email TYPE text;')]);
    expect(f.map((x) => [x.file, x.line, x.column, x.rule, x.direction, x.table ?? null, x.message])).toEqual([
      ['db/migrations/2_index.sql', 2, 1, 'require-concurrent-index', 'up', 'public.users', 'CREATE INDEX users_email on existing table public.users without CONCURRENTLY'],
      ['db/migrations/2_index.sql', 3, 32, 'column-type-change', 'up', 'users', 'ALTER COLUMN id, email TYPE on users'],
    ]);
  });

  it('down sections start from nothing: the up tables exist (with data) when a down runs', async () => {
    const f = await lint('CREATE TABLE t (a int);', 'CREATE INDEX t_a ON t (a);\nCREATE TABLE n (a int);\nCREATE INDEX n_a ON n (a);');
    expect(f.map((x) => `${x.rule}@${x.line} ${x.direction}`)).toEqual(['require-concurrent-index@5 down']);
  });

  it('a down dropping the index its own up created is not drop-index-not-concurrently; another index is', async () => {
    const f = await lint('CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);', 'DROP INDEX users_email;\nDROP INDEX other_idx;', { upOptions: 'transaction:false' });
    expect(f.filter((x) => x.rule === 'drop-index-not-concurrently').map((x) => x.message)).toEqual(['DROP INDEX other_idx without CONCURRENTLY locks its table']);
    const up = await lintFiles([
      file('1.sql', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);', 'SELECT 1;', { upOptions: 'transaction:false' }),
      file('2.sql', 'DROP INDEX users_email;'),
    ]);
    expect(up.filter((x) => x.rule === 'drop-index-not-concurrently').map((x) => [x.table, x.message])).toEqual([['users', 'DROP INDEX users_email without CONCURRENTLY locks table users']]);
  });

  it('lintSource takes a shared plan state, file by file', async () => {
    const plan = newPlanState();
    await lintSource(migration('CREATE TABLE t (a int);', 'DROP TABLE IF EXISTS t;'), '1.sql', {}, plan);
    expect(await lintSource(migration('CREATE INDEX t_a ON t (a);', 'SELECT 1;'), '2.sql', {}, plan)).toEqual([]);
    expect((await lintSource(migration('CREATE INDEX t_a ON t (a);', 'SELECT 1;'), '2.sql')).map((x) => x.rule)).toEqual(['require-concurrent-index']);
  });

  it('a validated NOT NULL check in an earlier file makes SET NOT NULL safe', async () => {
    const f = await lintFiles([
      file('1.sql', 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;'),
      file('2.sql', 'ALTER TABLE users VALIDATE CONSTRAINT email_nn;'),
      file('3.sql', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;'),
    ]);
    expect(f.filter((x) => x.rule === 'set-not-null')).toEqual([]);
  });
});

describe('noise out', () => {
  it('one finding per statement, listing the columns', async () => {
    const f = await lint('ALTER TABLE t ALTER COLUMN a TYPE int, ALTER COLUMN b TYPE int, ALTER COLUMN c TYPE int, ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL, DROP COLUMN x, DROP COLUMN y, ADD COLUMN u uuid DEFAULT gen_random_uuid(), ADD COLUMN s bigserial;');
    expect(f.map((x) => `${x.rule}: ${x.message}`)).toEqual([
      'set-not-null: ALTER COLUMN a, b SET NOT NULL on t each without a validated CHECK (column IS NOT NULL) first',
      'destructive-drop: DROP COLUMN x, y on t',
      'column-type-change: ALTER COLUMN a, b, c TYPE on t',
      'volatile-default: ADD COLUMN u (volatile default gen_random_uuid()), s (bigserial: a nextval() default) on existing table t rewrites the table',
    ]);
    const idem = await lint('ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int, DROP COLUMN c;', 'SELECT 1;', { upOptions: 'transaction:false' });
    expect(idem.filter((x) => x.rule === 'non-idempotent-ddl').map((x) => x.message)).toEqual(['ADD COLUMN a, b without IF NOT EXISTS and DROP COLUMN c without IF EXISTS in a transaction:false section']);
  });

  it('every DROP kind is named as written', async () => {
    const down = [
      'DROP FUNCTION f;',
      'DROP FUNCTION s.f(int, text);',
      'DROP PROCEDURE p();',
      'DROP AGGREGATE a(bigint);',
      'DROP TRIGGER x ON t;',
      'DROP POLICY p ON s.t;',
      'DROP RULE r ON t;',
      'DROP TYPE s.mood;',
      'DROP DOMAIN d;',
      'DROP EXTENSION pgcrypto;',
      'DROP SCHEMA app CASCADE;',
      'DROP SEQUENCE s.seq;',
      'DROP VIEW v, w;',
      'DROP MATERIALIZED VIEW mv;',
      'DROP CAST (int AS text);',
      'DROP OPERATOR +(int, int);',
      'DROP OPERATOR CLASS oc USING btree;',
      'DROP FOREIGN TABLE ft;',
      'DROP SERVER srv;',
      'DROP EVENT TRIGGER et;',
      'DROP TEXT SEARCH CONFIGURATION tsc;',
      'DROP COLLATION c;',
    ].join('\n');
    const f = (await lint('SELECT 1;', down)).filter((x) => x.rule === 'down-drop-if-exists');
    expect(f.every((x) => x.severity === 'info' && x.direction === 'down')).toBe(true);
    expect(f.map((x) => x.message.replace(' without IF EXISTS in the down section', ''))).toEqual([
      'DROP FUNCTION f',
      'DROP FUNCTION s.f(int, text)',
      'DROP PROCEDURE p()',
      'DROP AGGREGATE a(bigint)',
      'DROP TRIGGER x ON t',
      'DROP POLICY p ON s.t',
      'DROP RULE r ON t',
      'DROP TYPE s.mood',
      'DROP DOMAIN d',
      'DROP EXTENSION pgcrypto',
      'DROP SCHEMA app',
      'DROP SEQUENCE s.seq',
      'DROP VIEW v, w',
      'DROP MATERIALIZED VIEW mv',
      'DROP CAST (int AS text)',
      'DROP OPERATOR +(int, int)',
      'DROP OPERATOR CLASS oc USING btree',
      'DROP FOREIGN TABLE ft',
      'DROP SERVER srv',
      'DROP EVENT TRIGGER et',
      'DROP TEXT SEARCH CONFIGURATION tsc',
      'DROP COLLATION c',
    ]);
    expect(f.map((x) => x.message).join('\n')).not.toMatch(/OBJECT|\?/);
  });

  it('ADD PRIMARY KEY on an existing table is named as such', async () => {
    const [f] = await lint('ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);');
    expect(f).toMatchObject({
      rule: 'unique-constraint-without-index',
      severity: 'error',
      table: 'accounts',
      message: 'ADD PRIMARY KEY accounts_pkey on existing table accounts builds its index under an ACCESS EXCLUSIVE lock (not USING INDEX)',
    });
  });

  it('only size-sensitive rules set table; every finding has a direction', async () => {
    const f = await lint(
      "CREATE INDEX i ON a (x);\nALTER TABLE b RENAME COLUMN x TO y;\nDELETE FROM c;\nALTER TABLE d ADD COLUMN n int NOT NULL;\nVACUUM FULL e;\nGRANT ALL ON f TO PUBLIC;",
      'DROP TABLE g;',
    );
    const sizeSensitive = new Set(RULES.filter((r) => r.sizeSensitive).map((r) => r.id));
    expect(f.filter((x) => x.table).map((x) => `${x.rule}:${x.table}`)).toEqual(['require-concurrent-index:a', 'vacuum-full-cluster:e']);
    for (const x of f) {
      expect(x.direction).toMatch(/^(up|down)$/);
      if (x.table) expect(sizeSensitive.has(x.rule)).toBe(true);
    }
  });
});

describe('report', () => {
  const base: Finding = { rule: 'require-concurrent-index', severity: 'error', file: 'a.sql', line: 2, column: 1, message: 'CREATE INDEX i on existing table orders without CONCURRENTLY', why: '', fix: '', direction: 'up', table: 'orders' };

  it('a finding line shows the judged size and the suppression', () => {
    expect(findingLine(base)).toBe('a.sql:2:1: error require-concurrent-index: CREATE INDEX i on existing table orders without CONCURRENTLY');
    expect(findingLine({ ...base, size: 'orders: ~12 M rows, 3.1 GB' })).toBe('a.sql:2:1: error require-concurrent-index: CREATE INDEX i on existing table orders without CONCURRENTLY (orders: ~12 M rows, 3.1 GB)');
    expect(findingLine({ ...base, suppressed: { reason: 'lookup table' } })).toMatch(/ \[suppressed: lookup table\]$/);
    expect(findingLine({ ...base, suppressed: { reason: '' } })).toMatch(/CONCURRENTLY \[suppressed\]$/);
  });

  it('counts errors, warnings, info and suppressed (a suppressed finding counts only as suppressed)', () => {
    const list: Finding[] = [base, { ...base, severity: 'warning' }, { ...base, severity: 'info' }, { ...base, suppressed: { reason: 'x' } }];
    expect(tallyFindings(list)).toEqual({ errors: 1, warnings: 1, info: 1, suppressed: 1 });
    expect(findingCounts(list, 3)).toBe('1 error, 1 warning, 1 info, 1 suppressed in 3 files');
    expect(findingCounts([base], 1)).toBe('1 error, 0 warnings in 1 file');
    expect(lintTally([], 2)).toBe('no problems in 2 files');
    expect(lintTally([{ ...base, suppressed: { reason: '' } }], 1)).toBe('0 errors, 0 warnings, 1 suppressed in 1 file');
  });
});
