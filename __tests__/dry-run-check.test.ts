import { describe, it, expect } from '@jest/globals';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { fileAnnotations } from '../src/action/outputs.js';
import type { ActionSettings } from '../src/action/settings.js';
import { Migrator } from '../src/engine/migrator.js';

/**
 * The pull-request check is a dry run: it must be red exactly when `up` on the same database
 * would fail before applying anything, with the reason first and an annotation on the file.
 */
const server = usePostgres();

async function pipeline(s: ActionSettings) {
  const log = recordingLog();
  return runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log });
}

const A = migration('create table a (id int);', 'drop table a;');
const B = migration('create table b (id int);', 'drop table b;');

describe('a dry run fails exactly when up would', () => {
  it('out of order under strict: both fail with dbmate\'s message, annotated on the late file; without strict both pass', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/20260105000000_b.sql': B });
    try {
      const base = actionSettings(url, proj.dir, { backup: 'never' });
      expect((await pipeline(base)).status).toBe('success');
      await proj.write({ 'db/migrations/20260101000000_a.sql': A });
      for (const dryRun of [true, false]) {
        const run = await pipeline({ ...base, strict: true, dryRun });
        expect(run.status).toBe('failed');
        expect(run.error).toMatchObject({
          code: 'OUT_OF_ORDER',
          message: 'migration `20260101000000` is out of order with already applied migrations, the version number has to be higher than the applied migration `20260105000000` in --strict mode',
          file: 'db/migrations/20260101000000_a.sql',
        });
        expect(fileAnnotations(run)).toEqual([
          expect.objectContaining({ title: dryRun ? 'up would fail (dry run)' : 'Migration failed', file: 'db/migrations/20260101000000_a.sql', startLine: 1 }),
        ]);
      }
      expect((await query(url, 'select version from schema_migrations order by version')).map((r) => r.version)).toEqual(['20260105000000']);
      expect((await pipeline({ ...base, dryRun: true })).status).toBe('dry-run');
    } finally {
      await proj.cleanup();
    }
  });

  it('a file that does not parse, or an empty down section under lint-fail-on: warning, fails the dry run as it fails up', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': A, 'db/migrations/2_b.sql': 'create table b (id int);\n' });
    try {
      const base = actionSettings(url, proj.dir, { backup: 'never', dryRun: true });
      const bad = await pipeline(base);
      expect(bad.status).toBe('failed');
      expect(bad.error).toMatchObject({ code: 'PARSE_MISSING_UP', file: 'db/migrations/2_b.sql' });
      expect(fileAnnotations(bad)[0]).toMatchObject({ title: 'Invalid migration file', file: 'db/migrations/2_b.sql' });

      await proj.write({ 'db/migrations/2_b.sql': migration('create table b (id int);') });
      const lenient = await pipeline(base);
      expect(lenient.status).toBe('dry-run');
      for (const dryRun of [true, false]) {
        const run = await pipeline({ ...base, dryRun, lintFailOn: 'warning' });
        expect(run.status).toBe('failed');
        expect(run.error?.code).toBe(dryRun ? 'DRY_RUN_WOULD_FAIL' : 'LINT_FAILED');
        expect(run.error?.message).toMatch(/lint failed.*1 finding at or above lint-fail-on: warning/);
        expect(run.lint?.findings).toContainEqual(expect.objectContaining({ rule: 'missing-down', file: 'db/migrations/2_b.sql' }));
      }
      expect((await query(url, "select to_regclass('schema_migrations') as t"))[0].t).toBeNull();
    } finally {
      await proj.cleanup();
    }
  });
});
