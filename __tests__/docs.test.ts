import { describe, it, expect, afterAll } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { renderActionReference, currentReference, DOCS, ACTION_YML } from '../scripts/gen-action-reference.mjs';
import { parseArgs } from '../src/cli/args/parse.js';
import { RULE_IDS } from '../src/lint/index.js';
import { usePostgres, withClient, query } from './helpers/pg.js';
import { migration, project, runCli, runDbmate, runProcess, ROOT, type CliRun } from './helpers/cli.js';
import { expressionsInRun, unknownActionNames, type Workflow } from './helpers/workflow.js';

/**
 * docs/DATABASE_MIGRATIONS.md stays true: its action reference is what action.yml says now, its SQL
 * runs on real PostgreSQL 18, its migration examples apply and roll back, its command lines are
 * ones the CLI accepts, its workflow examples lint clean, and its links lead somewhere.
 */
const server = usePostgres();

const DOC = readFileSync(DOCS, 'utf8');

/** A fenced code block of the document, with the heading it sits under. */
interface Block {
  lang: string;
  tags: string[];
  code: string;
  heading: string;
  line: number;
}

function blocks(doc: string): Block[] {
  const out: Block[] = [];
  const lines = doc.split('\n');
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) {
      const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
      if (h) heading = h[1].trim();
      continue;
    }
    const indent = open[1].length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(indent));
    out.push({ lang: open[2], tags: open[3].split(/\s+/).filter(Boolean), code: `${body.join('\n')}\n`, heading, line: start + 1 });
  }
  return out;
}

/** Blocks grouped by heading, in document order. */
function bySection(list: Block[]): [string, Block[]][] {
  const map = new Map<string, Block[]>();
  for (const b of list) map.set(b.heading, [...(map.get(b.heading) ?? []), b]);
  return [...map.entries()];
}

const BLOCKS = blocks(DOC);
const RUNNABLE = bySection(BLOCKS.filter((b) => b.lang === 'sql' && b.tags.includes('runnable')));
const MIGRATIONS = bySection(BLOCKS.filter((b) => b.lang === 'sql' && b.tags.includes('migration')));

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A command that must succeed; on failure the assertion shows what it printed. */
async function ok(args: string[], cwd = ROOT): Promise<CliRun> {
  const r = await runCli(args, { cwd });
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r;
}

/** Columns, indexes, constraints, functions and triggers of the public schema, one line each. */
async function schemaFingerprint(url: string): Promise<string[]> {
  const rows = await query<{ d: string }>(
    url,
    `select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as d
       from information_schema.columns where table_schema = 'public'
     union all select 'index ' || indexdef from pg_indexes where schemaname = 'public'
     union all select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
       from pg_constraint where connamespace = 'public'::regnamespace
     union all select 'function ' || oid::regprocedure from pg_proc where pronamespace = 'public'::regnamespace
     union all select 'trigger ' || tgrelid::regclass || ' ' || tgname from pg_trigger where not tgisinternal
     order by 1`,
  );
  return rows.map((r) => r.d);
}

/** A fresh database with the example project's migrations applied. */
async function exampleDatabase(): Promise<string> {
  const url = await server().createDatabase();
  await ok(['--url', url, '--migrations-dir', 'db/migrations', '--no-dump-schema', 'up']);
  return url;
}

describe('docs/DATABASE_MIGRATIONS.md', () => {
  it('has the action reference generated from action.yml as it is now (npm run docs:reference)', () => {
    expect(currentReference(DOC)).toBe(renderActionReference(readFileSync(ACTION_YML, 'utf8')));
  });

  it('has runnable SQL and migration examples to test', () => {
    expect(RUNNABLE.flatMap(([, b]) => b).length).toBeGreaterThanOrEqual(10);
    expect(MIGRATIONS.flatMap(([, b]) => b).length).toBeGreaterThanOrEqual(4);
  });

  describe('runnable SQL (```sql runnable): each section on a fresh PostgreSQL database with db/migrations applied, blocks in order', () => {
    it.each(RUNNABLE)('%s', async (_heading, list) => {
      const url = await exampleDatabase();
      await withClient(url, async (c) => {
        for (const b of list) {
          await c.query(b.code).catch((err: Error) => {
            throw new Error(`docs line ${b.line}: ${err.message}\n${b.code}`);
          });
        }
      });
    });

    // The snippet exactly as the page shows it, on a database our engine migrated (both ledger
    // tables) and on one the real dbmate binary migrated (no history table yet, until our first
    // `up` creates it as the migrating role, which ran the snippet).
    it.each(['ours', 'dbmate'] as const)('the preview role (on a database %s migrated) can run a dry run, reads both ledgers where present, and cannot write', async (migratedBy) => {
      const [, list] = RUNNABLE.find(([h]) => h === 'Pull-request preview')!;
      const url = migratedBy === 'ours' ? await exampleDatabase() : await server().createDatabase();
      // dbmate runs a transaction:false file as one implicit transaction, so it cannot run the
      // example's concurrent index files: it migrates two plain files of its own.
      let dir = 'db/migrations';
      if (migratedBy === 'dbmate') {
        const p = await project({
          'db/migrations/20240101000000_users.sql': migration('create table users (id bigint primary key);', 'drop table users;'),
          'db/migrations/20240102000000_orders.sql': migration('create table orders (id bigint primary key, user_id bigint references users);\ncreate index orders_user_id_idx on orders (user_id);', 'drop table orders;'),
        });
        cleanups.push(p.cleanup);
        dir = join(p.dir, 'db/migrations');
        const r = await runDbmate(['--url', url, '--migrations-dir', dir, '--no-dump-schema', 'migrate'], { cwd: p.dir });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        expect(await query(url, "select to_regclass('schema_migrations_history') as t")).toEqual([{ t: null }]);
      }
      await withClient(url, async (c) => {
        for (const b of list) await c.query(b.code);
      });
      const u = new URL(url);
      u.username = 'migrate_preview';
      u.password = 'change-me';
      const preview = u.toString();
      const planAsPreview = async () => {
        const plan = await ok(['--url', preview, '--migrations-dir', dir, 'plan']);
        expect(plan.stdout).toMatch(/^Nothing to apply: \d+ applied, 0 pending/);
      };
      await planAsPreview();
      if (migratedBy === 'dbmate') {
        // Our first `up` creates the history table; the preview can read it without another grant.
        await ok(['--url', url, '--migrations-dir', dir, '--no-dump-schema', 'up']);
        expect(await query(url, "select to_regclass('schema_migrations_history')::text as t")).toEqual([{ t: 'schema_migrations_history' }]);
        await planAsPreview();
      }
      await withClient(preview, async (c) => {
        expect((await c.query('select count(*)::int as n from schema_migrations')).rows[0].n).toBeGreaterThan(0);
        expect((await c.query('select count(*)::int as n from schema_migrations_history')).rows[0].n).toBeGreaterThanOrEqual(0);
      });
      await expect(withClient(preview, (c) => c.query('create table t (id int)'))).rejects.toThrow(/read-only transaction/);
      await expect(withClient(preview, (c) => c.query("insert into schema_migrations values ('1')"))).rejects.toThrow(/read-only transaction/);
    });
  });

  describe('migration examples (```sql migration): each section after db/migrations, applied, rolled back, applied again', () => {
    it.each(MIGRATIONS)('%s', async (heading, list) => {
      const dir = await mkdtemp(join(tmpdir(), 'dbm-docs-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await cp(join(ROOT, 'db/migrations'), join(dir, 'db/migrations'), { recursive: true });
      const names = list.map((_b, i) => `${29990101000000 + i}_docs_${heading.replace(/\W+/g, '_').toLowerCase()}.sql`);
      for (const [i, b] of list.entries()) await writeFile(join(dir, 'db/migrations', names[i]), b.code);

      const url = await exampleDatabase();
      // Some rows, so backfills and constraints have data to work on.
      await withClient(url, (c) =>
        c.query(
          "insert into users (email) select 'doc' || g || '@example.com' from generate_series(1, 20) g;" +
            'insert into orders (user_id, total_cents) select (select min(id) from users), g from generate_series(1, 50) g',
        ),
      );
      const before = await schemaFingerprint(url);
      const args = ['--url', url, '--no-dump-schema'];
      const up = await ok([...args, 'up'], dir);
      for (const n of names) expect(up.stdout).toContain(`Applied: ${n}`);
      const down = await ok([...args, 'rollback', '--steps', String(list.length)], dir);
      for (const n of names) expect(down.stdout).toContain(`Rolled back: ${n}`);
      expect(await schemaFingerprint(url)).toEqual(before);
      await ok([...args, 'up'], dir);
    });
  });

  it('has workflow examples that parse, lint clean, keep ${{ }} out of run: and use only real inputs and outputs', async () => {
    const workflows = BLOCKS.filter((b) => b.lang === 'yaml' && /^jobs:/m.test(b.code));
    expect(workflows.length).toBeGreaterThanOrEqual(1);
    const dir = await mkdtemp(join(tmpdir(), 'dbm-docs-wf-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const files: string[] = [];
    for (const b of workflows) {
      const doc = parseDocument(b.code, { uniqueKeys: true });
      expect({ line: b.line, errors: doc.errors.map((e) => e.message) }).toEqual({ line: b.line, errors: [] });
      const wf = parse(b.code) as Workflow;
      expect({ line: b.line, bad: [...expressionsInRun(wf), ...unknownActionNames(wf)] }).toEqual({ line: b.line, bad: [] });
      const f = join(dir, `docs-line-${b.line}.yml`);
      await writeFile(f, b.code);
      files.push(f);
    }
    const r = await runProcess(process.execPath, [join(ROOT, 'scripts/actionlint.mjs'), '--json', ...files], { cwd: dir });
    expect(JSON.parse(r.stdout)).toEqual([]);
  }, 60_000);

  it('links only to files that exist', () => {
    const links = [...DOC.matchAll(/\]\((\.\.?\/[^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    const missing = links.filter((l) => !existsSync(resolve(dirname(DOCS), l)));
    expect(missing).toEqual([]);
  });

  it('links only to headings that exist', () => {
    const slug = (h: string) =>
      h
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .trim()
        .replace(/\s/g, '-');
    const anchors = new Set(
      DOC.split('\n')
        .filter((l) => /^#{1,6}\s/.test(l))
        .map((l) => slug(l.replace(/^#+\s+/, ''))),
    );
    const used = [...DOC.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(used.filter((a) => !anchors.has(a))).toEqual([]);
  });
});

/** README.md and every page of docs/: where commands are shown to users. */
const PAGES = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(ROOT, 'docs', f))];

/** How a shown command starts: the CLI as installed (`db-migrate-action`) or through npx. */
const CLI_PREFIX = /^(?:npx\s+(?:(?:--no-install|--yes|-y|--)\s+)*db-migrate-action(?:@\S+)?|db-migrate-action)(?=\s|$)/;

/**
 * The CLI's old name: the npm package `db-migrate` is an unrelated tool whose bin has that name, so
 * `npx db-migrate …` runs theirs, and a bare `db-migrate …` line is what an install of it provides.
 */
const NPX_OTHER_PACKAGE = /npx\s+(?:-\S+\s+)*db-migrate(?!-action)(?=[^\w-]|$)/;
const BARE_OLD_NAME = /^db-migrate(?=\s|$)/;

/**
 * Command lines that cannot be checked by parsing, each with the reason. Empty now; an entry that no
 * page shows any more fails the test, so the list cannot go stale.
 */
const EXEMPT: Record<string, string> = {};

/** Stand-ins for the synopsis placeholders of the README's command list. */
const PLACEHOLDERS: Record<string, string> = {
  N: '2',
  NAME: 'production',
  FILE: 'report.html',
  FILES: 'db/migrations/20240101120000_create_users.sql',
  'rule,...': 'rename,destructive-drop',
};

/**
 * The argument vectors a shown line stands for. A synopsis (`status [--exit-code]`,
 * `dump | load | wait`, `[--json|--markdown]`) stands for every form it allows: each `a | b` of the
 * line is a command of its own, optional groups are included, and each alternative inside a group
 * is tried once.
 */
function argvsOf(rest: string): string[][] {
  const out: string[][] = [];
  // ` | ` outside brackets separates whole commands (`dump | load | wait | create | drop`).
  const commands: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of rest) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === '|' && depth === 0) {
      commands.push(cur);
      cur = '';
    } else cur += ch;
  }
  commands.push(cur);
  for (const command of commands) {
    const groups = [...command.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].split('|').map((a) => a.trim()));
    const variant = (pick: number[]) => {
      let i = 0;
      return command.replace(/\[([^\]]*)\]/g, () => groups[i][pick[i++]]);
    };
    const forms = new Set([variant(groups.map(() => 0))]);
    groups.forEach((alts, g) => alts.forEach((_a, j) => forms.add(variant(groups.map((_x, k) => (k === g ? j : 0))))));
    for (const form of forms) {
      const argv = [...form.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).filter((t) => t !== '…' && t !== '...');
      out.push(argv.map((t) => PLACEHOLDERS[t] ?? t));
    }
  }
  return out;
}

/** Every command line of the CLI in the ```sh blocks of README.md and docs/*.md (continuations joined, comments cut). */
function shownCommands(): { page: string; line: number; text: string }[] {
  const found: { page: string; line: number; text: string }[] = [];
  for (const page of PAGES) {
    const name = page.slice(ROOT.length + 1);
    for (const b of blocks(readFileSync(page, 'utf8')).filter((x) => ['sh', 'bash', 'shell', 'console'].includes(x.lang))) {
      const lines = b.code.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const at = b.line + 1 + i;
        let text = lines[i].replace(/^\$\s+/, '');
        while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]}`;
        text = text.replace(/\s+#.*$/, '').trim();
        if (CLI_PREFIX.test(text)) found.push({ page: name, line: at, text });
      }
    }
  }
  return found;
}

describe('command lines shown in README.md and docs/*.md', () => {
  const shown = shownCommands();
  // PG 15 for the README's commands: `dump` and `verify` run the system pg_dump, which must match.
  const server15 = usePostgres({ version: 15 });

  it('are found on the pages (the README command list, the guide)', () => {
    expect(shown.length).toBeGreaterThanOrEqual(30);
    expect(new Set(shown.map((c) => c.page))).toEqual(new Set(['README.md', 'docs/DATABASE_MIGRATIONS.md', ...shown.map((c) => c.page)]));
  });

  it('each parse with the CLI argument parser as a command (or the help a line asks for): no unknown command, flag or value', () => {
    const bad: string[] = [];
    for (const { page, line, text } of shown) {
      if (text in EXEMPT) continue;
      const rest = text.replace(CLI_PREFIX, '').trim();
      const argvs = argvsOf(rest);
      for (const argv of argvs) {
        if (argv.length === 0) continue; // `npx db-migrate-action@1 …`: the command itself is left open
        const where = `${page}:${line}: \`${text}\` (argv ${JSON.stringify(argv)})`;
        let parsed: ReturnType<typeof parseArgs>;
        try {
          parsed = parseArgs(argv, {});
        } catch (err) {
          bad.push(`${where}: ${(err as Error).message}`);
          continue;
        }
        const asksForHelp = argv.some((a) => ['--help', '-h', 'help', 'h', '--version', '-v'].includes(a));
        if (!('command' in parsed) && !asksForHelp) bad.push(`${where}: parses as help or version, not a command`);
      }
    }
    expect(bad).toEqual([]);
  });

  // Every form of every README command, run on the example project against a database of its own:
  // the quick start a new user follows must work as shown, not only parse.
  it('from the README each run on the example project: exit 0 (`status --exit-code` after `up`: 0 too)', async () => {
    const readme = shown.filter((c) => c.page === 'README.md' && !(c.text in EXEMPT));
    const failed: string[] = [];
    let ran = 0;
    for (const { line, text } of readme) {
      for (const argv of argvsOf(text.replace(CLI_PREFIX, '').trim())) {
        if (argv.length === 0 || argv.some((a) => ['--help', '-h', 'help', '--version', '-v'].includes(a))) continue;
        const dir = await mkdtemp(join(tmpdir(), 'dbm-readme-'));
        try {
          await cp(join(ROOT, 'db'), join(dir, 'db'), { recursive: true });
          // `create` makes the database; every other command gets one that exists.
          const url = argv[0] === 'create' ? server15().url(`readme_create_${ran}`) : await server15().createDatabase();
          const env = { DATABASE_URL: url };
          // What a command needs first, as a user would have it: applied migrations to show, roll
          // back, dump or report on; `up`, `migrate`, `load`, `create`, `new` and `lint` start from nothing.
          if (!['up', 'migrate', 'load', 'create', 'new', 'lint'].includes(argv[0])) {
            const up = await runCli(['up'], { cwd: dir, env });
            if (up.code !== 0) throw new Error(`up before ${argv.join(' ')}: ${up.stderr}`);
          }
          const r = await runCli(argv, { cwd: dir, env });
          ran++;
          if (r.code !== 0) failed.push(`README.md:${line}: ${argv.join(' ')} → exit ${r.code}: ${r.stderr.trim()}`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
    expect(failed).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(15);
  }, 240_000);

  it('never run the unrelated npm package `db-migrate`: no `npx db-migrate` anywhere on a page, no bare `db-migrate` command line', () => {
    const bad: string[] = [];
    for (const page of PAGES) {
      const name = page.slice(ROOT.length + 1);
      readFileSync(page, 'utf8')
        .split('\n')
        .forEach((l, i) => {
          if (NPX_OTHER_PACKAGE.test(l)) bad.push(`${name}:${i + 1}: ${l.trim()}`);
        });
      for (const b of blocks(readFileSync(page, 'utf8')).filter((x) => ['sh', 'bash', 'shell', 'console'].includes(x.lang))) {
        b.code.split('\n').forEach((l, i) => {
          if (BARE_OLD_NAME.test(l.replace(/^\$\s+/, '').trim())) bad.push(`${name}:${b.line + 1 + i}: ${l.trim()}`);
        });
      }
    }
    expect(bad).toEqual([]);
  });

  it('recognise the old name only as the unrelated package', () => {
    for (const l of ['npx db-migrate up', 'npx db-migrate', 'run `npx db-migrate`', 'npx --yes db-migrate@2 status']) expect([l, NPX_OTHER_PACKAGE.test(l)]).toEqual([l, true]);
    for (const l of ['npx db-migrate-action@1 status', 'npx -- db-migrate-action --env-file .env up', 'npx db-migrate-action']) expect([l, NPX_OTHER_PACKAGE.test(l)]).toEqual([l, false]);
    expect(['db-migrate up', 'db-migrate-action up', 'db-migrate.yml'].map((l) => BARE_OLD_NAME.test(l))).toEqual([true, false, false]);
  });

  it('exempt only lines that are still shown', () => {
    const texts = new Set(shown.map((c) => c.text));
    expect(Object.keys(EXEMPT).filter((t) => !texts.has(t))).toEqual([]);
  });
});

describe('docs/DATABASE_MIGRATIONS.md, Best practices', () => {
  const start = DOC.indexOf('\n## Best practices\n');
  const section = DOC.slice(start, DOC.indexOf('\n## ', start + 1));
  const inputs = new Set(Object.keys((parse(readFileSync(ACTION_YML, 'utf8')) as { inputs: Record<string, unknown> }).inputs));
  const rules = new Set(RULE_IDS);
  // Code spans that name a rule or an input: `kebab-case`, or `name: value` (an input with a value).
  const spans = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\s+/g, ' '));
  const bare = spans.filter((t) => /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/.test(t));
  const withValue = spans.map((t) => /^([a-z][a-z0-9-]*): \S/.exec(t)?.[1]).filter((n): n is string => n !== undefined);

  it('covers the three lists of the ADR, every practice in a row', () => {
    expect(start).toBeGreaterThan(0);
    for (const h of ['### Migrations', '### Performance', '### Security']) expect(section).toContain(`\n${h}\n`);
    const practices = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1].trim()).filter((p) => p !== 'Practice' && !/^-+$/.test(p));
    expect(practices).toEqual([
      'One logical change per migration',
      'Always a down section',
      'Idempotency',
      'Transactions for data migrations',
      'Indexes for foreign keys',
      'Test the rollback before deploying',
      '`CONCURRENTLY` for indexes',
      'Batches for big data changes',
      'Lock and statement timeouts',
      'Avoid table rewrites (and long scans under lock)',
      'The 30-second budget',
      'No sensitive data in migrations',
      'Review grants',
      'Constraints validate input',
      'Parameterised data migrations',
    ]);
  });

  it('names only lint rules (src/lint/rules.ts) and inputs (action.yml) that exist', () => {
    expect(bare.length).toBeGreaterThanOrEqual(30);
    expect({ unknown: bare.filter((t) => !rules.has(t) && !inputs.has(t)), unknownInputs: withValue.filter((n) => !inputs.has(n)) }).toEqual({
      unknown: [],
      unknownInputs: [],
    });
  });

  it('maps the rules that guard these practices', () => {
    const named = new Set(bare);
    // Guarding none of the listed practices: `rename` (running code, expand/contract),
    // `enum-add-value-in-transaction` (a PostgreSQL < 12 limit) and `parse-error` (a file that cannot run at all).
    const elsewhere = ['rename', 'enum-add-value-in-transaction', 'parse-error'];
    expect(RULE_IDS.filter((id) => !named.has(id) && !elsewhere.includes(id))).toEqual([]);
  });
});
