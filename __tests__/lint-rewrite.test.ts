import { describe, it, expect } from '@jest/globals';
import { mechanicalRewrite } from '../src/lint/rewrite.js';
import { lintSource } from '../src/lint/index.js';
import { parseMigration } from '../src/engine/parse.js';

/** The file with the rewrite applied, as GitHub's "Commit suggestion" would leave it. */
function applied(content: string, r: { startLine: number; endLine: number; after: string[] }): string {
  const lines = content.split('\n');
  lines.splice(r.startLine - 1, r.endLine - r.startLine + 1, ...r.after);
  return lines.join('\n');
}

/** The rewrite of the first finding of `rule` in `content`, linted as a file of its own. */
async function rewriteOf(content: string, rule: string, opts: { pgVersion?: number } = {}) {
  const findings = await lintSource(content, 'db/migrations/2_x.sql', opts);
  const f = findings.find((x) => x.rule === rule);
  if (!f) throw new Error(`no ${rule} finding in: ${findings.map((x) => x.rule).join(', ')}`);
  return mechanicalRewrite(content, { rule: f.rule, line: f.line, direction: f.direction }, opts);
}

describe('mechanical rewrites of lint findings', () => {
  it('require-concurrent-index: CONCURRENTLY and IF NOT EXISTS on the statement, transaction:false on the marker, one span', async () => {
    const file = '-- migrate:up\ncreate index orders_created_idx on orders (created_at);\n\n-- migrate:down\ndrop index orders_created_idx;\n';
    const r = await rewriteOf(file, 'require-concurrent-index');
    expect(r).toEqual({
      startLine: 1,
      endLine: 2,
      before: ['-- migrate:up', 'create index orders_created_idx on orders (created_at);'],
      after: ['-- migrate:up transaction:false', 'create index concurrently if not exists orders_created_idx on orders (created_at);'],
      summary: 'adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the `-- migrate:up` marker',
    });
    // The rewritten file is clean for the rule, parses as transaction:false, and stays idempotent.
    const fixed = applied(file, r!);
    expect(parseMigration(fixed, 'x.sql').up.transaction).toBe(false);
    const again = (await lintSource(fixed, 'db/migrations/2_x.sql')).map((f) => f.rule);
    expect(again).not.toContain('require-concurrent-index');
    expect(again).not.toContain('concurrently-in-transaction');
    expect(again).not.toContain('non-idempotent-ddl');
  });

  it('keeps the author\'s keyword case, indentation, comments between, and an unnamed index without IF NOT EXISTS', async () => {
    const file = '-- migrate:up\n-- speeds up the report\n  CREATE UNIQUE INDEX ON orders (ref);\n\n-- migrate:down\n';
    const r = await rewriteOf(file, 'require-concurrent-index');
    expect(r?.after).toEqual(['-- migrate:up transaction:false', '-- speeds up the report', '  CREATE UNIQUE INDEX CONCURRENTLY ON orders (ref);']);
    expect(r?.summary).toBe('adds CONCURRENTLY, and transaction:false to the `-- migrate:up` marker');
  });

  it('a section already transaction:false: only the statement line changes', async () => {
    const file = '-- migrate:up transaction:false\nCREATE INDEX IF NOT EXISTS i ON orders (a);\n\n-- migrate:down\n';
    const r = await rewriteOf(file, 'require-concurrent-index');
    expect(r).toMatchObject({ startLine: 2, endLine: 2, after: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a);'], summary: 'adds CONCURRENTLY' });
  });

  it('an explicit transaction:true is replaced, not contradicted', async () => {
    const file = '-- migrate:up transaction:true\ncreate index i on orders (a);\n-- migrate:down\n';
    expect((await rewriteOf(file, 'require-concurrent-index'))?.after[0]).toBe('-- migrate:up transaction:false');
  });

  it('concurrently-in-transaction: the marker (and IF NOT EXISTS); drop-index-not-concurrently: CONCURRENTLY IF EXISTS', async () => {
    const c = await rewriteOf('-- migrate:up\ncreate index concurrently i on orders (a);\n-- migrate:down\n', 'concurrently-in-transaction');
    expect(c?.after).toEqual(['-- migrate:up transaction:false', 'create index concurrently if not exists i on orders (a);']);
    const d = await rewriteOf('-- migrate:up\nDROP INDEX orders_old_idx;\n-- migrate:down\n', 'drop-index-not-concurrently');
    expect(d?.after).toEqual(['-- migrate:up transaction:false', 'DROP INDEX CONCURRENTLY IF EXISTS orders_old_idx;']);
  });

  it('reindex-not-concurrently: CONCURRENTLY after the kind (options kept), not before PostgreSQL 12', async () => {
    const file = '-- migrate:up\nREINDEX (VERBOSE) TABLE orders;\n-- migrate:down\n';
    expect((await rewriteOf(file, 'reindex-not-concurrently'))?.after).toEqual(['-- migrate:up transaction:false', 'REINDEX (VERBOSE) TABLE CONCURRENTLY orders;']);
    expect(await rewriteOf(file, 'reindex-not-concurrently', { pgVersion: 11 })).toBeUndefined();
  });

  it('a down-section finding edits the down marker', async () => {
    const file = '-- migrate:up\ndrop index if exists i;\n\n-- migrate:down\ncreate index i on orders (a);\n';
    const r = await mechanicalRewrite(file, { rule: 'require-concurrent-index', line: 5, direction: 'down' });
    expect(r).toMatchObject({ startLine: 4, endLine: 5, after: ['-- migrate:down transaction:false', 'create index concurrently if not exists i on orders (a);'] });
    expect(r?.summary).toContain('`-- migrate:down` marker');
  });

  it('none when the edit is not mechanical', async () => {
    // Another statement in the section would lose its transaction.
    expect(await mechanicalRewrite('-- migrate:up\nalter table orders add column a int;\ncreate index i on orders (a);\n-- migrate:down\n', { rule: 'require-concurrent-index', line: 3 })).toBeUndefined();
    // DROP INDEX CONCURRENTLY takes one index and no CASCADE.
    expect(await mechanicalRewrite('-- migrate:up\ndrop index a, b;\n-- migrate:down\n', { rule: 'drop-index-not-concurrently', line: 2 })).toBeUndefined();
    expect(await mechanicalRewrite('-- migrate:up\ndrop index a cascade;\n-- migrate:down\n', { rule: 'drop-index-not-concurrently', line: 2 })).toBeUndefined();
    // The statement is not on the finding's line, the keywords span lines, another rule, a file that does not parse.
    expect(await mechanicalRewrite('-- migrate:up\ncreate index i on orders (a);\n-- migrate:down\n', { rule: 'require-concurrent-index', line: 3 })).toBeUndefined();
    expect(await mechanicalRewrite('-- migrate:up\ncreate\nindex i on orders (a);\n-- migrate:down\n', { rule: 'require-concurrent-index', line: 2 })).toBeUndefined();
    expect(await mechanicalRewrite('-- migrate:up\ncreate index i on orders (a);\n-- migrate:down\n', { rule: 'destructive-drop', line: 2 })).toBeUndefined();
    expect(await mechanicalRewrite('create index i on orders (a);\n', { rule: 'require-concurrent-index', line: 1 })).toBeUndefined();
    // A marker far above the statement: the suggestion would replace everything in between.
    const far = `-- migrate:up\n${'-- note\n'.repeat(25)}create index i on orders (a);\n-- migrate:down\n`;
    expect(await mechanicalRewrite(far, { rule: 'require-concurrent-index', line: 27 })).toBeUndefined();
  });

  it('CRLF files: lines come back without their carriage returns', async () => {
    const file = '-- migrate:up\r\ncreate index i on orders (a);\r\n-- migrate:down\r\n';
    const r = await mechanicalRewrite(file, { rule: 'require-concurrent-index', line: 2 });
    expect(r?.before).toEqual(['-- migrate:up', 'create index i on orders (a);']);
    expect(r?.after).toEqual(['-- migrate:up transaction:false', 'create index concurrently if not exists i on orders (a);']);
  });
});
