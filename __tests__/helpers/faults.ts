/**
 * What the fault suites share: a project of three migrations that each create one table, the
 * second sleeping as long as its session's `fault.sleep_s` says (a URL parameter becomes
 * `-c fault.sleep_s=…`), so the faulted run sleeps and the rerun that proves convergence does not.
 */
import { randomBytes } from 'node:crypto';
import type { HistoryRow } from './invariants.js';
import { migration, project } from './cli.js';

/** The statement that sleeps `fault.sleep_s` seconds (none when the parameter is not set). */
export const SLEEP = "select pg_sleep(current_setting('fault.sleep_s', true)::float);";

/** The tables the migrations create, by version: the table exists iff the version is applied. */
export const TABLES = { '1': 'one', '2': 'slow', '3': 'three' };

export const MIGRATIONS: Record<string, string> = {
  'db/migrations/1_one.sql': migration('create table one (id int);', 'drop table one;'),
  'db/migrations/2_slow.sql': migration(`create table slow (id int);\n${SLEEP}`, 'drop table slow;'),
  'db/migrations/3_three.sql': migration('create table three (id int);', 'drop table three;'),
};

/** `url` with a parameter set. */
export function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

/** `direction outcome` of each history row of `version`, in order. */
export function rowsOf(rows: HistoryRow[] | undefined, version: string): string[] {
  return (rows ?? []).filter((r) => r.version === version).map((r) => `${r.direction} ${r.outcome}`);
}

/**
 * A fresh database and project for one fault. `url` is the checker's (admin) URL of the database;
 * `runUrl` the same database with an application_name of this test's own, so the run's backends
 * can be found (and waited for) among everybody else's. `cleanup` removes the project.
 */
export async function faultSetup(createDatabase: () => Promise<string>, files: Record<string, string>, prefix: string) {
  const url = await createDatabase();
  const app = `${prefix}_${randomBytes(4).toString('hex')}`;
  const p = await project(files);
  return { url, app, runUrl: withParam(url, 'application_name', app), dir: p.dir, cleanup: p.cleanup };
}
