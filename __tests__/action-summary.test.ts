import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { renderSummary } from '../src/action/summary.js';
import { CODE_WIDTH, pathCode, plain, wrapCode, wrapDiff, wrapShell, wrapSql } from '../src/text/markdown.js';
import { duration } from '../src/text/units.js';
import { actionOutputs, fileAnnotations } from '../src/action/outputs.js';
import type { ActionRun } from '../src/action/run-result.js';
import { actionRun } from './helpers/action.js';
import { EMAIL_ERROR_TEXT, FILES, dryRun, failedProductionRun, lintFailedRun, rolledBackRun } from './helpers/summary-runs.js';

function baseRun(over: Partial<ActionRun> = {}): ActionRun {
  return actionRun({
    target: { host: 'db.example.com', port: 5432, database: 'app', user: 'deploy', url: 'postgres://deploy:********@db.example.com:5432/app' },
    urlSource: 'STAGING_DATABASE_URL',
    ...over,
  });
}

describe('job summary rendering', () => {
  it('shows environment, command, target without password, result table and totals', () => {
    const md = renderSummary(
      baseRun({
        rows: [
          { version: '1', file: 'db/migrations/1_a.sql', status: 'applied', durationMs: 12.4, transaction: true },
          { version: '2', file: 'db/migrations/2_b.sql', status: 'applied', durationMs: 1500, transaction: false, attempts: 2 },
          { version: '3', file: 'db/migrations/3_c.sql', status: 'pending' },
        ],
        applied: ['1', '2'],
        pending: ['3'],
        currentVersion: '2',
      }),
    );
    // The facts under the headline: two short lines, where the run went and how it ended.
    expect(md).toMatch(
      /^## ✅ Migrations applied on staging\n\n\*\*Environment:\*\* `staging` · \*\*Command:\*\* `up` · \*\*Database:\*\* `db\.example\.com:5432\/app` as `deploy` \(URL from `STAGING_DATABASE_URL`\) \\\n\*\*Current version:\*\* `2` · \*\*Duration:\*\* 1\.2 s\n\n### Result\n/,
    );
    expect(md).not.toContain('********');
    expect(md).toContain('### Result\n\n| Version | File | Status | Duration |\n|---|---|---|---|\n');
    expect(md).toContain('| `1` | `db/migrations/1_a.sql` | ✅ applied | 12 ms |');
    expect(md).toContain('| `2` | `db/migrations/2_b.sql` | ✅ applied (2 attempts) | 1.5 s |');
    expect(md).toContain('| `3` | `db/migrations/3_c.sql` | ⏳ pending |  |');
    expect(md).toContain('**Totals:** 2 applied · 1 pending');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('puts the failing file:line, SQLSTATE and the full description under the error', () => {
    const md = renderSummary(
      baseRun({
        status: 'failed',
        rows: [
          { version: '1', file: 'db/migrations/1_a.sql', status: 'applied', durationMs: 3 },
          { version: '2', file: 'db/migrations/2_bad.sql', status: 'failed', durationMs: 4 },
        ],
        applied: ['1'],
        pending: ['2'],
        error: {
          message: 'db/migrations/2_bad.sql:4:15: applying version 2 failed: relation "nope" does not exist (SQLSTATE 42P01)',
          details: 'db/migrations/2_bad.sql:4:15: applying version 2 failed: relation "nope" does not exist (SQLSTATE 42P01)\n  statement: select * from nope',
          file: 'db/migrations/2_bad.sql',
          line: 4,
          column: 15,
          sqlstate: '42P01',
          version: '2',
        },
        warnings: ['rollback-on-failure is not implemented in this version of the action'],
      }),
    );
    expect(md).toMatch(/^## ❌ Migration failed on staging\n/);
    expect(md).toContain('**Totals:** 1 applied · 1 failed');
    // The location and SQLSTATE once, then the message without them, then what the description adds (not the message again).
    expect(md).toContain(
      '### ❌ Error\n\nIn `db/migrations/2_bad.sql:4:15` (SQLSTATE `42P01`): applying version 2 failed: relation "nope" does not exist\n\n- **Statement:** select \\* from nope\n\n### Result\n',
    );
    expect(md.split('relation "nope" does not exist')).toHaveLength(2);
    expect(md).toContain('### ⚠️ Warnings\n\n- rollback-on-failure is not implemented');
  });

  it('renders a dry run as a plan with mode and the exact SQL, fenced safely', () => {
    const sql = '-- migrate:up\nselect \'a|b\', $$```$$;';
    const md = renderSummary(
      baseRun({
        status: 'dry-run',
        dryRun: true,
        rows: [
          { version: '1', file: 'db/migrations/1_a|b.sql', status: 'would-apply', transaction: true, sql },
          { version: '2', file: 'db/migrations/2_c.sql', status: 'pending', transaction: false },
        ],
        pending: ['1', '2'],
        notes: ['The ledger table does not exist yet'],
      }),
    );
    expect(md).toMatch(/^## 🔍 Dry run on staging: nothing was changed\n/);
    expect(md).toContain('**Command:** `up` (dry run)');
    expect(md).toContain('### Plan\n\n| Version | File | Status | Mode |');
    expect(md).toContain('| `1` | `db/migrations/1_a\\|b.sql` | 🔍 would apply | transaction |');
    expect(md).toContain('| `2` | `db/migrations/2_c.sql` | ⏳ pending | transaction:false |');
    expect(md).toContain('**Totals:** 1 would apply · 1 pending');
    // The SQL holds a triple backtick: the fence must be longer.
    expect(md).toContain(`\`\`\`\`sql\n${sql}\n\`\`\`\``);
    expect(md).toContain('- The ledger table does not exist yet');
  });

  it('renders status as a readable table', () => {
    const md = renderSummary(
      baseRun({
        command: 'status',
        rows: [
          { version: '1', file: 'db/migrations/1_a.sql', status: 'applied' },
          { version: '2', file: 'db/migrations/2_b.sql', status: 'edited' },
          { version: '3', file: 'db/migrations/3_c.sql', status: 'pending' },
          { version: '9', file: '', status: 'no-file' },
        ],
        currentVersion: '2',
        pending: ['3'],
      }),
    );
    expect(md).toMatch(/^## 📋 Migration status of staging\n/);
    expect(md).toContain('### Status\n\n| Version | File | Status |\n|---|---|---|\n| `1` | `db/migrations/1_a.sql` | ✅ applied |');
    expect(md).toContain('| `2` | `db/migrations/2_b.sql` | ⚠️ applied, file edited since |');
    expect(md).toContain('| `9` | — | ❔ applied, no file |');
  });

  it('explains a run that never started because of invalid inputs', () => {
    const md = renderSummary(
      actionRun({
        status: 'failed',
        command: undefined,
        environment: undefined,
        durationMs: 2,
        error: { message: "invalid input 'steps': got '-1'", details: "invalid input 'steps': got '-1'; expected a whole number", code: 'INPUT_INVALID' },
      }),
    );
    expect(md).toMatch(/^## ❌ Invalid action inputs: nothing ran\n/);
    expect(md).toContain("invalid input 'steps': got '-1'; expected a whole number");
    expect(md).not.toContain('Current version');
  });

  it('formats durations for people', () => {
    expect(duration(0.25)).toBe('0.25 ms');
    expect(duration(12.4)).toBe('12 ms');
    expect(duration(1234)).toBe('1.2 s');
    expect(duration(125_000)).toBe('2 min 5 s');
  });

  it('gives every output a string, JSON arrays where the contract says so', () => {
    const out = actionOutputs(baseRun({ applied: ['1', '2'], pending: ['3'], currentVersion: '2' }));
    expect(out).toMatchObject({
      status: 'success',
      applied: '["1","2"]',
      'rolled-back': '[]',
      pending: '["3"]',
      'current-version': '2',
      'backup-path': '',
      'issue-url': '',
      'duration-ms': '1234',
    });
    expect(JSON.parse(out.report)).toMatchObject({ schemaVersion: 2, status: 'success', applied: ['1', '2'] });
  });

  it('annotates the failing file: on its line, on line 1 when the line is unknown (parse errors), and the rollback failure too', () => {
    const sqlErr = { message: 'm', details: 'd', file: 'db/migrations/2_b.sql', line: 4, column: 7, version: '2' };
    expect(fileAnnotations(baseRun({ status: 'failed', error: sqlErr }))).toEqual([
      { message: 'd', title: 'Migration 2 failed', file: 'db/migrations/2_b.sql', startLine: 4, startColumn: 7 },
    ]);
    const parseErr = { message: "db/migrations/3_c.sql: dbmate requires each migration to define a down block with '-- migrate:down'", details: 'p', code: 'PARSE_MISSING_DOWN', file: 'db/migrations/3_c.sql' };
    expect(fileAnnotations(baseRun({ status: 'failed', error: parseErr }))).toEqual([{ message: 'p', title: 'Invalid migration file', file: 'db/migrations/3_c.sql', startLine: 1 }]);
    const rollbackErr = { message: 'r', details: 'rd', file: 'db/migrations/1_a.sql', line: 9, column: 1, version: '1' };
    const both = fileAnnotations(
      baseRun({ status: 'failed', error: sqlErr, rollback: { reason: 'migration 2 failed', requested: ['1'], rolledBack: [], remaining: ['1'], stoppedAt: { version: '1', reason: 'failed' }, error: rollbackErr } }),
    );
    expect(both.map((a) => `${a.title} ${a.file}:${a.startLine}`)).toEqual(['Migration 2 failed db/migrations/2_b.sql:4', 'Rollback of 1 failed db/migrations/1_a.sql:9']);
    expect(fileAnnotations(baseRun({ status: 'failed', error: { message: 'lock', details: 'lock' } }))).toEqual([]);
  });

  it('shows health checks and the automatic rollback, with what remains applied', () => {
    const md = renderSummary(
      baseRun({
        status: 'rolled-back',
        rows: [
          { version: '1', file: 'db/migrations/1_a.sql', status: 'applied', durationMs: 3 },
          { version: '1', file: 'db/migrations/1_a.sql', status: 'rolled-back', durationMs: 2 },
        ],
        applied: ['1'],
        rolledBack: ['1'],
        error: { message: 'health check failed after migrating: url: GET http://app/health: no 2xx', details: 'health check failed after migrating: url: GET http://app/health: no 2xx', code: 'HEALTH_CHECK_FAILED' },
        health: {
          ok: false,
          durationMs: 30,
          checks: [
            { name: 'sql', ok: true, detail: 'SELECT 1: succeeded (first column: 1)', durationMs: 1.2 },
            { name: 'url', ok: false, detail: 'GET http://app/health: no 2xx after 3 attempt(s) 10 ms apart; last: 503 | x', durationMs: 25, attempts: 3 },
          ],
        },
        rollback: { reason: 'health check failed: url', requested: ['1'], rolledBack: ['1'], remaining: [] },
      }),
    );
    expect(md).toMatch(/^## ↩️ Health checks failed on staging: this run's migrations were rolled back\n/);
    // The checks that failed the run are its error: their table says what the message would, once.
    expect(md).toContain(
      '### ❌ Error\n\nThe health checks after migrating failed: URL (`health-check-url`).\n\n| Check | Result | Detail | Duration |\n|---|---|---|---|\n| SQL (`health-check-sql`) | ✅ passed | SELECT 1: succeeded (first column: 1) | 1 ms |\n',
    );
    expect(md).not.toContain('### ❌ Health checks');
    expect(md.split('GET http://app/health')).toHaveLength(2);
    expect(md).toContain('| URL (`health-check-url`) | ❌ failed (3 attempts) | GET http://app/health: no 2xx after 3 attempt(s) 10 ms apart; last: 503 \\| x | 25 ms |');
    expect(md).toContain('### ↩️ Automatic rollback\n\n- **Why:** health check failed: url\n- **Rolled back** (newest first): `1`\n- **Still applied from this run:** none\n- **Current version now:** none applied\n');
    expect(md).toContain('**Totals:** 1 applied · 1 rolled back');
  });

  it('shows the backup: where, how big, how it was checked, and the exact restore command; and the issue link', () => {
    const md = renderSummary(
      baseRun({
        status: 'rolled-back',
        environment: 'production',
        backupPath: '/tmp/db-backups/production-app-20260101T000000Z-v1.dump',
        backup: {
          outcome: 'taken',
          reason: 'backup: auto, environment production',
          pgDump: '/usr/bin/pg_dump',
          pgDumpVersion: '15.18',
          serverVersion: '15.18',
          dir: '/tmp/db-backups',
          path: '/tmp/db-backups/production-app-20260101T000000Z-v1.dump',
          bytes: 5120,
          sha256: 'ab'.repeat(32),
          durationMs: 420,
          entries: 11,
          restoreDatabase: 'app_restore_20260101000000',
          restoreCommand: 'createdb --maintenance-db=postgres://deploy@db/postgres --template=template0 app_restore_20260101000000 && pg_restore --no-owner --dbname=postgres://deploy@db/app_restore_20260101000000 /tmp/x.dump',
        },
        issue: { action: 'created', number: 12, url: 'https://github.com/o/r/issues/12', issueUrl: 'https://github.com/o/r/issues/12' },
        issueUrl: 'https://github.com/o/r/issues/12',
      }),
    );
    // The backup has its section: the facts line does not repeat it.
    expect(md).not.toContain('**Backup:**');
    expect(md).toContain(' · **Issue:** [#12](https://github.com/o/r/issues/12) opened\n');
    expect(md).toContain('### 💾 Backup\n\n- **Path:** `/tmp/db-backups/production-app-20260101T000000Z-v1.dump` (mode 0600)\n');
    expect(md).toContain('verified with `pg_restore --list`: 11 entries');
    expect(md).toContain('- **Taken with:** pg_dump 15.18 (`/usr/bin/pg_dump`) from a PostgreSQL 15.18 server (backup: auto, environment production)');
    // One 197-character line in the run, on lines that fit GitHub's column in the summary: ` \` continues a command, `&&` ends one.
    expect(md).toContain(
      '```sh\ncreatedb --maintenance-db=postgres://deploy@db/postgres --template=template0 \\\n  app_restore_20260101000000 &&\npg_restore --no-owner --dbname=postgres://deploy@db/app_restore_20260101000000 /tmp/x.dump\n```',
    );
    expect(md).toContain('It is never run automatically');
    expect(actionOutputs(baseRun({ backupPath: '/b.dump', issueUrl: 'https://i' }))).toMatchObject({ 'backup-path': '/b.dump', 'issue-url': 'https://i' });
  });

  it('a failed backup: the headline says nothing was applied, the section says why', () => {
    const md = renderSummary(
      baseRun({
        status: 'failed',
        environment: 'production',
        backup: { outcome: 'failed', reason: 'backup: auto, environment production', serverVersion: '18.4', error: 'pg_dump 15.18 cannot back up a PostgreSQL 18.4 server' },
        error: { message: 'backup before migrating failed, so nothing was applied: pg_dump 15.18 cannot back up a PostgreSQL 18.4 server', details: 'x', code: 'BACKUP_PG_DUMP_TOO_OLD' },
      }),
    );
    expect(md).toMatch(/^## ❌ Backup failed on production: nothing was applied\n/);
    expect(md).not.toContain('**Backup:**');
    // The reason is the error's: said there, pointed to here.
    expect(md).toContain(
      '### ❌ Backup\n\n- **Why a backup:** backup: auto, environment production\n- **Server:** PostgreSQL 18.4\n- **Result:** failed before any migration ran, so nothing was changed: see the error above\n',
    );
    expect(md.split('pg_dump 15.18 cannot back up a PostgreSQL 18.4 server')).toHaveLength(2);
  });
});

describe('job summary layout (issue 16)', () => {
  /** Where each heading starts in the markdown, in the order given; fails on a missing one. */
  const positions = (md: string, headings: string[]) =>
    headings.map((h) => {
      const at = md.indexOf(`\n${h}\n`);
      if (at < 0) throw new Error(`no heading ${JSON.stringify(h)} in:\n${md}`);
      return at;
    });
  /** Every line inside a fenced block. */
  const codeLines = (md: string) => [...md.matchAll(/^(`{3,})\w*\n([\s\S]*?)\n\1$/gm)].flatMap((m) => m[2]!.split('\n'));

  it('a failed production run reads top down: outcome, error, what changed, rollback, backup, lint, warnings, notes, history', async () => {
    const md = renderSummary(await failedProductionRun());
    const order = ['### ❌ Error', '### Result', '### ↩️ Automatic rollback (incomplete)', '### 💾 Backup', '### ⚠️ Migration lint', '### ⚠️ Warnings', '### Notes', '### Last 4 runs in production'];
    const at = positions(md, order);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    // The facts line sits between the headline and the error.
    expect(md.indexOf('**Environment:** `production` · **Command:** `up` · **Database:**')).toBeLessThan(at[0]!);
  });

  it('says the error once: the server’s text, the location and the SQLSTATE; no statement line beside the statement block', async () => {
    const run = await failedProductionRun();
    const md = renderSummary(run);
    expect(md.split(EMAIL_ERROR_TEXT)).toHaveLength(2);
    expect(md.split(`${FILES.email}:4:44`)).toHaveLength(2);
    expect(md).toContain(
      `### ❌ Error\n\nIn \`${FILES.email}:4:44\` (SQLSTATE \`42703\`): applying version 20261121080000 failed: column "emial" does not exist\n\n` +
        '- **Server hint:** Perhaps you meant to reference the column "users.email".\n' +
        '- Nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '- **Hint:** fix the statement, then run up again: nothing of this migration was applied\n\n' +
        'Failing statement:\n\n```sql\nCREATE INDEX users_email_lower_idx ON users (lower(emial));\n```\n',
    );
    expect(md).not.toContain('- **Statement:**');
    // The history lists the errors of the other failed runs, not this one again.
    expect(md).toContain('Errors of the failed runs (first line):\n\n- 2026-11-20 16:40 UTC: `applying version 20261120090000 failed: canceling statement due to lock timeout (SQLSTATE 55P03)`\n');
  });

  it('has no key/value table with an empty header row, and no line of code wider than GitHub’s column', async () => {
    for (const run of [await failedProductionRun(), await rolledBackRun(), await dryRun(), await lintFailedRun()]) {
      const md = renderSummary(run);
      expect(md).not.toMatch(/^\|(\s*\|)+\s*$/m);
      expect(codeLines(md).filter((l) => l.length > CODE_WIDTH)).toEqual([]);
    }
  });

  it('collapses the lint under <details> when it did not fail the run, and keeps it open for command: lint', async () => {
    const md = renderSummary(await failedProductionRun());
    const lint = md.slice(md.indexOf('### ⚠️ Migration lint'), md.indexOf('### ⚠️ Warnings'));
    expect(lint).toMatch(/^### ⚠️ Migration lint\n\n0 errors, 2 warnings, 4 info in the pending migrations \(3 files\); lint-fail-on: `error`\.\nJudged for PostgreSQL 16; table sizes read from the database\.\n\n<details><summary>6 findings: where, why and the safe alternative<\/summary>\n\n- /);
    expect(lint.trimEnd().endsWith('</details>')).toBe(true);
    const command = renderSummary({ ...(await dryRun()), command: 'lint', status: 'success' });
    expect(command).not.toContain('<details><summary>6 findings');
    expect(command).toContain('- ⚠️ warning `destructive-drop` at ');
  });

  it('when lint fails the run, the failing findings are the error (file:line, rule, the safe alternative), not repeated below', async () => {
    const md = renderSummary(await lintFailedRun());
    const finding = `- ❌ error \`require-concurrent-index\` at \`${FILES.email}:4:1\`: CREATE INDEX users_email_lower_idx on existing table users without CONCURRENTLY.`;
    expect(md.split(finding)).toHaveLength(2);
    expect(md.indexOf(finding)).toBeGreaterThan(md.indexOf('### ❌ Error'));
    expect(md.indexOf(finding)).toBeLessThan(md.indexOf('### ❌ Migration lint'));
    expect(md).toContain('\n  **Safe alternative:** Use CREATE INDEX CONCURRENTLY in its own migration');
    expect(md).toContain('The 1 finding that failed the run is listed under the error above; the others:\n\n<details><summary>2 other findings: where, why and the safe alternative</summary>');
  });

  it('a dry run wraps long SQL lines for display and says so; the plan and lint come before the SQL', async () => {
    const md = renderSummary(await dryRun());
    expect(md).toContain('### SQL\n\nLines over 100 characters are wrapped for display; the files hold them as written.\n');
    // A wrapped comment goes on as a comment.
    expect(md).toContain("-- Orders shipped before shipments recorded a carrier keep 'shipped'; the rest take the state of\n-- their newest shipment");
    const at = positions(md, ['### Plan', '### ⚠️ Migration lint', '### Notes', '### SQL']);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });
});

describe('text for GitHub: wrapped code, inert prose', () => {
  /** What `sh` runs for `script`: each command's argv, one per line, with stub `createdb` and `pg_restore`. */
  function argv(script: string): string {
    const stubs = "createdb() { printf '[createdb]'; printf ' <%s>' \"$@\"; echo; }; pg_restore() { printf '[pg_restore]'; printf ' <%s>' \"$@\"; echo; };";
    const r = spawnSync('sh', ['-c', `${stubs}\n${script}`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it('wraps a restore command so no line is wider than the column and sh runs exactly the same command', async () => {
    const run = await failedProductionRun();
    const long = run.backup!.restoreCommand!;
    expect(long.length).toBeGreaterThan(300);
    const tricky = `pg_restore '--dbname=postgres://u@h/db?application_name=it'\\''s${'x'.repeat(150)}&sslmode=require' "/tmp/a dir/${'y'.repeat(120)}.dump" plain\\ space${'z'.repeat(110)}`;
    for (const command of [long, tricky]) {
      const wrapped = wrapShell(command);
      expect(wrapped.split('\n').length).toBeGreaterThan(2);
      expect(wrapped.split('\n').filter((l) => l.length > CODE_WIDTH)).toEqual([]);
      expect(argv(wrapped)).toBe(argv(command));
    }
    expect(wrapShell('pg_restore --list /tmp/x.dump')).toBe('pg_restore --list /tmp/x.dump');
  });

  it('wraps code at spaces, keeps a comment a comment and a diff line its mark', () => {
    expect(wrapCode(`${'word '.repeat(30)}end`, 40).split('\n')).toEqual([
      'word word word word word word word word',
      '  word word word word word word word',
      '  word word word word word word word',
      '  word word word word word word word',
      '  word end',
    ]);
    expect(wrapCode('x'.repeat(90), 40).split('\n')).toEqual(['x'.repeat(40), `  ${'x'.repeat(38)}`, `  ${'x'.repeat(12)}`]);
    expect(wrapSql(`  -- ${'note '.repeat(12)}`, 30).split('\n')[1]).toMatch(/^ {2}-- note/);
    expect(wrapDiff(`+${'col text, '.repeat(8)}`, 40).split('\n').slice(1).every((l) => l.startsWith('+'))).toBe(true);
  });

  it('lets a long path in a table break after / and _, and leaves a short one a code span', () => {
    expect(pathCode('db/migrations/1_a.sql')).toBe('`db/migrations/1_a.sql`');
    expect(pathCode(FILES.email)).toBe(
      '<code>db/<wbr>migrations/<wbr>20261121080000_<wbr>add_<wbr>users_<wbr>email_<wbr>lower_<wbr>index_<wbr>for_<wbr>case_<wbr>insensitive_<wbr>login.sql</code>',
    );
    expect(pathCode(`db/${'x'.repeat(60)}<b>.sql`)).toContain('&lt;b&gt;');
  });

  it('quotes outside text as prose that renders as written: no emphasis, HTML, math or list, URLs whole', () => {
    expect(plain('a *b* <i>c</i> `d` $x$ | e')).toBe('a \\*b\\* \\<i\\>c\\</i\\> \\`d\\` \\$x\\$ \\| e');
    expect(plain('- not a list')).toBe('\\- not a list');
    expect(plain('1. not a list')).toBe('1\\. not a list');
    expect(plain('pg_dump _x_ &amp; & y')).toBe('pg_dump \\_x\\_ \\&amp; & y');
    expect(plain('GET https://h/x?a=1&b_c=2: no 2xx')).toBe('GET https://h/x?a=1&b_c=2: no 2xx');
  });
});
