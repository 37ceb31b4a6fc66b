import { describe, it, expect, afterAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { renderActionReference, currentReference, DOCS, ACTION_YML } from '../scripts/gen-action-reference.mjs';
import { parseArgs } from '../src/cli/args/parse.js';
import { usePostgres, withClient, query } from './helpers/pg.js';
import { runCli, runProcess, ROOT, type CliRun } from './helpers/cli.js';
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

    it('the preview role can run a dry run and cannot write', async () => {
      const [, list] = RUNNABLE.find(([h]) => h === 'Pull-request preview')!;
      const url = await exampleDatabase();
      await withClient(url, async (c) => {
        for (const b of list) await c.query(b.code);
      });
      const u = new URL(url);
      u.username = 'migrate_preview';
      u.password = 'change-me';
      const plan = await ok(['--url', u.toString(), '--migrations-dir', 'db/migrations', 'plan']);
      expect(plan.stdout).toMatch(/^Nothing to apply: \d+ applied, 0 pending/);
      await expect(withClient(u.toString(), (c) => c.query('create table t (id int)'))).rejects.toThrow(/read-only transaction/);
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

  it('shows only db-migrate command lines the CLI accepts (each a command, not help)', () => {
    const lines = BLOCKS.filter((b) => b.lang === 'sh')
      .flatMap((b) => b.code.split('\n').map((l, i) => ({ l: l.replace(/\s+#.*$/, '').trim(), line: b.line + 1 + i })))
      .filter(({ l }) => /^db-migrate\s/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const { l, line } of lines) {
      const argv = [...l.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).slice(1);
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs(argv, {});
      } catch (err) {
        throw new Error(`docs line ${line}: \`${l}\`: ${(err as Error).message}`);
      }
      expect({ line, command: 'command' in parsed ? parsed.command : 'help/version' }).not.toMatchObject({ command: 'help/version' });
    }
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
