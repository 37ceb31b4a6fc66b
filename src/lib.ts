/**
 * The package's library entry (`import { checkMigrations } from 'db-migrate-action'`), bundled to
 * `dist/lib/index.js` with its declarations in `dist/lib/index.d.ts`. Only what an application
 * needs at runtime: nothing here may import the Actions toolkit, `pg` or the SQL parser (a test
 * checks the bundle holds only modules of src/).
 */
export { checkMigrations, MIGRATION_STATUS_SQL } from './library/check-migrations.js';
export type { CheckMigrationsOptions, MigrationCheck, Queryable } from './library/check-migrations.js';
