import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Migrator, type MigratorConfig } from '../engine/migrator.js';
import { type RunResult } from '../engine/results.js';
import { connect, closeQuietly, withConnection, type ConnectOptions, type Connection } from '../engine/db.js';
import { dumpSchema } from '../engine/dump.js';
import { resolveLedgerName, ensureLedger, type LedgerName } from '../engine/ledger.js';
import { checkHistory, historyName, historyDdl, historyInsertSql, type HistoryEntry, type HistoryName } from '../engine/history.js';
import { parseDatabaseUrl, withDatabase, type DatabaseTarget } from '../engine/url.js';
import { MigrationError } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import { unifiedDiff } from './diff.js';

/** Options of {@link verifyMigrations}. */
export interface VerifyOptions {
  /**
   * Use this database as the scratch database instead of creating one. It must hold no tables
   * (verify refuses otherwise) and is left in place afterwards (verify did not create it).
   */
  scratchUrl?: string;
}

/** One check or action of a verify run, in the order it happened. */
export interface VerifyStep {
  /**
   * `up`: one migration applied; `down`: one migration rolled back and the schema compared with
   * the dump taken before it was applied; `empty`: after the full rollback, schema compared with
   * the initial dump; `reapply`: everything applied again and compared with the first full dump.
   */
  phase: 'up' | 'down' | 'empty' | 'reapply';
  /** Migration version (`up`/`down` only). */
  version?: string;
  /** Display path of the migration file (`up`/`down` only). */
  file?: string;
  /** The comparison held (always true for `up`). */
  ok: boolean;
  /** Unified-style diff (expected → actual) when `ok` is false. */
  diff?: string;
}

/** Result of {@link verifyMigrations}. */
export interface VerifyResult {
  /** Every down restored the previous schema, the full rollback left the initial schema, and re-applying gave the same schema. */
  ok: boolean;
  /** Number of migration files verified. */
  migrations: number;
  /** The scratch database used. */
  scratchDatabase: string;
  /** Verify created the scratch database (and dropped it at the end). */
  scratchCreated: boolean;
  /** The first migration (newest first) whose down section did not restore the schema from before its up. */
  firstBadDown?: { version: string; file: string; diff: string };
  steps: VerifyStep[];
  durationMs: number;
  /**
   * Rows (outcome `verified`, one per migration whose down step passed) written to the history
   * table of the configured database, the proof reports read. 0 when that database or its history
   * table does not exist (verify creates nothing there), when history is disabled, when nothing
   * passed, or when writing failed (a warning).
   */
  historyRecorded: number;
}

/**
 * Round-trip check of the migrations' down sections, on a scratch database that never is the
 * configured one: apply each migration one at a time (dumping the schema after each), roll back
 * one at a time newest first (each rollback must restore the dump taken before that migration),
 * check the schema is the initial one again, re-apply everything and check the final schema equals
 * the first full one. The scratch database verify creates is always dropped, also on failure.
 *
 * The comparison stops at the first bad down (later dumps would differ because of it).
 *
 * Afterwards, every down step that passed is recorded in the configured database's history table
 * (outcome `verified`, direction `down`, the file's sha256 as the engine records it, that step's
 * timing and `cfg.ctx`), all rows in one transaction: reports can then tell which files' down
 * sections were proven. Only when that database and its history table already exist; nothing is
 * recorded when the run throws. A failure to record is a warning, never a verify failure.
 *
 * @param cfg the usual engine configuration; its target names the server (and the scratch
 *   database's name prefix) and receives the proof rows, nothing else. The schema file is never written.
 * @throws MigrationError when the scratch database cannot be created or is not empty, when there are
 *   no migrations, and the migration's own error when an up or down section fails
 */
export async function verifyMigrations(cfg: MigratorConfig, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const t0 = Date.now();
  const log = cfg.log;
  // One invocation id for the whole verify, so its proof rows read as one run's.
  cfg = { ...cfg, ctx: { ...cfg.ctx, invocationId: cfg.ctx.invocationId ?? randomUUID() } };
  const created = opts.scratchUrl === undefined;
  const scratch = created ? withDatabase(cfg.target, scratchName(cfg.target)) : parseDatabaseUrl(opts.scratchUrl!);
  if (created) await adminQuery(cfg.target, `create database ${pg.escapeIdentifier(scratch.database)}`, { connectTimeoutMs: cfg.connectTimeoutMs });
  log.info(`Verifying on scratch database ${scratch.database}${created ? ' (created; dropped at the end)' : ''}`);
  const proofs: HistoryEntry[] = [];
  let result: Omit<VerifyResult, 'historyRecorded'>;
  try {
    result = await run(cfg, scratch, created, t0, proofs);
  } finally {
    if (created) {
      await adminQuery(cfg.target, `drop database if exists ${pg.escapeIdentifier(scratch.database)}`, { connectTimeoutMs: cfg.connectTimeoutMs }).catch((err) =>
        log.warn(`could not drop the scratch database ${scratch.database}: ${(err as Error).message}`),
      );
    }
  }
  return { ...result, historyRecorded: await recordProofs(cfg, scratch, proofs) };
}

/**
 * @param proofs filled with one `verified` history entry per down step that passed, in the order
 *   they ran (newest migration first)
 */
async function run(
  cfg: MigratorConfig,
  scratch: DatabaseTarget,
  created: boolean,
  t0: number,
  proofs: HistoryEntry[],
): Promise<Omit<VerifyResult, 'historyRecorded'>> {
  const log = cfg.log;
  // Quiet engine: verify prints its own progress; warnings still pass. Never write schema.sql.
  const quiet: Logger = { info: () => undefined, warn: (m) => log.warn(m), debug: (m) => log.debug(m) };
  const migrator = new Migrator({ ...cfg, target: scratch, dumpSchema: false, strict: false, log: quiet });
  const conn = await connect(scratch, { connectTimeoutMs: cfg.connectTimeoutMs });
  try {
    if (!created) await assertEmpty(conn, scratch);
    const ledger = await resolveLedgerName(conn, cfg.migrationsTable, scratch.searchPath);
    const history = cfg.historyTable ? historyName(ledger, cfg.historyTable) : undefined;
    // The ledger tables exist in every later dump, so they belong to the baseline too.
    await ensureLedger(conn, ledger, quiet);
    if (history) await conn.query(historyDdl(history));
    const dump = () => schemaOnly(conn, scratch, ledger, history, cfg);

    const files = (await migrator.plan()).pending;
    if (files.length === 0) {
      throw new MigrationError('NO_MIGRATIONS', 'no migration files found', {
        hint: `add a migration with \`db-migrate-action new NAME\` in ${cfg.migrationsDirs.join(', ')}`,
      });
    }
    const steps: VerifyStep[] = [];
    const result = (ok: boolean, extra: Partial<VerifyResult> = {}): Omit<VerifyResult, 'historyRecorded'> => ({
      ok,
      migrations: files.length,
      scratchDatabase: scratch.database,
      scratchCreated: created,
      ...extra,
      steps,
      durationMs: Date.now() - t0,
    });

    // before[i]: the schema just before files[i] was applied.
    const before: string[] = [];
    for (const f of files) {
      before.push(await dump());
      check(await migrator.up({ steps: 1 }), f.version);
      steps.push({ phase: 'up', version: f.version, file: f.displayPath, ok: true });
      log.info(`up      ${f.displayPath}`);
    }
    const full = await dump();

    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i];
      const down = await migrator.rollback({ steps: 1 });
      const doneAt = Date.now();
      check(down, f.version);
      const now = await dump();
      if (now !== before[i]) {
        const diff = unifiedDiff(before[i], now, { from: `schema before ${f.fileName}`, to: `schema after rolling back ${f.fileName}` });
        steps.push({ phase: 'down', version: f.version, file: f.displayPath, ok: false, diff });
        log.info(`down    ${f.displayPath}: the schema differs from before its up`);
        return result(false, { firstBadDown: { version: f.version, file: f.displayPath, diff } });
      }
      steps.push({ phase: 'down', version: f.version, file: f.displayPath, ok: true });
      // The checksum is the one the engine computed while parsing, the same it records for up and
      // down. A step result has no start time: it is its end (the rollback's return) minus its duration.
      const { durationMs } = down.steps[0];
      proofs.push({ version: f.version, direction: 'down', outcome: 'verified', fileName: f.fileName, checksum: f.checksum, startedAt: new Date(doneAt - durationMs), durationMs });
      log.info(`down    ${f.displayPath}: schema restored`);
    }

    const empty = await dump();
    if (empty !== before[0]) {
      steps.push({ phase: 'empty', ok: false, diff: unifiedDiff(before[0], empty, { from: 'initial schema', to: 'schema after full rollback' }) });
      return result(false);
    }
    steps.push({ phase: 'empty', ok: true });
    log.info('rollback of every migration left the initial schema');

    const again = await migrator.up();
    if (again.error) throw again.error;
    const final = await dump();
    if (final !== full) {
      steps.push({ phase: 'reapply', ok: false, diff: unifiedDiff(full, final, { from: 'first full schema', to: 'schema after re-applying' }) });
      log.info('re-applying every migration gave a different schema');
      return result(false);
    }
    steps.push({ phase: 'reapply', ok: true });
    log.info('re-applying every migration gave the same schema');
    return result(true);
  } finally {
    await closeQuietly(conn);
  }
}

/**
 * Write the proofs to the configured database's history table, in one transaction. Only into a
 * table that exists: verify never creates anything there (a missing database or table is logged at
 * debug level). Any failure is a warning: the verdict stands without the proof rows.
 *
 * @returns the number of rows written
 */
async function recordProofs(cfg: MigratorConfig, scratch: DatabaseTarget, proofs: HistoryEntry[]): Promise<number> {
  const log = cfg.log;
  const target = cfg.target;
  if (proofs.length === 0) return 0;
  if (!cfg.historyTable) {
    log.debug('history table disabled: the verified down sections are not recorded');
    return 0;
  }
  if (scratch.host === target.host && scratch.port === target.port && scratch.database === target.database) {
    log.debug('the scratch database is the configured one: the verified down sections are not recorded');
    return 0;
  }
  const what = `the ${proofs.length} verified down section(s) in the history table of ${target.redacted}`;
  let conn: Connection;
  try {
    conn = await connect(target, { connectTimeoutMs: cfg.connectTimeoutMs });
  } catch (err) {
    if ((err as MigrationError).code === 'DATABASE_MISSING') {
      log.debug(`database ${target.database} does not exist: ${what} are not recorded`);
    } else {
      log.warn(`could not record ${what}: ${(err as Error).message}`);
    }
    return 0;
  }
  try {
    const ledger = await resolveLedgerName(conn, cfg.migrationsTable, target.searchPath);
    const history = historyName(ledger, cfg.historyTable);
    // checkHistory: a foreign table of that name is refused (a warning below), never written.
    if (!(await checkHistory(conn, history))) {
      log.debug(`${history.quoted} does not exist in ${target.database}: ${what} are not recorded (verify creates no table there)`);
      return 0;
    }
    const inserts = proofs.map((p) => historyInsertSql(history, p, cfg.ctx));
    // One simple-protocol batch, one transaction: all rows or none. lock_timeout so that a table
    // locked by a concurrent schema change is given up on rather than waited for.
    try {
      await conn.query(`BEGIN;SET LOCAL lock_timeout = ${cfg.lockTimeoutMs};\n${inserts.join(';\n')};\nCOMMIT`);
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    log.info(`Recorded ${proofs.length} verified down section(s) in ${history.quoted} of ${target.database}`);
    return proofs.length;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 42703: no invocation_id column; 23514: the outcome check predates `verified`.
    const old = code === '42703' || code === '23514' ? ' (the history table predates the `verified` outcome: any `up` or `rollback` with this version upgrades it)' : '';
    log.warn(`could not record ${what}: ${(err as Error).message}${old}`);
    return 0;
  } finally {
    await closeQuietly(conn);
  }
}

/** A failed step is an error of the run (a broken up or down section), not a verify finding. */
function check(r: RunResult, version: string): void {
  if (r.error) throw r.error;
  if (r.steps.length !== 1 || r.steps[0].version !== version) {
    throw new MigrationError('VERIFY_UNEXPECTED_STEP', `verify expected to run version ${version}, but the engine ran ${r.steps.map((s) => s.version).join(', ') || 'nothing'}`);
  }
}

/** `<db>_verify_<8 hex>`, within PostgreSQL's 63-byte identifier limit. */
function scratchName(target: DatabaseTarget): string {
  const suffix = `_verify_${randomBytes(4).toString('hex')}`;
  let base = target.database || target.user || 'db';
  while (Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1);
  return base + suffix;
}

/** Run one statement on the server's `postgres` database (never on the configured one). */
async function adminQuery(target: DatabaseTarget, sql: string, connectOpts: ConnectOptions = {}): Promise<void> {
  await withConnection(withDatabase(target, 'postgres'), (admin) => admin.query(sql), connectOpts);
}

async function assertEmpty(conn: Connection, target: DatabaseTarget): Promise<void> {
  const { rows } = await conn.query<{ n: string }>(
    "select count(*) as n from pg_catalog.pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
  );
  const n = Number(rows[0].n);
  if (n > 0) {
    throw new MigrationError('VERIFY_SCRATCH_NOT_EMPTY', `the scratch database ${target.redacted} already has ${n} table(s): verify needs an empty database`, {
      hint: 'give an empty database as the scratch URL, or none (verify then creates and drops its own)',
    });
  }
}

const TRAILER = '\n--\n-- Dbmate schema migrations\n--\n';

/** The schema dump without dbmate's schema_migrations trailer (the versions differ by design). */
async function schemaOnly(conn: Connection, target: DatabaseTarget, ledger: LedgerName, history: HistoryName | undefined, cfg: MigratorConfig): Promise<string> {
  const text = await dumpSchema(conn, target, ledger, { pgDump: cfg.pgDump, extraArgs: cfg.dumpArgs, history });
  const at = text.lastIndexOf(TRAILER);
  return at >= 0 ? text.slice(0, at + 1) : text;
}

/** The human verdict: one line when everything round-trips, the first bad down with its diff otherwise. */
export function verdict(r: VerifyResult): string {
  if (r.ok) {
    return `Verify OK: ${r.migrations} migration(s) applied, rolled back and re-applied; every down undoes its up\n${recorded(r)}`;
  }
  if (r.firstBadDown) {
    return (
      `Verify FAILED: the down section of ${r.firstBadDown.file} (version ${r.firstBadDown.version}) does not undo its up.\n` +
      `Schema before its up (-) vs after its down (+):\n${r.firstBadDown.diff}${r.firstBadDown.diff.endsWith('\n') ? '' : '\n'}${recorded(r)}`
    );
  }
  const bad = r.steps.find((s) => !s.ok);
  const what =
    bad?.phase === 'empty'
      ? 'after rolling back every migration the schema is not the initial one'
      : 're-applying every migration after the full rollback gave a different schema';
  return `Verify FAILED: ${what}.\n${bad?.diff ?? ''}`;
}

/** Where the proofs went, so `report` can count them; nothing when none were recorded. */
function recorded(r: VerifyResult): string {
  return r.historyRecorded > 0 ? `Recorded ${r.historyRecorded} verified down section(s) in the history table\n` : '';
}
