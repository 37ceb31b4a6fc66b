import { readFileSync } from 'node:fs';
import { literal, isConnectionLost, type Connection } from './db.js';
import type { LedgerName } from './ledger.js';
import type { HistoryName, RunContext } from './history.js';
import { historyInsertSql, recordHistory } from './history.js';
import type { Logger } from './logger.js';
import type { MigrationFile, ParsedMigration, Section } from './types.js';
import { checksumOf } from './parse.js';
import type { MigrationPlan } from './plan.js';
import { splitStatements, statementAround, type Statement } from './split.js';
import { SqlMigrationError, SqlSyntaxError, lineColumn, type SqlFailure } from './sql-error.js';
import { elapsedMs } from './duration.js';
import { sleep } from './sleep.js';
import { firstAttempt, nextAttempt, type LockAttempt, type LockScheduleSettings } from './lock-schedule.js';
import { abortReason } from './cancel.js';
import { redact } from './redact.js';
import type { RanStepOutcome } from './vocabulary.js';

/** Settings every migration step runs under. */
export interface StepOptions {
  ledger: LedgerName;
  /** Audit table, or undefined when disabled. */
  history?: HistoryName;
  ctx: RunContext;
  log: Logger;
  /**
   * Longest `lock_timeout` of any attempt, ms (0 = none: one attempt waits as long as it takes),
   * already lowered to the server's own lock_timeout where that applies (see `lock-schedule.ts`).
   */
  lockTimeoutMs: number;
  /** `statement_timeout` for each migration, ms (0 = none); undefined = the server's (role's, database's), nothing is SET. */
  statementTimeoutMs?: number;
  /** How many times a migration (or `transaction:false` statement) that hit lock_timeout (55P03) is retried. */
  lockRetries: number;
  /** Wall time the lock attempts and pauses of one migration (or statement) may take, ms; 0 = no limit. */
  lockRetryBudgetMs: number;
  /** Jitter of the pauses between attempts, a number in [0, 1) (default `Math.random`; tests pass their own). */
  random?: () => number;
  /** Aborted when the run is cancelled: no statement starts after it, and the one in flight is cancelled (`guard.ts`). */
  signal?: AbortSignal;
  /** Masked in the history row's error text (the database password, tokens). */
  secrets: readonly string[];
}

/** What happened to one migration file in one direction. */
export interface StepResult {
  version: string;
  fileName: string;
  displayPath: string;
  direction: 'up' | 'down';
  /** `cancelled`: the run was cancelled while this step ran; nothing of a transactional step remains. */
  outcome: RanStepOutcome;
  transaction: boolean;
  /** Wall time of the step including retries, ms. */
  durationMs: number;
  /** 1 + number of lock-timeout retries. */
  attempts: number;
  /** Rows affected by the section's last statement (dbmate's verbose output). */
  rowsAffected?: number;
  error?: Error;
  /**
   * The step's connection was lost and the answer with it, but the ledger read afterwards (once
   * the old session was ended) shows it committed: `outcome` says what happened, not what was heard.
   */
  committedUnheard?: boolean;
}

const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';
/** How a `transaction:false` section stopped by a cancel between two statements says so. */
const NOT_STARTED = 'the run was cancelled before this statement started';
/** Errors where re-running the section to find the failing statement would be slow or pointless. */
const NO_REPLAY = /^(55P03|57014|57P0\d|08...|40001|40P01|53...|XX...)$/;


/**
 * Run one migration's up or down section and record it in the ledger (and history), atomically
 * for transactional sections. Never throws for SQL errors: the failure is returned, and the
 * `failed` history row is written after the rollback.
 */
export async function runStep(
  conn: Connection,
  file: MigrationFile,
  parsed: ParsedMigration,
  direction: 'up' | 'down',
  opts: StepOptions,
): Promise<StepResult> {
  const section = direction === 'up' ? parsed.up : parsed.down;
  const started = new Date();
  const t0 = process.hrtime.bigint();
  const base = {
    version: file.version,
    fileName: file.fileName,
    displayPath: file.displayPath,
    direction,
    transaction: section.transaction,
  };
  const run = section.transaction ? runTransactional : runNonTransactional;
  const r = await run(conn, file, parsed, direction, section, opts);
  const durationMs = elapsedMs(t0);
  // transaction:false sets the timeouts for the session; give the rest of the run its own settings back.
  if (!section.transaction) await afterCancel(opts, () => conn.query('RESET lock_timeout;RESET statement_timeout')).catch(() => undefined);
  if (r.error) {
    const error = opts.signal?.aborted ? asCancelled(r.error, opts.signal) : r.error;
    const outcome = error instanceof SqlMigrationError && error.failure.cancelled ? 'cancelled' : 'failed';
    // A lost connection cannot record anything (and the failure says so itself).
    if (opts.history && !isConnectionLost(error.cause ?? error)) {
      const f = (error as SqlMigrationError).failure;
      const entry = {
        version: file.version,
        direction,
        outcome,
        fileName: file.fileName,
        checksum: parsed.checksum,
        startedAt: started,
        durationMs,
        sqlstate: f?.sqlstate,
        error: redact(error.message, opts.secrets),
      } as const;
      await afterCancel(opts, () => recordHistory(conn, opts.history!, entry, opts.ctx)).catch((e) =>
        opts.log.warn(`could not record the ${outcome === 'cancelled' ? 'cancelled' : 'failed'} attempt in the history table: ${(e as Error).message}`),
      );
    }
    return { ...base, outcome, durationMs, attempts: r.attempts, error };
  }
  return {
    ...base,
    outcome: direction === 'up' ? 'applied' : 'rolled-back',
    durationMs,
    attempts: r.attempts,
    rowsAffected: r.rowsAffected,
  };
}

/**
 * The audit trail promises one row per attempt, also when the session died mid-migration, so
 * {@link runStep} could not write it: write it through the fresh connection `conn`. A
 * transaction killed during COMMIT may still have committed: the ledger (`after`) tells, so the
 * `failed` row is written only when the step's effect is really absent.
 */
export async function recordLostStep(conn: Connection, step: StepResult | undefined, after: MigrationPlan, opts: StepOptions): Promise<void> {
  if (!step || !opts.history) return;
  const applied = after.files.some((r) => r.file.version === step.version && r.applied);
  if ((step.direction === 'up') === applied) return;
  const file = after.files.find((r) => r.file.version === step.version)?.file;
  const checksum = file ? checksumOf(readFileSync(file.absPath)) : '';
  await recordHistory(
    conn,
    opts.history,
    {
      version: step.version,
      direction: step.direction,
      outcome: step.outcome === 'cancelled' ? 'cancelled' : 'failed',
      fileName: step.fileName,
      checksum,
      startedAt: new Date(Date.now() - step.durationMs),
      durationMs: step.durationMs,
      sqlstate: (step.error as SqlMigrationError | undefined)?.failure?.sqlstate,
      error: step.error && redact(step.error.message, opts.secrets),
    },
    opts.ctx,
  ).catch((err) => opts.log.warn(`could not record the failed attempt in the history table: ${(err as Error).message}`));
}

interface RunOutcome {
  attempts: number;
  rowsAffected?: number;
  error?: Error;
}

function ledgerSql(opts: StepOptions, version: string, direction: 'up' | 'down'): string {
  return direction === 'up'
    ? `insert into ${opts.ledger.quoted} (version) values (${literal(version)})`
    : `delete from ${opts.ledger.quoted} where version = ${literal(version)}`;
}

function bookkeepingSql(opts: StepOptions, file: MigrationFile, parsed: ParsedMigration, direction: 'up' | 'down'): string[] {
  const out = [ledgerSql(opts, file.version, direction)];
  if (opts.history) {
    out.push(
      historyInsertSql(
        opts.history,
        {
          version: file.version,
          direction,
          outcome: direction === 'up' ? 'applied' : 'rolled-back',
          fileName: file.fileName,
          checksum: parsed.checksum,
        },
        opts.ctx,
      ),
    );
  }
  return out;
}

/**
 * A transactional section goes to the server as ONE simple-protocol query:
 * BEGIN + timeouts, the section text exactly as written, the ledger and history rows, COMMIT.
 * One round trip per migration (dbmate needs four), and SQL and ledger row commit together.
 */
async function runTransactional(
  conn: Connection,
  file: MigrationFile,
  parsed: ParsedMigration,
  direction: 'up' | 'down',
  section: Section,
  opts: StepOptions,
): Promise<RunOutcome> {
  const tail = bookkeepingSql(opts, file, parsed, direction);
  const retry = lockRetrier(conn, opts, file);
  for (let a = retry.first; ; ) {
    const prefix = `BEGIN;${setTimeouts(opts, a.lockTimeoutMs, 'LOCAL')};\n`;
    // The newline ends a trailing `--` comment; the lone `;` ends a last statement written without one.
    const text = `${prefix}${section.sql}\n;\n${tail.join(';\n')};\nCOMMIT`;
    try {
      const res = await conn.query(text);
      const results = Array.isArray(res) ? res : [res];
      // Results: BEGIN, the SETs, user statements…, bookkeeping…, COMMIT.
      const user = results.slice(1 + timeoutCount(opts), results.length - tail.length - 1);
      const last = user.filter((r) => r.command !== null && r.command !== undefined).at(-1);
      // DDL reports no row count; dbmate prints `Rows affected: 0` for it, and nothing for an empty section.
      return { attempts: a.attempt, rowsAffected: last ? (last.rowCount ?? 0) : undefined };
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      let hint: string | undefined;
      if (code === LOCK_NOT_AVAILABLE) {
        const next = await retry.after(a);
        if (typeof next !== 'string') {
          a = next;
          continue;
        }
        hint = next;
      }
      return { attempts: a.attempt, error: await describeTransactionalError(conn, err, file, direction, section, prefix.length, a.lockTimeoutMs, opts, hint) };
    }
  }
}

/** Number of SETs {@link setTimeouts} sends. */
function timeoutCount(opts: StepOptions): number {
  return opts.statementTimeoutMs === undefined ? 1 : 2;
}

/**
 * The SETs of one attempt: its lock_timeout, and statement_timeout only when one was given (else
 * the role's or database's own statement_timeout holds, as under dbmate).
 */
function setTimeouts(opts: StepOptions, lockTimeoutMs: number, scope: 'LOCAL' | 'SESSION'): string {
  const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  const out = [`${set} lock_timeout = ${wholeMs(lockTimeoutMs)}`];
  if (opts.statementTimeoutMs !== undefined) out.push(`${set} statement_timeout = ${wholeMs(opts.statementTimeoutMs)}`);
  return out.join(';');
}

/** Milliseconds as the server's integer setting: a fraction (`250us`) is rounded up, never to 0, which would disable the timeout. */
function wholeMs(ms: number): number {
  return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
}

/**
 * The lock schedule of one migration or statement: `first` is its first attempt; `after(failed)`
 * logs the lock timeout, pauses and returns the next attempt, or the hint of the failure when the
 * retries or the budget are used up (or the run was cancelled during the pause).
 */
function lockRetrier(conn: Connection, opts: StepOptions, file: MigrationFile): { first: LockAttempt; after(failed: LockAttempt): Promise<LockAttempt | string> } {
  const schedule: LockScheduleSettings = { capMs: opts.lockTimeoutMs, retries: opts.lockRetries, budgetMs: opts.lockRetryBudgetMs };
  const t0 = process.hrtime.bigint();
  return {
    first: firstAttempt(schedule),
    async after(failed) {
      const next = nextAttempt(schedule, failed.attempt, elapsedMs(t0), opts.random ?? Math.random);
      if (typeof next === 'string') return lockHint(conn, opts, failed, next, elapsedMs(t0));
      const left = opts.lockRetryBudgetMs > 0 ? `, ${seconds(opts.lockRetryBudgetMs - elapsedMs(t0))} of the lock-retry budget left` : '';
      opts.log.warn(
        `${file.displayPath}: lock_timeout (${failed.lockTimeoutMs} ms) reached waiting for a lock on attempt ${failed.attempt}; ` +
          `retry ${failed.attempt}/${opts.lockRetries} in ${next.pauseMs} ms with lock_timeout ${next.lockTimeoutMs} ms${left}`,
      );
      await sleep(next.pauseMs, opts.signal);
      return opts.signal?.aborted ? 'the run was cancelled while waiting to retry' : next;
    },
  };
}

/** `12.3 s`, for budgets and what is left of them. */
function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/**
 * What to tell when no attempt got the lock: how long and how often it was tried, the session
 * that most likely blocked it (the oldest open transaction holding a table lock in this
 * database: one catalog query, on the failure path only) and what to do.
 */
async function lockHint(conn: Connection, opts: StepOptions, last: LockAttempt, why: 'retries' | 'budget', spentMs: number): Promise<string> {
  const upTo = opts.lockTimeoutMs > 0 ? `, lock_timeout up to ${opts.lockTimeoutMs} ms` : '';
  const tried =
    why === 'budget'
      ? `no attempt got the lock within the lock-retry budget (${seconds(opts.lockRetryBudgetMs)}: ${last.attempt} attempts in ${seconds(spentMs)}${upTo})`
      : `no attempt got the lock in ${last.attempt} attempt${last.attempt === 1 ? '' : 's'} (lock-retries ${opts.lockRetries}: ${seconds(spentMs)}${upTo})`;
  const holder = await oldestLockHolder(conn).catch(() => undefined);
  const who = holder
    ? `the oldest open transaction holding a table lock in this database is pid ${holder.pid} (${holder.state ?? 'unknown state'}, user ${holder.usename}${holder.app ? `, application ${holder.app}` : ''}): ` +
      `end it (select pg_terminate_backend(${holder.pid})) or run when it is done`
    : 'another session held a conflicting lock: find it with pg_blocking_pids() while the migration waits, and end it or run when it is done';
  const raise = why === 'budget' ? '--lock-retry-budget' : '--lock-retries';
  return `${tried}; ${who}; or raise ${raise} to keep trying longer (each attempt stalls the table's queries for at most its lock_timeout)`;
}

/** The session with the oldest open transaction that holds a lock on a table of this database, other than ours. */
async function oldestLockHolder(conn: Connection): Promise<{ pid: number; state: string | null; usename: string; app: string } | undefined> {
  const { rows } = await conn.query<{ pid: number; state: string | null; usename: string; app: string }>(
    `select a.pid, a.state, a.usename, a.application_name as app
       from pg_stat_activity a
      where a.datname = current_database() and a.pid <> pg_backend_pid() and a.xact_start is not null
        and exists (select 1 from pg_locks l
                     where l.pid = a.pid and l.granted and l.locktype = 'relation'
                       and l.database = (select oid from pg_database where datname = current_database()))
      order by a.xact_start
      limit 1`,
  );
  return rows[0];
}

/**
 * A cancel sent for a statement that had just finished can land on the next one (the server
 * cannot tell them apart): after a cancel, a bookkeeping query cancelled that way is sent again.
 */
async function afterCancel<T>(opts: StepOptions, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!opts.signal?.aborted || (err as { code?: string }).code !== QUERY_CANCELED) throw err;
    return fn();
  }
}

/**
 * The failure of a step the run's cancel stopped, said as such: `cancelled by SIGINT`, what of
 * the file remains, and what to do. Failures with other causes than the cancel keep their words.
 */
function asCancelled(err: Error, signal: AbortSignal): Error {
  if (!(err instanceof SqlMigrationError) || err.failure.cancelled) return err;
  const f = err.failure;
  // A lock attempt that timed out during the cancel is the cancel's too: the retry it would have had never came.
  const byCancel =
    f.sqlstate === QUERY_CANCELED || f.sqlstate === LOCK_NOT_AVAILABLE || isConnectionLost(err.cause ?? err) || f.serverMessage.startsWith(NOT_STARTED);
  if (!byCancel) return err;
  return new SqlMigrationError(
    { ...f, cancelled: abortReason(signal) },
    {
      hint: f.transactional
        ? 'its transaction was rolled back, so nothing of this migration was applied; run again to continue'
        : 'statements listed as completed stay applied and no ledger row was written; make the file idempotent or finish it by hand, then run again',
      cause: err.cause ?? err,
    },
  );
}

async function describeTransactionalError(
  conn: Connection,
  err: unknown,
  file: MigrationFile,
  direction: 'up' | 'down',
  section: Section,
  prefixLength: number,
  lockTimeoutMs: number,
  opts: StepOptions,
  hint = hintFor((err as PgError).code, direction),
): Promise<Error> {
  if (isConnectionLost(err)) return connectionLostError(err, file, direction, true);
  const e = err as PgError;
  const failure: SqlFailure = baseFailure(e, file, direction, true);
  // The server counts characters (code points) from 1 in the whole batch; the prefix is ASCII.
  const pos = e.position ? Number(e.position) - prefixLength : 0;
  const sectionChars = codePoints(section.sql);
  if (pos > 0 && pos <= sectionChars) {
    const offset = utf16Offset(section.sql, pos - 1);
    placeInFile(failure, section, offset);
    failure.statement = await statementAt(section.sql, offset);
  } else if (pos > sectionChars) {
    failure.statement = 'bookkeeping (ledger/history insert)';
  } else if (e.code) {
    // Timeouts, lost connections and the like are not replayed (they would only fail again); a one-statement section needs no replay.
    const located = NO_REPLAY.test(e.code) ? await onlyStatement(section) : await replayToLocate(conn, section, lockTimeoutMs, opts);
    if (located === 'all-succeeded') {
      // Every statement ran: the error came from COMMIT, i.e. a deferred constraint or trigger.
      if (e.code.startsWith('23')) failure.statement = 'COMMIT (a deferred constraint was checked at the end of the transaction)';
    } else if (located) {
      failure.statement = located.stmt.sql;
      failure.statementIndex = located.index;
      placeInFile(failure, section, located.stmt.offset);
    }
  }
  return new SqlMigrationError(failure, { hint, cause: err });
}

/** The section's statement when it has exactly one. */
async function onlyStatement(section: Section): Promise<{ stmt: Statement; index: number } | undefined> {
  const stmts = await splitStatements(section.sql).catch(() => [] as Statement[]);
  return stmts.length === 1 ? { stmt: stmts[0], index: 0 } : undefined;
}

/**
 * The server gives no position for errors such as constraint violations. Re-run the section
 * statement by statement inside a transaction that is always rolled back, to name the
 * statement that fails. Only on the failure path, and never for timeouts.
 */
async function replayToLocate(
  conn: Connection,
  section: Section,
  lockTimeoutMs: number,
  opts: StepOptions,
): Promise<{ stmt: Statement; index: number } | 'all-succeeded' | undefined> {
  let stmts: Statement[];
  try {
    stmts = await splitStatements(section.sql);
  } catch {
    return undefined;
  }
  if (stmts.length === 0) return undefined;
  if (stmts.length === 1) return { stmt: stmts[0], index: 0 };
  try {
    await conn.query(`BEGIN;${setTimeouts(opts, lockTimeoutMs, 'LOCAL')}`);
    for (let i = 0; i < stmts.length; i++) {
      try {
        await conn.query(stmts[i].sql);
      } catch {
        return { stmt: stmts[i], index: i };
      }
    }
    return 'all-succeeded';
  } finally {
    await conn.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * `transaction:false`: statements run one by one in autocommit, so CREATE INDEX CONCURRENTLY
 * works among other statements. The ledger row is written only after the last statement.
 */
async function runNonTransactional(
  conn: Connection,
  file: MigrationFile,
  parsed: ParsedMigration,
  direction: 'up' | 'down',
  section: Section,
  opts: StepOptions,
): Promise<RunOutcome> {
  let stmts: Statement[];
  try {
    stmts = await splitStatements(section.sql);
  } catch (err) {
    const failure: SqlFailure = {
      file: file.displayPath,
      version: file.version,
      direction,
      serverMessage: (err as Error).message,
      sqlstate: '42601',
      transactional: false,
      completedStatements: [],
    };
    if (err instanceof SqlSyntaxError) {
      placeInFile(failure, section, err.position - 1);
      failure.statement = await statementAt(section.sql, err.position - 1);
    }
    return { attempts: 1, error: new SqlMigrationError(failure, { hint: 'fix the SQL syntax; nothing was executed', cause: err }) };
  }
  // Session-wide here (there is no transaction to be LOCAL to); `runStep` RESETs both afterwards.
  let lockTimeoutSet = firstAttempt({ capMs: opts.lockTimeoutMs, retries: 0, budgetMs: 0 }).lockTimeoutMs;
  await conn.query(setTimeouts(opts, lockTimeoutSet, 'SESSION'));
  // Only indexes this file leaves INVALID are its to report; older ones are someone else's story.
  // Best effort: a failing catalog query must not turn into a migration failure.
  const invalidBefore = new Set(await invalidIndexes(conn).catch(() => [] as string[]));
  const done: string[] = [];
  let attempts = 1;
  let rowsAffected: number | undefined;
  for (let i = 0; i < stmts.length; i++) {
    if (opts.signal?.aborted) {
      const failure: SqlFailure = { ...baseFailure({ message: NOT_STARTED }, file, direction, false), statement: stmts[i].sql, statementIndex: i, completedStatements: done };
      placeInFile(failure, section, stmts[i].offset);
      return { attempts, error: new SqlMigrationError(failure) };
    }
    // Each statement has a schedule (and a budget) of its own.
    const retry = lockRetrier(conn, opts, file);
    for (let a = retry.first; ; ) {
      try {
        if (a.lockTimeoutMs !== lockTimeoutSet) {
          await conn.query(`SET lock_timeout = ${wholeMs(a.lockTimeoutMs)}`);
          lockTimeoutSet = a.lockTimeoutMs;
        }
        const res = await conn.query(stmts[i].sql);
        rowsAffected = (Array.isArray(res) ? res.at(-1) : res)?.rowCount ?? 0;
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        let hint = hintFor(code, direction, false);
        if (code === LOCK_NOT_AVAILABLE) {
          const next = await retry.after(a);
          if (typeof next !== 'string') {
            a = next;
            attempts = Math.max(attempts, a.attempt);
            continue;
          }
          hint = next;
        }
        if (isConnectionLost(err)) return { attempts, error: connectionLostError(err, file, direction, false, done) };
        const e = err as PgError;
        const failure = baseFailure(e, file, direction, false);
        failure.statement = stmts[i].sql;
        failure.statementIndex = i;
        failure.completedStatements = done;
        const pos = e.position ? Number(e.position) : 0;
        placeInFile(failure, section, stmts[i].offset + (pos > 0 ? utf16Offset(stmts[i].sql, pos - 1) : 0));
        failure.invalidIndexes = (await invalidIndexes(conn).catch(() => [] as string[])).filter((name) => !invalidBefore.has(name));
        return { attempts, error: new SqlMigrationError(failure, { hint, cause: err }) };
      }
    }
    done.push(stmts[i].sql);
  }
  try {
    await conn.query(`BEGIN;\n${bookkeepingSql(opts, file, parsed, direction).join(';\n')};\nCOMMIT`);
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    const failure = baseFailure(err as PgError, file, direction, false);
    failure.statement = 'bookkeeping (ledger/history insert)';
    failure.completedStatements = done;
    return { attempts, error: new SqlMigrationError(failure, { cause: err }) };
  }
  return { attempts, rowsAffected };
}

/** Indexes a failed CREATE INDEX CONCURRENTLY leaves behind: unusable but still maintained on every write. */
export async function invalidIndexes(conn: Connection): Promise<string[]> {
  const { rows } = await conn.query<{ name: string }>('select i.indexrelid::regclass::text as name from pg_index i where not i.indisvalid order by 1');
  return rows.map((r) => r.name);
}

interface PgError {
  code?: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
}

function baseFailure(e: PgError, file: MigrationFile, direction: 'up' | 'down', transactional: boolean): SqlFailure {
  return {
    file: file.displayPath,
    version: file.version,
    direction,
    serverMessage: e.message,
    sqlstate: e.code,
    detail: e.detail,
    serverHint: e.hint,
    transactional,
  };
}

/**
 * Map a 0-based offset in the section's JavaScript string (UTF-16 units, as split.ts reports
 * statement offsets) to a line:column in the file, the column counted in characters.
 */
function placeInFile(failure: SqlFailure, section: Section, offset: number): void {
  const { line, column } = lineColumn(section.sql, codePoints(section.sql.slice(0, offset)) + 1);
  failure.line = section.startLine + line - 1;
  failure.column = column;
}

/** Number of characters (code points) in `text`: the unit of PostgreSQL's error positions. */
function codePoints(text: string): number {
  return [...text].length;
}

/** UTF-16 offset of the character at 0-based code-point index `cp` in `text`. */
function utf16Offset(text: string, cp: number): number {
  let units = 0;
  let i = 0;
  for (const ch of text) {
    if (i++ >= cp) break;
    units += ch.length;
  }
  return units;
}

/** The statement at a UTF-16 offset of the section; for text that does not parse, the scanner's best guess. */
async function statementAt(sql: string, offset: number): Promise<string | undefined> {
  try {
    const stmts = await splitStatements(sql);
    let found: Statement | undefined;
    for (const s of stmts) if (s.offset <= offset) found = s;
    return found?.sql;
  } catch {
    return (await statementAround(sql, offset).catch(() => undefined))?.sql;
  }
}

function hintFor(code: string | undefined, direction: 'up' | 'down', transactional = true): string | undefined {
  const again = transactional
    ? 'fix the migration file and run again; nothing of it was applied'
    : 'statements that completed stay applied: make the file idempotent (IF NOT EXISTS / IF EXISTS) or clean up by hand, then run again';
  switch (code) {
    case LOCK_NOT_AVAILABLE:
      return 'another session held a conflicting lock longer than lock_timeout on every retry: find it in pg_stat_activity, or run when traffic is lower (raise --lock-retries / --lock-timeout only if readers can wait that long)';
    case '57014':
      return 'the statement ran longer than statement_timeout: raise --statement-timeout, or batch the work';
    case '25001':
      return 'this statement cannot run inside a transaction: add `transaction:false` to the marker line (`-- migrate:' + direction + ' transaction:false`)';
    default:
      return again;
  }
}

function connectionLostError(err: unknown, file: MigrationFile, direction: 'up' | 'down', transactional: boolean, done: string[] = []): SqlMigrationError {
  const e = err as PgError;
  return new SqlMigrationError(
    {
      file: file.displayPath,
      version: file.version,
      direction,
      serverMessage: `connection to the database was lost: ${e.message}`,
      sqlstate: e.code,
      transactional,
      completedStatements: done,
    },
    {
      hint: transactional
        ? 'the migration and its ledger row were in one transaction, so either both committed or neither did; run `status` and then `up` again'
        : 'statements listed as completed stay applied and no ledger row was written; check them, then run `up` again',
      cause: err,
    },
  );
}
