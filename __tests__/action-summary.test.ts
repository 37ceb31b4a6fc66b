import { describe, it, expect } from '@jest/globals';
import { renderSummary } from '../src/action/summary.js';
import { duration } from '../src/text/units.js';
import { actionOutputs, fileAnnotations } from '../src/action/outputs.js';
import type { ActionRun } from '../src/action/run-result.js';
import { actionRun } from './helpers/action.js';

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
    expect(md).toMatch(/^## ✅ Migrations applied on staging\n/);
    expect(md).toContain('| Environment | `staging` |');
    expect(md).toContain('| Command | `up` |');
    expect(md).toContain('| Database | `db.example.com:5432/app` as `deploy` (URL from `STAGING_DATABASE_URL`) |');
    expect(md).toContain('| Current version | `2` |');
    expect(md).toContain('| Duration | 1.2 s |');
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
    expect(md).toContain('### ❌ Error\n\nIn `db/migrations/2_bad.sql:4:15` (SQLSTATE `42P01`):\n\n```text\n');
    expect(md).toContain('  statement: select * from nope\n```');
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
    expect(md).toContain('| Command | `up` (dry run: nothing was changed) |');
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
    expect(JSON.parse(out.report)).toMatchObject({ schemaVersion: 1, status: 'success', applied: ['1', '2'] });
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
    expect(md).toContain('### ❌ Health checks\n\n| Check | Result | Detail | Duration |\n|---|---|---|---|\n| SQL (`health-check-sql`) | ✅ passed | SELECT 1: succeeded (first column: 1) | 1 ms |\n');
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
    expect(md).toContain('| Backup | ✅ `/tmp/db-backups/production-app-20260101T000000Z-v1.dump` (5.0 KiB, 420 ms; see below) |');
    expect(md).toContain('| Issue | [#12](https://github.com/o/r/issues/12) opened |');
    expect(md).toContain('### 💾 Backup\n\n- **Path:** `/tmp/db-backups/production-app-20260101T000000Z-v1.dump` (mode 0600)\n');
    expect(md).toContain('verified with `pg_restore --list`: 11 entries');
    expect(md).toContain('- **Taken with:** pg_dump 15.18 (`/usr/bin/pg_dump`) from a PostgreSQL 15.18 server (backup: auto, environment production)');
    expect(md).toContain('```sh\ncreatedb --maintenance-db=postgres://deploy@db/postgres --template=template0 app_restore_20260101000000 && pg_restore');
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
    expect(md).toContain('| Backup | ❌ failed (backup: auto, environment production): no migration ran |');
    expect(md).toContain('### ❌ Backup\n\n- **Why a backup:** backup: auto, environment production\n- **Server:** PostgreSQL 18.4\n- **Result:** failed before any migration ran');
  });
});
